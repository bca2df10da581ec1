"""Dead-letter records: input a service could not take, with the reason. Never dropped silently."""
from __future__ import annotations

from datetime import datetime


def dead_letter(service: str, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                error: BaseException, now: datetime) -> dict:
    """The DeadLetter record for an input. The error text must not carry PII: codec and
    validation errors name fields, never values."""
    return {"service": service, "source_topic": topic, "partition": partition, "offset": offset,
            "key": key, "value": value, "error_type": type(error).__name__, "error": str(error)[:2000], "at": now}
