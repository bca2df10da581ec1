"""docs/schemas.md: "Each event type has exactly one producing service."

``schemas/CaseEvent/producers.json`` names the one producer of each CaseEvent type. These tests check
that it covers every branch of the CaseEvent union exactly once, and read every service's source
(``services/*/``) for the events it builds — the event type handed to ``remedy.kernel.events.case_event`` or
to a service's own wrapper around it (``_event(case, "X", …)``, ``out.event("X", …)``), followed
through variables and helper functions that return the type — so a service that starts emitting
another service's event type fails here, not in production.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from remedy.kernel.settings import REPO_ROOT

SCHEMAS = REPO_ROOT / "schemas"
SERVICES = REPO_ROOT / "services"
BUILDER = "case_event"  # remedy.kernel.events.case_event(producer, type_, body, ...)


# ---------------------------------------------------------------- the registry and the schema

def union_branches() -> list[str]:
    latest = max((SCHEMAS / "CaseEvent").glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    (event,) = [f for f in json.loads(latest.read_text())["fields"] if f["name"] == "event"]
    return [branch["name"] for branch in event["type"]]


def producer_pairs(path: Path = SCHEMAS / "CaseEvent" / "producers.json") -> list[tuple[str, str]]:
    """Every (event type, service) entry as written, duplicates kept (a JSON object may repeat a key)."""
    pairs: list[tuple[str, str]] = []
    json.loads(path.read_text(), object_pairs_hook=lambda kv: pairs.extend(kv) or dict(kv))
    return [(k, v) for k, v in pairs if not k.startswith("_")]


def producers() -> dict[str, str]:
    return dict(producer_pairs())


def test_every_event_type_has_exactly_one_registered_producer():
    names = [name for name, _ in producer_pairs()]
    branches = union_branches()
    assert sorted(n for n in set(names) if names.count(n) > 1) == [], "listed more than once"
    assert sorted(set(branches) - set(names)) == [], "CaseEvent branches with no producer"
    assert sorted(set(names) - set(branches)) == [], "producers.json names types the schema does not have"
    assert len(branches) == len(set(branches))


def test_every_registered_producer_is_a_service():
    services = {p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()}
    assert sorted(set(producers().values()) - services) == []


# ---------------------------------------------------------------- reading what a service emits

class _Module:
    def __init__(self, path: Path):
        self.path, self.tree = path, ast.parse(path.read_text(), str(path))
        self.functions = {n.name: n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.constants = {t.id: n.value.value for n in self.tree.body if isinstance(n, ast.Assign)
                          for t in n.targets if isinstance(t, ast.Name) and isinstance(n.value, ast.Constant)}


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _params(fn) -> list[str]:
    names = [a.arg for a in fn.args.args]
    return names[1:] if names and names[0] in ("self", "cls") else names


def _argument(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == name), None)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _own_nodes(node: ast.AST):
    """The nodes of a function (or module) body, not descending into nested functions."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, _FUNCTIONS):
            yield from _own_nodes(child)


def _scopes(module: _Module):
    """(innermost enclosing function or None, call) for every call in the module."""
    for scope in [None, *(n for n in ast.walk(module.tree) if isinstance(n, _FUNCTIONS))]:
        fn = scope if not isinstance(scope, ast.Lambda) else None
        for node in _own_nodes(scope or module.tree):
            if isinstance(node, ast.Call):
                yield fn, node


def _builders(modules: list[_Module]) -> dict[str, tuple[int, str]]:
    """``case_event`` and every function that passes one of its parameters on as the event type."""
    builders = {BUILDER: (1, "type_")}
    changed = True
    while changed:
        changed = False
        for module in modules:
            for fn, call in _scopes(module):
                spec = builders.get(_callee(call))
                arg = spec and _argument(call, *spec)
                if fn is not None and isinstance(arg, ast.Name) and arg.id in _params(fn):
                    found = (_params(fn).index(arg.id), arg.id)
                    if builders.get(fn.name) != found:
                        builders[fn.name], changed = found, True
    return builders


def _literals(node: ast.expr, fn, module: _Module, depth: int = 0) -> set[str] | None:
    """The string values an expression can have, or None if they cannot be told from the source."""
    if depth > 5:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _literals(node.body, fn, module, depth + 1), _literals(node.orelse, fn, module, depth + 1)
        return None if a is None or b is None else a | b
    if isinstance(node, ast.Name):
        return _assigned(node.id, fn, module, depth + 1)
    return None


def _assigned(name: str, fn, module: _Module, depth: int) -> set[str] | None:
    """Every value ``name`` is given in ``fn`` (plain or tuple assignment, or a helper's returned tuple)."""
    constant = {module.constants[name]} if isinstance(module.constants.get(name), str) else None
    if fn is None:
        return constant
    values: set[str] = set()
    for node in _own_nodes(fn):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                found = _literals(node.value, fn, module, depth)
            elif isinstance(target, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == name for e in target.elts):
                index = next(i for i, e in enumerate(target.elts) if isinstance(e, ast.Name) and e.id == name)
                found = _element(node.value, index, fn, module, depth)
            else:
                continue
            if found is None:
                return None
            values |= found
    return values or constant


def _element(value: ast.expr, index: int, fn, module: _Module, depth: int) -> set[str] | None:
    if isinstance(value, ast.Tuple) and len(value.elts) > index:
        return _literals(value.elts[index], fn, module, depth)
    if isinstance(value, ast.Call) and (helper := module.functions.get(_callee(value) or "")) is not None:
        found: set[str] = set()
        for ret in (n for n in ast.walk(helper) if isinstance(n, ast.Return) and n.value is not None):
            got = _element(ret.value, index, helper, module, depth + 1)
            if got is None:
                return None
            found |= got
        return found or None
    return None


def emitted_by_service(service_dir: Path) -> tuple[dict[str, list[str]], list[str]]:
    """({event type: [file:line, …]}, problems) for one service's source."""
    modules = [_Module(p) for p in sorted(service_dir.rglob("*.py"))]
    builders = _builders(modules)
    emitted: dict[str, list[str]] = {}
    problems: list[str] = []
    for module in modules:
        where_file = module.path.relative_to(service_dir.parent)
        for fn, call in _scopes(module):
            spec = builders.get(_callee(call))
            if spec is None:
                continue
            where = f"{where_file}:{call.lineno}"
            arg = _argument(call, *spec)
            if fn is not None and builders.get(fn.name) is not None and isinstance(arg, ast.Name) \
                    and arg.id == builders[fn.name][1]:
                continue  # a wrapper passing its own parameter on: its callers are the emitters
            types = None if arg is None else _literals(arg, fn, module)
            if types is None:
                problems.append(f"{where}: cannot tell which event type this emits")
                continue
            for type_ in types:
                emitted.setdefault(type_, []).append(where)
            if _callee(call) == BUILDER:
                producer = _argument(call, 0, "producer")
                names = None if producer is None else _literals(producer, fn, module)
                if names != {service_dir.name}:
                    problems.append(f"{where}: producer is {sorted(names) if names else 'unknown'}, not {service_dir.name!r}")
    return emitted, problems


def misattributed(services_dir: Path, registry: dict[str, str]) -> tuple[dict[str, set[str]], list[str]]:
    found: dict[str, set[str]] = {}
    problems: list[str] = []
    for service_dir in sorted(p for p in services_dir.iterdir() if (p / "__init__.py").exists()):
        emitted, trouble = emitted_by_service(service_dir)
        problems += trouble
        found[service_dir.name] = set(emitted)
        for type_, where in sorted(emitted.items()):
            owner = registry.get(type_)
            if owner is None:
                problems.append(f"{where[0]}: {type_} is not a registered CaseEvent type")
            elif owner != service_dir.name:
                problems.append(f"{where[0]}: {service_dir.name} emits {type_}, which only {owner} may produce")
    return found, problems


def test_each_service_emits_only_the_event_types_assigned_to_it():
    found, problems = misattributed(SERVICES, producers())
    assert problems == []


RETIRED = frozenset({"ComplaintForwarded"})   # kept in the union for the logs written before CaseEvent v4


def test_finished_services_emit_every_type_assigned_to_them():
    """Proof that the source scan sees what the services emit (not vacuously passing)."""
    found, _ = misattributed(SERVICES, producers())
    registry = producers()
    for service in ("intake", "triage", "enforcement", "repair", "objections"):
        assert found[service] == {t for t, s in registry.items() if s == service and t not in RETIRED}, service
    assert {"CaseEscalated", "MediatorAssigned"} <= found.get("mediation", set())


# ---------------------------------------------------------------- the scan catches what it must

def _service(root: Path, name: str, source: str) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "decide.py").write_text(source)


def test_the_scan_catches_a_second_producer_through_wrappers_variables_and_helpers(tmp_path):
    _service(tmp_path, "repair", '''
from remedy.kernel.events import case_event
PRODUCER = "repair"

def _event(case, type_, body, cause, now):
    return case_event(PRODUCER, type_, body, case_id=case, lender_id="L", causation_id=cause, now=now)

def done(case, now):
    return [_event(case, "CreditRepairDone", {}, "c", now), _event(case, "CaseClosed", {}, "c", now)]
''')
    _service(tmp_path, "enforcement", '''
from remedy.kernel.events import case_event

class Out:
    def event(self, type_, body):
        return case_event("enforcement", type_, body, case_id="C", lender_id="L", causation_id="c", now=None)

def route(paid):
    if paid:
        return "CaseEscalated", {}
    return "JudgmentEntered", {}

def decide(out, paid):
    type_, body = route(paid)
    out.event(type_, body)
    kind = "LitigationFiled" if paid else "FilingAccepted"
    out.event(kind, {})
''')
    _service(tmp_path, "objections", '''
from remedy.kernel.events import case_event

def close(case, kinds):
    for kind in kinds:
        case_event("repair", kind, {}, case_id=case, lender_id="L", causation_id="c", now=None)
''')
    found, problems = misattributed(tmp_path, producers())
    assert found["repair"] == {"CreditRepairDone", "CaseClosed"}
    assert found["enforcement"] == {"CaseEscalated", "JudgmentEntered", "LitigationFiled", "FilingAccepted"}
    assert any("repair emits CaseClosed, which only objections may produce" in p for p in problems), problems
    assert any("enforcement emits CaseEscalated, which only mediation may produce" in p for p in problems), problems
    assert any(p.startswith("objections/decide.py:") and "cannot tell which event type" in p for p in problems), problems
    assert not any("JudgmentEntered" in p or "LitigationFiled" in p for p in problems)


def test_a_service_naming_another_as_producer_is_caught(tmp_path):
    _service(tmp_path, "repair", '''
from remedy.kernel.events import case_event
PRODUCER = "objections"

def done(case):
    return case_event(PRODUCER, "CreditRepairDone", {}, case_id=case, lender_id="L", causation_id="c", now=None)
''')
    _, problems = misattributed(tmp_path, producers())
    assert any("producer is ['objections'], not 'repair'" in p for p in problems), problems


def test_a_listed_twice_registry_is_caught(tmp_path):
    path = tmp_path / "producers.json"
    path.write_text('{"CaseClosed": "objections", "CaseOpened": "intake", "CaseClosed": "repair"}')
    names = [n for n, _ in producer_pairs(path)]
    assert names.count("CaseClosed") == 2
