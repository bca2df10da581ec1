"""What repair remembers per case, and the hold rule its deadlines obey. Pure, JSON-friendly."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

from remedy.clock import CHINA_TZ

SEEN_LIMIT = 500


@dataclass
class RepairFile:
    case_id: str
    lender_id: str
    overdue_cents: int = 0              # principal + interest + penalty at default (the single overdue amount)
    loan_due_date: str = ""             # ISO date
    listed: bool = False                # proposed for the dishonest-debtor list
    enforced_cause: str | None = None   # an EnforcementApplied: negative information is to be reported
    negative: dict | None = None        # {"report_after", "notice_ref", "filed"}
    handover: dict | None = None        # {"reason", "cause", "performed_on"}: the full performance repair acts on
    requested: dict | None = None       # {"due_by", "cause"}
    deadlines: dict = field(default_factory=dict)  # name -> {"at": ms, "set": ms}
    held_since: int | None = None
    closed: bool = False
    seen: list = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RepairFile":
        return cls(**copy.deepcopy(data))

    def remember(self, input_id: str) -> None:
        self.seen = (self.seen + [input_id])[-SEEN_LIMIT:]


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def start_of_china_day_ms(day: date) -> int:
    return ms(datetime.combine(day, time(0), CHINA_TZ))


def end_of_china_day_ms(day: date) -> int:
    return start_of_china_day_ms(day + timedelta(days=1))


def set_deadline(case: RepairFile, name: str, at_ms: int, now: datetime) -> None:
    case.deadlines[name] = {"at": at_ms, "set": ms(now)}


def release(case: RepairFile, held_ms: int, released_at: datetime) -> None:
    now_ms = ms(released_at)
    for deadline in case.deadlines.values():
        deadline["at"] += min(held_ms, max(0, now_ms - deadline["set"]))
    case.held_since = None


def next_due_ms(case: RepairFile) -> int | None:
    if case.closed or case.held_since is not None or not case.deadlines:
        return None
    return min(d["at"] for d in case.deadlines.values())
