"""Dead-letter records: input a service could not take, with the reason. Never dropped silently.

A dead letter points at its input (source topic, partition, offset) and echoes its bytes, except for
the topics the registry marks ``personal_data`` (the inputs outsiders write: a default's debtor, a
debtor's or a mediator's free text): those bytes stay on their own topic, where the people entitled
to them read them at that position, and the dead letter carries none of them (rules.md P3).
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from remedy.contract.topics import load_registry


@lru_cache(maxsize=1)
def personal_topics() -> frozenset[str]:
    return frozenset(name for name, topic in load_registry().items() if topic.personal_data)


def dead_letter(service: str, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                error: BaseException, now: datetime) -> dict:
    """The DeadLetter record for an input. The error text must not carry PII: codec and
    validation errors name fields, never values."""
    if topic in personal_topics():
        value = None
    return {"service": service, "source_topic": topic, "partition": partition, "offset": offset,
            "key": key, "value": value, "error_type": type(error).__name__, "error": str(error)[:2000], "at": now}
