"""``remedy replay``: triage's rules re-run over every case on case.events, compared with what happened."""
from __future__ import annotations

import logging
import sys

from remedy.kernel.settings import Settings


def replay(settings: Settings, rules_path: str, limit: int) -> int:
    """Triage rules re-run over every case in case.events, compared with what happened."""
    from kafka.errors import KafkaError

    from remedy.contract.codec import Codec
    from services.triage.replay import compare
    from services.triage.replay_report import lines
    from services.triage.replay_topic import ReadError, read_case_events
    from services.triage.ruleset import RulesError, load_rules, lock_problem, read_lock

    try:
        rules = load_rules(rules_path)
        problem = lock_problem(rules_path, rules, read_lock())
    except RulesError as exc:
        return fail(str(exc))
    print(f"rules {rules_path}: {rules.version}, sha256 {rules.hash}: "
          + ("as locked in rules.lock" if problem is None else f"warning: triage would refuse it: {problem}"))
    logging.getLogger("kafka").addHandler(logging.NullHandler())   # its connection retries are not the operator's news
    try:
        read = read_case_events(settings.kafka_bootstrap, Codec(settings.schemas_dir))
    except (ReadError, KafkaError) as exc:
        return fail(f"cannot read case.events at {settings.kafka_bootstrap}: {type(exc).__name__}: {exc}")
    print(f"read {len(read.events):,} case events from case.events at {settings.kafka_bootstrap}")
    if read.undecodable:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(read.undecodable.items()))
        print(f"skipped {sum(read.undecodable.values()):,} undecodable record(s) ({kinds}); first: {'; '.join(read.first_bad)}")
    print("\n".join(lines(compare(read.events, rules), limit)))
    return 0


def fail(message: str) -> int:
    """An operator command's error: one line on stderr, exit status 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1
