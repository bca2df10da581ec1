"""What a per-case decision returns. Pure: no Kafka, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from remedy.kernel.emit import Emit

T = TypeVar("T")


@dataclass
class Decision(Generic[T]):
    """The case's new file, what to emit, and whether anything changed."""
    file: T | None
    emits: list[Emit] = field(default_factory=list)
    outcome: str = "applied"   # applied | duplicate | ignored

    @property
    def changed(self) -> bool:
        return self.outcome == "applied"
