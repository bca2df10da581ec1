"""repair's CaseEvents: one envelope builder for its decisions (decide.py, report.py, correction.py). Pure."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.emit import Emit
from remedy.kernel.events import case_event

PRODUCER = "repair"


def repair_event(case, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=case.case_id, lender_id=case.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", case.case_id, "CaseEvent", record)
