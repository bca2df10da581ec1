"""``python -m remedy.runtime.patches``: is every guard satisfied by the installed faust and aiokafka?

With targets (``package.module:Name.attr``), print what a guard for each would record instead: the
installed version of its distribution, the kind of thing found and the sha256 of its source.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import sys

from remedy.runtime import patches
from remedy.runtime.app import REACH_INS
from remedy.runtime.patches.guard import installed_version, kind_of, resolve, source_sha256


def describe(target: str) -> str:
    value = resolve(target)
    kind = kind_of(target, value)
    if kind is None:
        return f"{target}: not found"
    top = target.partition(":")[0].split(".")[0]
    dists = importlib.metadata.packages_distributions().get(top, [])
    versions = ", ".join(f"{d} {installed_version(d)}" for d in dists) or "(unknown distribution)"
    digest = source_sha256(value) if kind in ("method", "coroutine method") else "-"
    return f"{target}: {kind}; {versions}; sha256 {digest}"


def main(argv: list[str]) -> int:
    if argv:
        print("\n".join(describe(target) for target in argv))
        return 0
    failed = 0
    for guard in [*patches.guards(frozenset(patches.PATCHES)), *REACH_INS]:
        problem = guard.problem()
        failed += problem is not None
        label = f"patch {guard.patch}" if guard.patch else "reach-in"
        print(f"{'MISMATCH' if problem else 'ok':8} {label:15} {guard.module} {guard.use} {guard.target}"
              + (f"\n         {problem}" if problem else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
