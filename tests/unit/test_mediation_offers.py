"""mediation's offers, pure: a mediator offers a plan, the debtor accepts it (ACCEPT_OFFER on debtor.requests)
and the case settles on exactly that plan; an offer lapses with its tier, and every acceptance mediation cannot
take is refused (docs/rules.md M12, M13)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.mediation import errors, offers
from tests.unit.mediation_helpers import T0, TERMS, ev, in_peoples_session, outcome, plan

DAY = timedelta(days=1)
OFFER = plan(kind="LUMP_SUM", amounts=(900_000,), first=date(2027, 1, 5), waived_penalty=50_000)


def accept(c, request_id="R-accept", now=T0, kind="ACCEPT_OFFER"):
    r = {"request_id": request_id, "case_id": "C1", "kind": kind, "ground": None, "detail": "", "channel": None,
         "objection_id": None, "decision": None, "amended_principal_cents": None, "hardship_kinds": [],
         "submitted_at": now}
    return c._take(offers.on_request(c.state, r, f"debtor.requests/0/{request_id}", TERMS, now))


def offered(now=T0):
    c = in_peoples_session()
    c.outcome(outcome("OFFERED", with_plan=OFFER), now)
    return c


def test_an_offer_is_published_open_until_the_tiers_deadline_and_leaves_the_case_in_mediation():
    c = offered()
    body = c.last("SettlementOffered")["event"]
    assert (body["tier"], body["mediator_id"], body["plan"]["total_cents"]) == ("PEOPLES", "PM-1", 900_000)
    assert body["expires_at"] == datetime.fromtimestamp(c.state["deadline_ms"] / 1000, T0.tzinfo)
    assert body["expires_at"] == T0 + 30 * DAY
    assert c.stage == "PEOPLES_MEDIATION" and c.state["session"], "the mediator may still settle or fail the tier"


def test_accepting_settles_on_exactly_the_offered_plan_and_asks_the_court_to_confirm():
    c = offered()
    accept(c, now=T0 + 2 * DAY)
    assert c.types()[-2:] == ["MediationSettled", "ConfirmationRequested"]
    settled = c.last("MediationSettled")
    assert settled["event"]["accepted_by_debtor"] is True
    assert settled["event"]["plan"] == c.last("SettlementOffered")["event"]["plan"]
    assert settled["causation_id"] == "debtor.requests/0/R-accept"
    assert c.stage == "CONFIRMATION" and c.state["offer"] is None
    assert accept(c).outcome == "duplicate", "the same request again changes nothing"
    with pytest.raises(errors.NoOpenOffer):
        accept(c, request_id="R-again")


def test_a_mediators_settlement_is_not_marked_accepted_and_closes_the_offer():
    c = offered()
    c.outcome(outcome("SETTLED", with_plan=plan()))
    assert c.last("MediationSettled")["event"]["accepted_by_debtor"] is False
    with pytest.raises(errors.NoOpenOffer):
        accept(c)


def test_a_later_offer_replaces_the_earlier_one():
    c = offered()
    better = plan(kind="LUMP_SUM", amounts=(800_000,), first=date(2027, 1, 5))
    c.outcome(outcome("OFFERED", oid="O-2", with_plan=better))
    accept(c)
    assert c.last("MediationSettled")["event"]["plan"]["total_cents"] == 800_000


def test_an_offer_expires_with_the_tier_and_a_failed_tier_takes_it_away():
    c = offered()
    with pytest.raises(errors.OfferExpired):
        accept(c, now=T0 + 30 * DAY)
    c.sweep(T0 + 30 * DAY)
    assert c.stage == "COURT_MEDIATION" and c.state["offer"] is None
    with pytest.raises(errors.NoOpenOffer):
        accept(c, now=T0 + 31 * DAY)


def test_a_hold_refuses_acceptance_and_its_release_moves_the_expiry():
    c = offered()
    c.event(ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "OB1", "stage": "PEOPLES_MEDIATION"}, producer="objections"))
    with pytest.raises(errors.CaseOnHold):
        accept(c)
    c.event(ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 10 * 86_400_000}, producer="objections"))
    accept(c, now=T0 + 35 * DAY)
    assert c.stage == "CONFIRMATION"


def test_acceptances_with_nothing_to_accept_or_on_a_closed_or_unknown_case_are_refused():
    c = in_peoples_session()
    with pytest.raises(errors.NoOpenOffer):
        accept(c)
    c = offered()
    c.event(ev("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0},
               producer="objections"))
    with pytest.raises(errors.CaseIsClosed):
        accept(c)
    with pytest.raises(errors.UnknownCase):
        offers.on_request(None, {"kind": "ACCEPT_OFFER", "request_id": "R"}, "r", TERMS, T0)


def test_an_offer_needs_a_plan_and_a_session():
    c = in_peoples_session()
    with pytest.raises(errors.InvalidPlan):
        c.outcome(outcome("OFFERED"))
    with pytest.raises(errors.OutcomeWithoutSession):
        c.outcome(outcome("OFFERED", mediator="PM-other", oid="O-x", with_plan=OFFER))


def test_other_requests_are_not_mediations():
    c = offered()
    assert accept(c, kind="OPT_OUT").outcome == "not_ours"
    assert offers.on_request(None, {"kind": "COMPLAINT", "request_id": "R"}, "r", TERMS, T0).outcome == "not_ours"
