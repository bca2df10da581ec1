"""What enforcement remembers per case, and the hold rule every deadline obeys. Pure.

A ``CaseFile`` holds only JSON-friendly values so it round-trips through a faust table.
Instants are epoch milliseconds, dates ISO strings.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from remedy.clock import CHINA_TZ

SEEN_LIMIT = 500  # input ids remembered per case, for redelivery


@dataclass
class CaseFile:
    case_id: str
    lender_id: str
    principal_cents: int
    interest_cents: int
    penalty_cents: int
    evidence: list = field(default_factory=list)
    is_student: bool = False
    region_code: str = ""
    agreed_jurisdiction: str | None = None
    court: str | None = None              # from CaseTriaged, or the confirming court
    plan_total_cents: int | None = None   # from a settlement or relief plan
    plan_paid_cents: int = 0              # instalments paid under it
    plan_outstanding_cents: int | None = None  # from the last InstalmentMissed
    handover: dict | None = None          # {"to", "from_stage", "cause"}: mediation's CaseEscalated, not yet acted on
    stage: str | None = None              # None (not ours yet) | FILED | ACCEPTED | REJECTED | JUDGMENT | ENFORCEMENT
                                          # | RECOVERED | TERMINATED (listing not yet decided) | ENDED | PERFORMED
    basis: str | None = None              # JUDGMENT | CONFIRMED_SETTLEMENT
    court_case_no: str = ""
    basis_cents: int = 0                  # the authoritative amount owed: claim filed, award, or enforced claim
    paid_cents: int = 0                   # payments since basis_cents was set
    recovered_cents: int = 0              # recovered by enforcement (court results)
    payment_refs: list = field(default_factory=list)
    deadlines: dict = field(default_factory=dict)  # name -> {"at": ms, "set": ms}
    cause: str = ""                       # causation id of the fact the next move follows from
    held_since: int | None = None
    closed: bool = False
    seen: list = field(default_factory=list)

    @property
    def outstanding_cents(self) -> int:
        return self.basis_cents - self.paid_cents - self.recovered_cents

    @property
    def facts_total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.penalty_cents

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "CaseFile":
        return cls(**copy.deepcopy(data))

    def remember(self, input_id: str) -> None:
        self.seen = (self.seen + [input_id])[-SEEN_LIMIT:]


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def end_of_china_day_ms(day: date) -> int:
    """The instant a date-denominated deadline passes: midnight China time after ``day``."""
    return ms(datetime.combine(day + timedelta(days=1), time(0), CHINA_TZ))


def set_deadline(case: CaseFile, name: str, at_ms: int, now: datetime) -> None:
    case.deadlines[name] = {"at": at_ms, "set": ms(now)}


def release(case: CaseFile, held_ms: int, released_at: datetime) -> None:
    """Deadlines stop while held: each moves by the held time it lived through (all of it, or the
    part after it was set if it was set during the hold)."""
    now_ms = ms(released_at)
    for deadline in case.deadlines.values():
        deadline["at"] += min(held_ms, max(0, now_ms - deadline["set"]))
    case.held_since = None


def next_due_ms(case: CaseFile) -> int | None:
    """When a sweep should look at this case again; None while held, closed or without deadlines."""
    if case.closed or case.held_since is not None or not case.deadlines:
        return None
    return min(d["at"] for d in case.deadlines.values())
