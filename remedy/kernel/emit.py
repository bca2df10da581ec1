"""What a decision wants written. Pure: decisions build these; the wiring sends them."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Emit:
    """One record a decision wants written: topic, key, schema name, record."""
    topic: str
    key: str
    schema: str
    record: dict
