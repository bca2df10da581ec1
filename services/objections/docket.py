"""What objections remembers per case: its lifecycle stage (tracked from case.events), whether it is
closed or held, its objections and hardship claims, and the amounts its closing record reports. Pure,
JSON-friendly."""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

from remedy.kernel.lifecycle import OPENED, TERMINAL, work_stage_after

SEEN_LIMIT = 500
INACTIVE = frozenset(TERMINAL)


@dataclass
class Docket:
    case_id: str
    lender_id: str
    stage: str = OPENED                   # the lifecycle stage (remedy.kernel.lifecycle), ON_HOLD while held
    held_since: int | None = None         # epoch ms
    held_stage: str | None = None         # where the case was (and resumes)
    objections: dict = field(default_factory=dict)  # id -> {"ground", "answer_by", "due_at", "open", "overdue",
    #                                                         "escalated", "owner", "cause"} (ladder.py)
    mediation_centre: str = ""            # triage's centre for the case: who owns an escalated objection
    region_code: str = ""                 # the debtor's region (CaseOpened): whose offices take complaints
    complaints: dict = field(default_factory=dict)  # id -> {"category", "department", "department_id", "due_at",
    #                                                        "status", "cause"} (complaints.py)
    hardship_stage: str | None = None     # the stage the last hardship claim was made at (one claim per stage)
    pending_hardship: dict | None = None  # a hardship claim made while held: {"request_id", "hardship_kinds", "cause"}
    pending_close: dict | None = None     # a close called for while held: {"body", "cause"}; made on release
    owed_cents: int = 0                   # what full performance pays: the default, a plan's total, or an award
    basis_cents: int = 0                  # the enforceable amount: the award, or a settlement's enforced claim
    closed: bool = False
    seen: list = field(default_factory=list)

    @property
    def held(self) -> bool:
        return self.held_since is not None

    @property
    def current_stage(self) -> str:
        return self.held_stage if self.held else self.stage

    def open_objections(self) -> list[str]:
        return [oid for oid, o in self.objections.items() if o["open"]]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Docket":
        return cls(**copy.deepcopy(data))

    def remember(self, input_id: str) -> None:
        self.seen = (self.seen + [input_id])[-SEEN_LIMIT:]


def stage_after(kind: str, body: dict, stage: str) -> str:
    """The lifecycle stage a case is at after one of its events (objections' own holds aside)."""
    return work_stage_after(kind, body, stage)
