"""The layers and the one direction imports may run, read from the source with ``ast``.

contract → kernel → runtime → services → ops and sim. A module may import its own layer and the
layers below it, never one above, not even inside a function. Services share the layers below and
never import one another. ``sim`` (the simulated outside world) sits beside ``ops``: ops may start
the simulator, the simulator never drives the operator tooling.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

LAYERS = ["remedy.contract", "remedy.kernel", "remedy.runtime", "services", "sim", "remedy.ops"]
RANK = {"remedy.contract": 0, "remedy.kernel": 1, "remedy.runtime": 2, "services": 3, "sim": 4, "remedy.ops": 5}
# The contract is read by any client: no stream framework, broker, database, HTTP or metrics library.
FRAMEWORKS = {"faust", "mode", "aiokafka", "kafka", "clickhouse_connect", "chdb", "prometheus_client", "aiohttp", "aiosmtpd"}
# The kernel is pure: not even a socket, a subprocess or an event loop.
IO_LIBRARIES = FRAMEWORKS | {"requests", "urllib", "socket", "subprocess", "asyncio"}
FORBIDDEN = {"remedy.contract": FRAMEWORKS, "remedy.kernel": IO_LIBRARIES}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.why})"


def layer_of(module: str) -> str | None:
    for layer in sorted(LAYERS, key=len, reverse=True):
        if module == layer or module.startswith(layer + "."):
            return layer
    return None


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (functions included)."""
    found = []
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def check(root: Path) -> list[Violation]:
    violations = []
    for top in ("remedy", "services", "sim"):
        for path in sorted((root / top).rglob("*.py")):
            module = module_name(root, path)
            mine = layer_of(module)
            if mine is None:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for line, imported in imports_of(tree, module, path.name == "__init__.py"):
                theirs = layer_of(imported)
                rel = str(path.relative_to(root))
                if theirs is not None and RANK[theirs] > RANK[mine]:
                    violations.append(Violation(rel, line, module, imported, f"{mine} must not import {theirs}"))
                elif theirs == "services" and mine == "services" and service_of(imported) not in (None, service_of(module)):
                    violations.append(Violation(rel, line, module, imported, "a service must not import another service"))
                elif imported.split(".")[0] in FORBIDDEN.get(mine, ()):
                    violations.append(Violation(rel, line, module, imported, f"{mine} must not import an I/O library"))
    return sorted(set(violations), key=lambda v: (v.path, v.line, v.imported))
