"""Stage derivation and how a stage visit ends: the rules the funnel is built on."""
from __future__ import annotations

import pytest

from services.analytics.stages import STAGES, stage_entered, visit_outcome


@pytest.mark.parametrize("type_,body,stage", [
    ("CaseOpened", {"facts": {}}, "OPENED"),
    ("CaseTriaged", {"route": "PEOPLES_MEDIATION"}, "PEOPLES_MEDIATION"),
    ("CaseTriaged", {"route": "RELIEF"}, "RELIEF"),
    ("CaseRejected", {}, "REJECTED"),
    ("ReliefGranted", {}, "RELIEF"),
    ("MediationSettled", {}, "CONFIRMATION"),
    ("CaseEscalated", {"from_stage": "PEOPLES_MEDIATION", "to_stage": "COURT_MEDIATION"}, "COURT_MEDIATION"),
    ("ConfirmationRequested", {}, "CONFIRMATION"),
    ("ConfirmationGranted", {}, "PERFORMING"),
    ("LitigationFiled", {}, "LITIGATION"),
    ("JudgmentEntered", {}, "JUDGMENT"),
    ("EnforcementApplied", {}, "ENFORCEMENT"),
    ("CreditRepairRequested", {}, "CREDIT_REPAIR"),
    ("CaseHeld", {"stage": "LITIGATION"}, "ON_HOLD"),
    ("CaseReleased", {"stage": "LITIGATION", "held_ms": 5}, "LITIGATION"),
    ("CaseClosed", {"reason": "PAID_OFF"}, "CLOSED"),
])
def test_events_that_move_a_case(type_, body, stage):
    assert stage_entered(type_, body) == stage


@pytest.mark.parametrize("type_", ["CaseAmended", "MediatorAssigned", "SessionScheduled", "TierExtended", "MediationFailed",
                                   "InstalmentDue", "InstalmentPaid", "InstalmentMissed", "FilingAccepted",
                                   "EnforcementConcluded", "ObjectionFiled", "ComplaintForwarded", "SomethingNew"])
def test_events_that_leave_the_stage_alone(type_):
    assert stage_entered(type_, {}) == ""


def test_an_unknown_stage_name_in_a_body_is_not_a_stage():
    assert stage_entered("CaseEscalated", {"to_stage": "NARNIA"}) == ""
    assert stage_entered("CaseTriaged", {"route": "COURT_MEDIATION"}) in STAGES


@pytest.mark.parametrize("stage,nxt,reason,outcome", [
    ("PEOPLES_MEDIATION", "", "", "open"),
    ("PEOPLES_MEDIATION", "CONFIRMATION", "", "settled"),
    ("PEOPLES_MEDIATION", "COURT_MEDIATION", "", "escalated"),
    ("COURT_MEDIATION", "LITIGATION", "", "escalated"),
    ("COURT_MEDIATION", "PEOPLES_MEDIATION", "", "advanced"),   # down the ladder is not an escalation
    ("PERFORMING", "ENFORCEMENT", "", "escalated"),            # a missed instalment
    ("PERFORMING", "CLOSED", "PAID_OFF", "settled"),
    ("ENFORCEMENT", "CLOSED", "ENFORCEMENT_TERMINATED", "closed"),
    ("ENFORCEMENT", "CREDIT_REPAIR", "", "settled"),
    ("OPENED", "PEOPLES_MEDIATION", "", "advanced"),
    ("OPENED", "REJECTED", "", "closed"),
    ("LITIGATION", "ON_HOLD", "", "held"),
    ("ON_HOLD", "LITIGATION", "", "advanced"),
])
def test_how_a_visit_ends(stage, nxt, reason, outcome):
    assert visit_outcome(stage, nxt, reason) == outcome
