"""What every mediation decision shares: the terms it runs on, the step it returns, a case's initial
state, and the collector of the events one decision emits. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from remedy.kernel.events import case_event
from remedy.kernel.lifecycle import CREDIT_REPAIR, ENFORCEMENT, ESCALATION_REASON, ESCALATIONS, LITIGATION, PERFORMING
from services.mediation.errors import CaseIsClosed, UnknownCase

PRODUCER = "mediation"
DAY_MS = 86_400_000
HANDED_ON = (LITIGATION, ENFORCEMENT, CREDIT_REPAIR)   # the stages mediation hands a case on in


@dataclass(frozen=True)
class Terms:
    """Days a mediation tier runs, a settlement waits for the court's confirmation, an instalment is
    reminded ahead and may be late before it counts as missed, and after which an unanswered
    confirmation request is chased."""
    tier_days: int = 30
    confirmation_days: int = 30
    reminder_days: int = 3
    grace_days: int = 5
    confirmation_chase_days: int = 15


DESK_TOPIC, DESK_KEY = "mediation.desk", "desk"   # one partition: daily capacities hold exactly
DESK_PARTITION = 0


def desk_record(msg: dict) -> Emit:
    """A desk message ({"op": "REQUEST", "request": …} | {"op": "CANCEL", "case_id": …}) for ``mediation.desk``."""
    case_id = msg.get("case_id") or msg["request"]["case_id"]
    return Emit(DESK_TOPIC, DESK_KEY, "DeskMessage", {"op": msg["op"], "case_id": case_id, "request": msg.get("request")})


def Step(state: dict | None, emits: list[Emit] = (), desk: list[dict] = (), outcome: str = "ignored") -> Decision:
    """Mediation's decisions in the one shape (state None: nothing changed); desk messages become
    records for ``mediation.desk``."""
    return Decision(state, list(emits), outcome, [desk_record(m) for m in desk])


def new_state(case_id: str, lender_id: str) -> dict:
    return {"case_id": case_id, "lender_id": lender_id, "facts": None, "stage": None, "route": None,
            "court": "", "centre": "", "region": "", "cross_region": False, "score": 0,
            "tier": None, "attempt": 0, "tier_cause": "", "deadline_ms": None, "extended": False,
            "mediator_id": None, "session": False, "plan": None, "plan_source": None, "plan_cause": "",
            "credit_cents": 0, "denials": 0, "held": False, "shift_ms": 0, "closed": False, "seen": [],
            "chase_ms": None, "chased": False, "confirmation_cause": "", "offer": None}


class Out:
    """Collects the events one decision emits."""

    def __init__(self, state: dict, now: datetime):
        self.state, self.now, self.emits, self.desk = state, now, [], []

    def event(self, type_: str, body: dict, cause: str, discriminator: str = "") -> str:
        e = case_event(PRODUCER, type_, body, case_id=self.state["case_id"], lender_id=self.state["lender_id"],
                       causation_id=cause, now=self.now, discriminator=discriminator)
        self.emits.append(Emit("case.events", self.state["case_id"], "CaseEvent", e))
        return e["event_id"]

    def escalate(self, from_stage: str, to_stage: str, cause: str, reason: str | None = None) -> str:
        """``CaseEscalated`` with the lifecycle's reason for that move (or another reason it lists for it)."""
        reason = reason or ESCALATION_REASON[from_stage, to_stage]
        assert (from_stage, to_stage, reason) in ESCALATIONS, (from_stage, to_stage, reason)
        return self.event("CaseEscalated", {"from_stage": from_stage, "to_stage": to_stage, "reason": reason}, cause)

    def cancel_request(self) -> None:
        """Take the case off the desk (a mediator request it no longer needs)."""
        self.desk.append({"op": "CANCEL", "case_id": self.state["case_id"]})

    def step(self, outcome: str) -> Decision:
        return Step(self.state, self.emits, self.desk, outcome)


def guard(state: dict | None, what: str) -> dict:
    if state is None:
        raise UnknownCase(f"{what} for a case mediation has never seen")
    if state["closed"]:
        raise CaseIsClosed(f"{what} for closed case {state['case_id']}")
    return dict(state)


def start_plan(s: dict, plan: dict, source: str, cause: str) -> None:
    s.update(stage=PERFORMING, plan=plan, plan_source=source, plan_cause=cause, deadline_ms=None, credit_cents=0, offer=None)
