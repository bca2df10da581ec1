"""``make schemas-check``: the contract's own tests.

1. Every schema has example payloads, and every example round-trips through the binary codec.
2. Each version ``vN+1`` is backward compatible with ``vN`` (a reader of the new version reads old bytes).
3. Every schema file is compatible with its previous *committed* version (``git show <ref>:path``):
   a released version edited in place must still read what it used to write, and a version's
   fingerprint never changes once recorded in ``schemas/fingerprints.lock`` (old bytes carry it).
4. Every fingerprint recorded in ``schemas/accepted-fingerprints.lock`` (what the official avro library and others
   compute for a version, see ``fingerprints.py``) is still read as that version: lenders' writers send them.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from remedy.contract.codec import Codec
from remedy.contract.examples import load_example
from remedy.contract.paths import REPO_ROOT

LOCK = "fingerprints.lock"
ACCEPTED_LOCK = "accepted-fingerprints.lock"


def incompatibility(reader: dict, writer: dict) -> str | None:
    """None when ``reader`` can read data written with ``writer``; else what breaks."""
    result = ReaderWriterCompatibilityChecker().get_compatibility(
        avro.schema.parse(json.dumps(reader)), avro.schema.parse(json.dumps(writer)))
    if result.compatibility is SchemaCompatibilityType.compatible:
        return None
    return "; ".join(sorted(str(m) for m in result.messages)) or "incompatible"


def committed(path: Path, ref: str) -> dict | None:
    rel = path.resolve().relative_to(REPO_ROOT)
    shown = subprocess.run(["git", "show", f"{ref}:{rel.as_posix()}"], cwd=REPO_ROOT, capture_output=True, text=True)
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def check(schemas_dir: Path, ref: str | None = "HEAD") -> list[str]:
    problems: list[str] = []
    codec = Codec(schemas_dir)
    for name, versions in codec.versions.items():
        current = versions[-1]
        examples = sorted((schemas_dir / name / "examples").glob("*.json"))
        if not examples:
            problems.append(f"{name}: no example payloads in {name}/examples/")
        for path in examples:
            try:
                record = load_example(path, current)
                _, back = codec.decode(codec.encode(name, record), expect=name)
                if back != record:
                    problems.append(f"{name}/{path.name}: does not round-trip")
            except Exception as exc:  # noqa: BLE001 - report every broken example, not just the first
                problems.append(f"{name}/{path.name}: {type(exc).__name__}: {exc}")
        for older, newer in zip(versions, versions[1:]):
            if why := incompatibility(newer.raw, older.raw):
                problems.append(f"{name}: v{newer.version} cannot read v{older.version} data: {why}")
        for v in versions:
            previous = committed(v.path, ref) if ref else None
            if previous is not None and (why := incompatibility(v.raw, previous)):
                problems.append(f"{name}: v{v.version} cannot read data of its committed version ({ref}): {why}")
    lock_path = schemas_dir / LOCK
    if lock_path.exists():
        lock = json.loads(lock_path.read_text())
        for name, versions in lock.items():
            for version, fp in versions.items():
                have = [v for v in codec.versions.get(name, []) if v.version == int(version)]
                if not have:
                    problems.append(f"{name}: released v{version} was removed (old records still carry it)")
                elif have[0].fingerprint.hex() != fp:
                    problems.append(f"{name}: released v{version} was edited in place (fingerprint {fp} → "
                                    f"{have[0].fingerprint.hex()}); add v{int(version) + 1} instead")
    return problems + accepted_problems(schemas_dir, codec)


def accepted_problems(schemas_dir: Path, codec: Codec) -> list[str]:
    """A locked fingerprint that no longer reads as its version (an avro upgrade computing another one, say)."""
    lock_path = schemas_dir / ACCEPTED_LOCK
    if not lock_path.exists():
        return []
    problems = []
    for name, versions in json.loads(lock_path.read_text()).items():
        for version, known_as in versions.items():
            have = [v for v in codec.versions.get(name, []) if v.version == int(version)]
            for implementation, fp in sorted(known_as.items()):
                if not have or bytes.fromhex(fp) not in have[0].accepted:
                    problems.append(f"{name}: v{version} written by {implementation} (fingerprint {fp}) is no longer "
                                    f"read; lenders' writers still send it")
    return problems


def write_lock(schemas_dir: Path) -> None:
    codec = Codec(schemas_dir)
    lock = {name: {str(v.version): v.fingerprint.hex() for v in vs} for name, vs in sorted(codec.versions.items())}
    (schemas_dir / LOCK).write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    accepted = {name: {str(v.version): {k: fp.hex() for k, fp in v.known_as.items()} for v in vs}
                for name, vs in sorted(codec.versions.items())}
    (schemas_dir / ACCEPTED_LOCK).write_text(json.dumps(accepted, indent=1, sort_keys=True) + "\n")


def main(argv: list[str]) -> int:
    schemas_dir = REPO_ROOT / "schemas"
    if argv[1:] == ["--lock"]:
        write_lock(schemas_dir)
        print(f"wrote schemas/{LOCK} and schemas/{ACCEPTED_LOCK}")
        return 0
    problems = check(schemas_dir)
    for p in problems:
        print("FAIL", p)
    codec = Codec(schemas_dir)
    n_examples = sum(1 for _ in schemas_dir.glob("*/examples/*.json"))
    print(f"schemas-check: {len(codec.versions)} schemas, {n_examples} examples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
