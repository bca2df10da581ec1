"""What each reach-in into faust's and aiokafka's private code was checked against, checked at start-up.

Remedy replaces two private faust methods (``fastpath``, ``highwater``), overrides one public one
(``nomonitor``) and reads or calls a few private names elsewhere in ``remedy.runtime``. Each such
place declares a ``Guard``: the distribution and the version(s) it was checked against, what kind
of thing it expects to find (a method, a coroutine method, an instance attribute, a context
variable), and, where Remedy depends on what the code *does* (a function it replaces, a method it
overrides or relies on), the sha256 of ``inspect.getsource`` of faust's own code. ``check`` runs
every guard before anything is patched (``remedy.runtime.app.create_app``) and raises
``PatchMismatch`` listing every mismatch, so that a faust or aiokafka upgrade fails at start-up,
loudly, instead of running code written for another version.

A replaced function is hashed as faust ships it, whether or not the patch is installed: ``replace``
remembers the original, ``original`` returns it and ``restore`` puts it back.

notify replaces one reportlab method the same way (``services.notify.deflate``: its guard is checked when a
printer is built, as this layer cannot import services).

``python -m remedy.runtime.patches`` checks every guard and prints what differs; given targets
(``faust.transport.consumer:Consumer._drain_messages``) it prints what a guard would record for each:
the installed version, the kind and the source hash.
"""
from __future__ import annotations

import ast
import contextvars
import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

KINDS = ("method", "coroutine method", "attribute", "contextvar")
_MISSING = object()


class PatchMismatch(RuntimeError):
    """The installed faust, aiokafka or reportlab is not what a patch or reach-in was checked against."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("patch guard: installed code differs from what Remedy was checked against\n"
                         + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True)
class Guard:
    """One dependency of Remedy's code on another distribution's private code.

    ``module`` is the Remedy module that depends on it; ``target`` is ``"package.module:Name.attr"``;
    ``use`` reads as a verb ("replaces", "overrides", "calls", "reads"); ``patch`` names the
    switchable patch it belongs to (``REMEDY_FAUST_PATCHES``), empty for a reach-in the runtime
    cannot do without; ``without`` says what happens when that patch is left out.
    """

    module: str
    target: str
    use: str
    kind: str
    distribution: str
    versions: tuple[str, ...]
    sha256: str | None = None
    patch: str = ""
    without: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.target}: kind {self.kind!r} is not one of {KINDS}")

    def problem(self) -> str | None:
        """None if the installed code is what this guard was checked against, else what differs."""
        found_version = installed_version(self.distribution)
        differs = [] if found_version in self.versions else ["another version"]
        value = resolve(self.target)
        if value is _MISSING:
            differs.append("no such name")
        else:
            kind = kind_of(self.target, value)
            if kind != self.kind:
                differs.append(f"{kind or 'something else'} there, not a {self.kind}")
            elif self.sha256 is not None:
                found_hash = source_sha256(value)
                if found_hash != self.sha256:
                    differs.append(f"source sha256 {found_hash}")
        if not differs:
            return None
        checked = f"{self.distribution} {' or '.join(self.versions)}"
        if self.sha256 is not None:
            checked += f" (source sha256 {self.sha256})"
        if self.patch:
            remedy = (f"Re-check {self.module} against the installed version and record it in its guard, or run "
                      f"without the patch: REMEDY_FAUST_PATCHES={self.patch_free_value()} ({self.without})")
        else:
            remedy = (f"{self.module} cannot run without it: install {self.distribution}=={self.versions[-1]} "
                      f"(pyproject.toml pins it), or adapt {self.module} to the installed version and record it in its guard")
        label = f"{self.module} (patch {self.patch!r})" if self.patch else self.module
        return (f"{label} {self.use} {self.target} ({self.kind}), checked against {checked}; found "
                f"{self.distribution} {found_version}: {', '.join(differs)}. {remedy}.")

    def patch_free_value(self) -> str:
        from remedy.runtime.patches import PATCHES  # the names, for the message only

        rest = [name for name in PATCHES if name != self.patch]
        return ",".join(rest) if rest else "none"


def check(guards) -> None:
    """Raise ``PatchMismatch`` naming every guard whose target differs from what it was checked against."""
    problems = [p for p in (g.problem() for g in guards) if p]
    if problems:
        raise PatchMismatch(problems)


def installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


# -- replacing and restoring -------------------------------------------------------------------------

_originals: dict[tuple[type, str], tuple[bool, Any]] = {}  # (owner, name) -> (defined on owner itself?, value)


def replace(owner: type, name: str, replacement: Any) -> None:
    """``owner.name = replacement``, remembering what was there (once: installing twice keeps faust's own)."""
    if (owner, name) not in _originals:
        own = name in vars(owner)
        _originals[(owner, name)] = (own, vars(owner)[name] if own else getattr(owner, name))
    setattr(owner, name, replacement)


def restore(owner: type, name: str) -> None:
    """Undo ``replace``; nothing to do if it never ran."""
    saved = _originals.pop((owner, name), None)
    if saved is None:
        return
    own, value = saved
    if own:
        setattr(owner, name, value)
    else:
        delattr(owner, name)


def original(owner: type, name: str) -> Any:
    """What ``owner.name`` was before ``replace``: the installed library's own code."""
    saved = _originals.get((owner, name))
    if saved is not None:
        return saved[1]
    return _class_lookup(owner, name)


def replaced(owner: type, name: str) -> bool:
    return (owner, name) in _originals


# -- looking at the installed code ------------------------------------------------------------------

def resolve(target: str) -> Any:
    """The object ``"package.module:Name.attr"`` names (a class attribute as stored on the class, and a
    replaced one as it was before ``replace``), or ``_MISSING``. An instance attribute resolves to the
    class that declares it."""
    module_name, _, path = target.partition(":")
    try:
        value: Any = importlib.import_module(module_name)
    except ImportError:
        return _MISSING
    parts = path.split(".")
    for i, part in enumerate(parts):
        if isinstance(value, type):
            found = original(value, part) if replaced(value, part) else _class_lookup(value, part)
            if found is _MISSING and i == len(parts) - 1 and _declares_instance_attribute(value, part):
                return _InstanceAttribute(value, part)
            value = found
        else:
            value = getattr(value, part, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


@dataclass(frozen=True)
class _InstanceAttribute:
    owner: type
    name: str


def kind_of(target: str, value: Any) -> str | None:
    if isinstance(value, _InstanceAttribute):
        return "attribute"
    if isinstance(value, contextvars.ContextVar):
        return "contextvar"
    if inspect.iscoroutinefunction(value):
        return "coroutine method"
    if inspect.isfunction(value):
        return "method"
    return None


def source_sha256(value: Any) -> str:
    try:
        source = inspect.getsource(value)
    except (OSError, TypeError):
        return "(no source)"
    return hashlib.sha256(source.encode()).hexdigest()


def _class_lookup(owner: type, name: str) -> Any:
    for klass in owner.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return _MISSING


def _declares_instance_attribute(owner: type, name: str) -> bool:
    """True if ``owner`` or a base annotates ``name`` or assigns ``self.<name>`` in one of its methods."""
    for klass in owner.__mro__:
        if klass is object:
            continue
        if name in vars(klass).get("__annotations__", {}):
            return True
        if name in _assigned_on_self(klass):
            return True
    return False


@functools.lru_cache(maxsize=None)
def _assigned_on_self(klass: type) -> frozenset[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    names = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == "self"):
            names.add(node.attr)
    return frozenset(names)
