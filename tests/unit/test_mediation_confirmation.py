"""A confirmation request the court does not answer: chased on day 15, lapsed when its due day ends
(the plan in force, binding but not enforceable), and a court's answer after the lapse (rules M14, M15)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.mediation.errors import UnexpectedDecision
from tests.unit.mediation_helpers import T0, decision, in_peoples_session, outcome, payment, plan

CHINA = timezone(timedelta(hours=8))
CHASE = datetime(2026, 12, 16, 0, 0, tzinfo=CHINA)        # settled 1 December: 15 days on
LAPSE = datetime(2027, 1, 1, 0, 0, tzinfo=CHINA)          # due_by 31 December ends


def settled():
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan(first=date(2027, 1, 10))))
    assert c.last("ConfirmationRequested")["event"]["due_by"] == date(2026, 12, 31)
    return c


def test_an_unanswered_request_is_chased_once_on_day_15_and_waits_until_then():
    c = settled()
    c.sweep(CHASE - timedelta(seconds=1))
    assert "ConfirmationChased" not in c.types()
    c.sweep(CHASE)
    chased = c.last("ConfirmationChased")["event"]
    assert chased == {"court": "CT-350502", "due_by": date(2026, 12, 31)} and c.stage == "CONFIRMATION"
    c.sweep(CHASE + timedelta(days=3))
    assert c.types().count("ConfirmationChased") == 1


def test_past_its_due_day_the_request_lapses_and_the_plan_is_in_force_unconfirmed():
    c = settled()
    c.sweep(CHASE)
    c.sweep(LAPSE - timedelta(seconds=1))
    assert c.stage == "CONFIRMATION"
    c.sweep(LAPSE)
    assert c.last("ConfirmationLapsed")["event"] == {"court": "CT-350502", "due_by": date(2026, 12, 31)}
    assert c.stage == "PERFORMING" and c.state["plan_source"] == "SETTLEMENT_UNCONFIRMED"
    assert "ConfirmationGranted" not in c.types()


def test_a_missed_instalment_of_an_unconfirmed_settlement_goes_to_litigation_not_enforcement():
    c = settled()
    c.sweep(CHASE)
    c.sweep(LAPSE)
    c.sweep(datetime(2027, 1, 16, 0, 0, tzinfo=CHINA))     # 10 January + 5 days' grace, unpaid
    escalated = c.last("CaseEscalated")["event"]
    assert escalated == {"from_stage": "PERFORMING", "to_stage": "LITIGATION", "reason": "UNCONFIRMED_SETTLEMENT_DEFAULTED"}
    assert c.stage == "LITIGATION"


def test_a_grant_after_the_lapse_makes_the_plan_enforceable_and_a_miss_then_goes_to_enforcement():
    c = settled()
    c.sweep(LAPSE)
    c.decision(decision("CONFIRMATION_GRANTED"), now=LAPSE + timedelta(days=2))
    assert c.last("ConfirmationGranted")["event"]["court"] == "CT-350502"
    assert c.stage == "PERFORMING" and c.state["plan_source"] == "SETTLEMENT"
    c.decision(decision("CONFIRMATION_GRANTED"), now=LAPSE + timedelta(days=3))   # redelivered: nothing again
    assert c.types().count("ConfirmationGranted") == 1
    c.sweep(datetime(2027, 1, 16, 0, 0, tzinfo=CHINA))
    assert c.last("CaseEscalated")["event"]["reason"] == "PLAN_DEFAULTED" and c.stage == "ENFORCEMENT"


def test_a_denial_after_the_lapse_is_recorded_and_the_plan_stays_in_force():
    c = settled()
    c.sweep(LAPSE)
    c.decision(decision("CONFIRMATION_DENIED", reason="NOT_VOLUNTARY"), now=LAPSE)
    assert c.last("ConfirmationDenied")["event"]["reason"] == "NOT_VOLUNTARY"
    assert c.stage == "PERFORMING" and c.state["plan_source"] == "SETTLEMENT_UNCONFIRMED"
    assert "CaseEscalated" not in c.types()


def test_an_answer_in_time_is_neither_chased_nor_lapsed():
    c = settled()
    c.decision(decision("CONFIRMATION_GRANTED"), now=T0 + timedelta(days=5))
    c.sweep(LAPSE + timedelta(days=1))
    assert not {"ConfirmationChased", "ConfirmationLapsed"} & set(c.types())


def test_a_hold_moves_the_chase_and_the_lapse_by_the_time_held():
    from tests.unit.mediation_helpers import ev
    c = settled()
    c.event(ev("CaseHeld", {"reason": "OBJECTION", "owner": "LENDER_COMPLAINT_DESK"}, producer="objections", eid="H"))
    c.event(ev("CaseReleased", {"held_ms": 10 * 86_400_000}, producer="objections", eid="R"))
    c.sweep(CHASE + timedelta(days=9))
    assert "ConfirmationChased" not in c.types()
    c.sweep(CHASE + timedelta(days=10))
    assert c.last("ConfirmationChased")["event"]["due_by"] == date(2027, 1, 10)


def test_a_paid_off_unconfirmed_plan_still_refuses_a_decision_once_it_left_performing():
    c = settled()
    c.sweep(LAPSE)
    c.pay(payment("P1", 100_000), now=LAPSE)
    assert c.stage == "CREDIT_REPAIR"
    with pytest.raises(UnexpectedDecision):
        c.decision(decision("CONFIRMATION_GRANTED"), now=LAPSE)
