"""Which stage an event moves a case into, and how a stage visit ended. Pure.

The lifecycle (DESIGN.md) is read off the case log: each event type either moves the case into a
stage or leaves it where it is. ``deploy/clickhouse/002_views.sql`` applies the same rules in SQL
(``visit_outcome`` ↔ the ``outcome`` column of ``stage_visits``); the broker test checks that the
two agree on real events.
"""
from __future__ import annotations

STAGES = ("OPENED", "TRIAGED", "PEOPLES_MEDIATION", "COURT_MEDIATION", "RELIEF", "CONFIRMATION", "PERFORMING",
          "LITIGATION", "JUDGMENT", "ENFORCEMENT", "CREDIT_REPAIR", "CLOSED", "REJECTED", "ON_HOLD")
TERMINAL = ("CLOSED", "REJECTED")

# Event type → the stage it enters; a callable reads the stage from the body.
_ENTERS = {
    "CaseOpened": "OPENED",
    "CaseTriaged": lambda body: body["route"],
    "CaseRejected": "REJECTED",
    "ReliefGranted": "RELIEF",
    "MediationSettled": "CONFIRMATION",
    "CaseEscalated": lambda body: body["to_stage"],
    "ConfirmationRequested": "CONFIRMATION",
    "ConfirmationGranted": "PERFORMING",
    "LitigationFiled": "LITIGATION",
    "JudgmentEntered": "JUDGMENT",
    "EnforcementApplied": "ENFORCEMENT",
    "CreditRepairRequested": "CREDIT_REPAIR",
    "CaseHeld": "ON_HOLD",
    "CaseReleased": lambda body: body["stage"],
    "CaseClosed": "CLOSED",
}

# The judicial ladder: moving up it is an escalation.
LADDER = {"PEOPLES_MEDIATION": 1, "COURT_MEDIATION": 2, "LITIGATION": 3, "JUDGMENT": 4, "ENFORCEMENT": 5}
SETTLEMENT_STAGES = ("CONFIRMATION", "PERFORMING", "CREDIT_REPAIR")
PAID_CLOSE_REASONS = ("PAID_OFF", "PERFORMED", "LENDER_PAID_IN_FULL", "CREDIT_REPAIRED")
# Stages a case can be escalated out of: the ladder, and a settlement or relief plan that was not kept.
ESCALATABLE = ("RELIEF", "CONFIRMATION", "PERFORMING")


def stage_entered(event_type: str, body: dict) -> str:
    """The stage this event moves its case into, or '' if it leaves the stage unchanged."""
    rule = _ENTERS.get(event_type)
    if rule is None:
        return ""
    stage = rule(body) if callable(rule) else rule
    return stage if stage in STAGES else ""


def visit_outcome(stage: str, next_stage: str, next_reason: str = "") -> str:
    """How a stage visit ended, from the next stage the case entered (and that event's reason):
    open | settled | escalated | held | closed | advanced."""
    if not next_stage:
        return "open"
    if next_stage == "ON_HOLD":
        return "held"
    if next_stage in SETTLEMENT_STAGES or (next_stage == "CLOSED" and next_reason in PAID_CLOSE_REASONS):
        return "settled"
    if next_stage in LADDER and (stage in ESCALATABLE or LADDER.get(stage, 99) < LADDER[next_stage]):
        return "escalated"
    if next_stage in TERMINAL:
        return "closed"
    return "advanced"
