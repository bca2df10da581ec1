"""What objections accepts and how it refuses: grounds, decisions, the answer period, its errors,
and the CaseEvent envelope it writes. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.events import case_event
from services.objections.docket import Docket

PRODUCER = "objections"
GROUNDS = frozenset({"WRONG_AMOUNT", "IDENTITY_THEFT", "ALREADY_PAID", "TIME_BARRED", "OTHER"})
DECISIONS = frozenset({"UPHELD_CLOSE", "UPHELD_AMEND", "DISMISSED"})
OWNER_ON_HOLD = "LENDER_COMPLAINT_DESK"  # who answers a held case first: the lender's complaint desk (ladder.py)
OUR_REQUESTS = frozenset({"OBJECTION", "OBJECTION_DECISION", "HARDSHIP_CLAIM", "COMPLAINT", "COMPLAINT_ANSWER"})
REGULATOR, ASSOCIATION = "FINANCIAL_REGULATOR", "CONSUMER_ASSOCIATION"   # the departments complaints go to (complaints.py)
LENDER_DESK, CENTRE = "LENDER_COMPLAINT_DESK", "MEDIATION_CENTRE"


@dataclass(frozen=True)
class Term:
    days: int
    working: bool   # working days (remedy.kernel.workdays) or calendar days


@dataclass(frozen=True)
class ComplaintRules:
    """Each department's answer term (C2): the lender's desk by [S16]; the others are operator settings."""
    regulator: Term = Term(15, True)
    association: Term = Term(10, True)
    lender_desk: Term = Term(15, False)
    centre: Term = Term(15, False)

    def term(self, department: str) -> Term:
        return {REGULATOR: self.regulator, ASSOCIATION: self.association, LENDER_DESK: self.lender_desk,
                CENTRE: self.centre}[department]


@dataclass(frozen=True)
class ObjectionRules:
    answer_days: int = 20
    complaints: ComplaintRules = ComplaintRules()
    escalate_days: int = 10   # after the answer date, still unanswered: to the mediation centre or the operator
    close_days: int = 40      # after the answer date, still unanswered: the case closes (0: never)


class ObjectionsError(Exception):
    """Input objections cannot take; dead-lettered with this reason (never PII)."""


class UnknownCase(ObjectionsError):
    pass


class CaseAlreadyClosed(ObjectionsError):
    pass


class InvalidRequest(ObjectionsError):
    pass


class OutOfOrder(ObjectionsError):
    pass


Decision = FileDecision[Docket]


def event(docket: Docket, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=docket.case_id, lender_id=docket.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", docket.case_id, "CaseEvent", record)
