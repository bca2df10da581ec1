"""What every stage's decision returns: one shape for all of them. Pure: no Kafka, no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from remedy.kernel.emit import Emit

T = TypeVar("T")


@dataclass
class Decision(Generic[T]):
    """A stage's answer to one input: its new state (None: nothing to store), what to emit on contract
    topics, records for the stage's own topics (``internal``: JSON records, such as triage's forwards
    by debtor or mediation's desk requests), and what happened (``outcome``: applied | duplicate |
    ignored, or a stage's own word such as opened, amended, rejected, reminded)."""
    state: T | None
    emits: list[Emit] = field(default_factory=list)
    outcome: str = "applied"
    internal: list[Emit] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.outcome == "applied"

    @property
    def file(self) -> T | None:
        """The per-case stages' name for their state (enforcement's case file, objections' docket)."""
        return self.state
