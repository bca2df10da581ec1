"""The triage rule file, read once at start-up: rules are data, and every decision names their version and hash.

A version is bound to its content the way ``schemas/fingerprints.lock`` binds a schema version:
``rules/rules.lock`` (committed) maps each rule version to the SHA-256 of its rule file's canonical
content (the JSON re-serialised with sorted keys and no whitespace; comments, keys starting with
``_``, left out). triage refuses to start on a file whose version is missing from the lock or whose
content hashes otherwise: a released rule set is never edited in place, a change is a new version.

``python -m services.triage.ruleset`` checks every rule file against the lock;
``python -m services.triage.ruleset --lock FILE…`` adds new versions to it, and refuses to re-lock
a version with other content.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent / "rules"
LOCK_PATH = RULES_DIR / "rules.lock"


class RulesError(ValueError):
    """The rule file is missing a field, holds a value of the wrong kind, or does not match the lock."""


@dataclass(frozen=True)
class Rules:
    version: str
    floor_cents: int
    court_mediation_threshold_cents: int
    limitation_years: int
    prior_failure_to_court: bool
    hardship_relief: dict[str, str]   # CaseFacts.hardship flag → hardship kind
    score_base: int
    score_weights: dict[str, int]
    score_caps: dict[str, int]
    hash: str = ""                    # rules_hash of the content the rules were read from

    @classmethod
    def from_dict(cls, data: dict) -> "Rules":
        try:
            card = data["scorecard"]
            rules = cls(str(data["version"]), int(data["floor_cents"]), int(data["court_mediation_threshold_cents"]),
                        int(data["limitation_years"]), bool(data["prior_failure_to_court"]),
                        {str(k): str(v) for k, v in data["hardship_relief"].items()}, int(card["base"]),
                        {str(k): int(v) for k, v in card["weights"].items()},
                        {str(k): int(v) for k, v in card.get("caps", {}).items()}, rules_hash(data))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RulesError(f"triage rules: {type(exc).__name__}: {exc}") from exc
        if rules.floor_cents < 0 or rules.limitation_years <= 0:
            raise RulesError("triage rules: floor_cents must be >= 0 and limitation_years > 0")
        return rules


def _without_comments(value):
    if isinstance(value, dict):
        return {k: _without_comments(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_without_comments(v) for v in value]
    return value


def rules_hash(data: dict) -> str:
    """SHA-256 (hex) of the rule file's canonical content: sorted keys, no whitespace, UTF-8, comments left out."""
    canonical = json.dumps(_without_comments(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_rules(path: str | Path) -> Rules:
    """The rules of a file, with their hash, whether locked or not (``remedy replay`` tries candidate files)."""
    try:
        return Rules.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"triage rules at {path}: {exc}") from exc


def read_lock(lock_path: str | Path = LOCK_PATH) -> dict[str, str]:
    try:
        return json.loads(Path(lock_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"triage rule lock {lock_path}: {exc}") from exc


def lock_problem(path: str | Path, rules: Rules, lock: dict[str, str], lock_path: str | Path = LOCK_PATH) -> str | None:
    """Why ``rules`` (read from ``path``) may not be used under ``lock``; None when the lock binds them."""
    locked = lock.get(rules.version)
    if locked is None:
        return (f"triage rules {path}: version {rules.version} (sha256 {rules.hash}) is not locked in {lock_path}: "
                f"run `python -m services.triage.ruleset --lock {path}` and commit the lock")
    if locked != rules.hash:
        return (f"triage rules {path}: version {rules.version} is locked to sha256 {locked} but the file's content "
                f"hashes to sha256 {rules.hash}: a released rule set is never edited in place; put the change in a "
                f"new file with a new version and lock it")
    return None


def load_locked_rules(path: str | Path, lock_path: str | Path = LOCK_PATH) -> Rules:
    """The rules of a file whose version and content the lock binds; ``RulesError`` naming both hashes otherwise."""
    rules = load_rules(path)
    if problem := lock_problem(path, rules, read_lock(lock_path), lock_path):
        raise RulesError(problem)
    return rules


def lock_files(paths: list[Path], lock_path: Path) -> list[str]:
    """Add each file's version and hash to the lock; the problems when a version is locked with other content
    (the lock is then left as it was)."""
    lock = read_lock(lock_path) if lock_path.exists() else {}
    problems = []
    for path in paths:
        rules = load_rules(path)
        if rules.version in lock and lock[rules.version] != rules.hash:
            problems.append(lock_problem(path, rules, lock, lock_path))
        lock.setdefault(rules.version, rules.hash)
    if not problems:
        lock_path.write_text(json.dumps(dict(sorted(lock.items())), indent=1) + "\n", encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.triage.ruleset",
                                     description="Check the triage rule files against their lock, or lock new versions.")
    parser.add_argument("--lock", nargs="+", metavar="FILE", type=Path, help="add these rule files' versions to the lock")
    parser.add_argument("--lock-file", type=Path, default=LOCK_PATH, help=f"the lock (default {LOCK_PATH})")
    args = parser.parse_args(argv)
    try:
        if args.lock:
            problems = lock_files(args.lock, args.lock_file)
        else:
            lock = read_lock(args.lock_file)
            problems = []
            for path in sorted(RULES_DIR.glob("*.json")):
                rules = load_rules(path)
                problem = lock_problem(path, rules, lock, args.lock_file)
                problems += [problem] if problem else []
                print(f"{path.name}: {rules.version} sha256 {rules.hash} {'REFUSED' if problem else 'locked'}")
    except RulesError as exc:
        problems = [str(exc)]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if args.lock and not problems:
        print(f"locked {', '.join(str(p) for p in args.lock)} in {args.lock_file}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
