"""``remedy replay``: triage's rules re-run over every case on case.events, compared with what happened, printed in
the terminal's language (the comparison's lines: services/triage/replay_report.py)."""
from __future__ import annotations

import logging
import sys

from remedy.contract.i18n import DEFAULT
from remedy.kernel.settings import Settings
from remedy.ops.terminal import text


def replay(settings: Settings, rules_path: str, limit: int, lang: str = DEFAULT) -> int:
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
        return fail(str(exc), lang)
    state = text("replay.locked", lang) if problem is None else text("replay.would_refuse", lang, problem=problem)
    print(text("replay.rules", lang, path=rules_path, version=rules.version, hash=rules.hash, state=state))
    logging.getLogger("kafka").addHandler(logging.NullHandler())   # its connection retries are not the operator's news
    try:
        read = read_case_events(settings.kafka_bootstrap, Codec(settings.schemas_dir))
    except (ReadError, KafkaError) as exc:
        return fail(text("replay.cannot_read", lang, bootstrap=settings.kafka_bootstrap, why=f"{type(exc).__name__}: {exc}"), lang)
    print(text("replay.read", lang, count=f"{len(read.events):,}", bootstrap=settings.kafka_bootstrap))
    if read.undecodable:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(read.undecodable.items()))
        print(text("replay.skipped", lang, count=f"{sum(read.undecodable.values()):,}", kinds=kinds, first="; ".join(read.first_bad)))
    print("\n".join(lines(compare(read.events, rules), limit, lang)))
    return 0


def fail(message: str, lang: str = DEFAULT) -> int:
    """An operator command's error: one line on stderr (``错误：…`` / ``error: …``), exit status 1."""
    print(text("error", lang, message=message), file=sys.stderr)
    return 1
