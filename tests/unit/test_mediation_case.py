"""mediation's pure state machine: every transition and deadline, stepping the clock."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from services.mediation import errors
from tests.unit.mediation_helpers import (T0, Case, confirmed, decision, ev, in_peoples_session, opened, outcome,
                                          payment, plan, triaged)

DAY = timedelta(days=1)


def china(y, m, d, h=12):
    return datetime(y, m, d, h - 8, tzinfo=timezone.utc)


# ---- entering mediation ------------------------------------------------------------------------

def test_triaged_case_enters_peoples_mediation_and_asks_the_desk():
    c = Case()
    c.event(opened())
    c.event(triaged())
    assert c.stage == "PEOPLES_MEDIATION" and c.events == []
    (req,) = c.desk
    assert req["op"] == "REQUEST" and req["request"]["tier"] == "PEOPLES" and req["request"]["region"] == "350502"
    assert req["request"]["causation_id"] == "E-CaseTriaged-triage"
    assert c.event(triaged()).outcome == "duplicate"


def test_court_route_enters_court_mediation():
    c = Case()
    c.event(triaged("COURT_MEDIATION", ["ABOVE_COURT_THRESHOLD"]))
    assert c.stage == "COURT_MEDIATION" and c.desk[0]["request"]["tier"] == "COURT"


def test_assignment_and_session_are_recorded_then_published_only_for_the_current_tier():
    c = in_peoples_session()
    assert (c.state["mediator_id"], c.state["session"]) == ("PM-1", True)
    assert c.types() == ["MediatorAssigned", "SessionScheduled"]   # published after the state has them
    stale = ev("MediatorAssigned", {"tier": "COURT", "mediator_id": "CM-9", "queue_wait_ms": 0}, producer="mediation")
    step = c.assignment(stale)
    assert (step.state, step.emits) == (None, [])
    again = c.assignment(c.events[1])
    assert (again.state, again.emits, again.outcome) == (None, [], "duplicate")
    with pytest.raises(errors.UnknownCase):
        Case().assignment(stale)


def test_own_decisions_seen_again_change_nothing():
    c = in_peoples_session()
    c.outcome(outcome("FAILED"))
    before = dict(c.state)
    for e in list(c.events):
        assert c.event(e).state is None
    assert c.state == before


# ---- outcomes ----------------------------------------------------------------------------------

def test_settlement_requests_confirmation_within_30_days():
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan()))
    assert c.types()[2:] == ["MediationSettled", "ConfirmationRequested"]
    settled, requested = c.events[2:]
    assert settled["event"]["plan"]["waived_penalty_cents"] == 50_000 and settled["event"]["tier"] == "PEOPLES"
    assert settled["causation_id"] == "mediation.outcomes/0/O-SETTLED-PEOPLES"
    assert requested["causation_id"] == settled["event_id"]
    assert requested["event"] == {"court": "CT-350502", "due_by": date(2026, 12, 31)}
    assert c.stage == "CONFIRMATION"


def test_lump_sum_settlement():
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan(kind="LUMP_SUM", amounts=(900_000,))))
    assert c.last("MediationSettled")["event"]["plan"]["kind"] == "LUMP_SUM"


@pytest.mark.parametrize("bad", [None, plan(amounts=()), {**plan(), "total_cents": 1}, plan(kind="LUMP_SUM"),
                                 {**plan(), "kind": "BARTER"}])
def test_settlement_without_a_sound_plan_is_refused(bad):
    c = in_peoples_session()
    with pytest.raises(errors.InvalidPlan):
        c.outcome(outcome("SETTLED", with_plan=bad))
    assert c.stage == "PEOPLES_MEDIATION"


@pytest.mark.parametrize("kind", ["FAILED", "UNREACHABLE"])
def test_peoples_failure_escalates_to_court_mediation(kind):
    c = in_peoples_session()
    c.outcome(outcome(kind))
    assert c.types()[2:] == ["MediationFailed", "CaseEscalated"]
    failed, up = c.events[2:]
    assert failed["event"] == {"tier": "PEOPLES", "reason": kind}
    assert up["event"] == {"from_stage": "PEOPLES_MEDIATION", "to_stage": "COURT_MEDIATION", "reason": "PEOPLES_MEDIATION_FAILED"}
    assert up["causation_id"] == failed["event_id"]
    assert c.stage == "COURT_MEDIATION" and c.state["mediator_id"] is None
    assert [m["op"] for m in c.desk] == ["REQUEST", "CANCEL", "REQUEST"]
    assert c.desk[-1]["request"]["tier"] == "COURT" and c.desk[-1]["request"]["causation_id"] == up["event_id"]


def test_court_failure_hands_the_case_to_litigation():
    c = in_peoples_session()
    c.outcome(outcome("FAILED"))
    c.assign("COURT", "CM-1")
    c.outcome(outcome("FAILED", tier="COURT", mediator="CM-1"))
    assert c.last("CaseEscalated")["event"] == {"from_stage": "COURT_MEDIATION", "to_stage": "LITIGATION",
                                                "reason": "COURT_MEDIATION_FAILED"}
    assert c.stage == "LITIGATION"


def test_fail_then_settle_in_court_mediation():
    c = in_peoples_session()
    c.outcome(outcome("UNREACHABLE"))
    c.assign("COURT", "CM-1")
    c.outcome(outcome("SETTLED", tier="COURT", mediator="CM-1", with_plan=plan()))
    assert c.last("MediationSettled")["event"]["tier"] == "COURT" and c.stage == "CONFIRMATION"


def test_outcome_without_a_session_is_refused():
    c = Case()
    c.event(opened())
    with pytest.raises(errors.OutcomeWithoutSession):
        c.outcome(outcome("FAILED"))
    c.event(triaged())
    with pytest.raises(errors.OutcomeWithoutSession):   # queued: no mediator, no session yet
        c.outcome(outcome("FAILED"))
    c.assign()
    with pytest.raises(errors.OutcomeWithoutSession):   # another mediator
        c.outcome(outcome("FAILED", mediator="PM-2"))
    with pytest.raises(errors.OutcomeWithoutSession):   # another tier
        c.outcome(outcome("FAILED", tier="COURT"))


def test_outcome_for_unknown_case_is_refused():
    with pytest.raises(errors.UnknownCase):
        Case().outcome(outcome("SETTLED", with_plan=plan()))


def test_redelivered_outcome_changes_nothing():
    c = in_peoples_session()
    c.outcome(outcome("FAILED"))
    step = c.outcome(outcome("FAILED"))
    assert (step.state, step.emits, step.outcome) == (None, [], "duplicate")


def test_event_ids_are_deterministic():
    a, b = in_peoples_session(), in_peoples_session()
    a.outcome(outcome("FAILED"))
    b.outcome(outcome("FAILED"))
    assert [e["event_id"] for e in a.events] == [e["event_id"] for e in b.events]


# ---- the tier deadline -------------------------------------------------------------------------

def test_tier_fails_on_its_own_at_the_deadline():
    c = in_peoples_session()
    deadline = T0 + 30 * DAY
    assert c.sweep(deadline - timedelta(milliseconds=1)).state is None
    c.sweep(deadline)
    assert c.types()[2:] == ["MediationFailed", "CaseEscalated"]
    assert c.events[2]["event"]["reason"] == "DEADLINE"
    assert c.events[2]["causation_id"] == "E-CaseTriaged-triage"
    assert c.stage == "COURT_MEDIATION" and c.state["deadline_ms"] == int((deadline + 30 * DAY).timestamp() * 1000)
    c.sweep(deadline + 30 * DAY)
    assert c.last("CaseEscalated")["event"]["to_stage"] == "LITIGATION" and c.stage == "LITIGATION"
    assert c.sweep(deadline + 300 * DAY).state is None


def test_a_queued_case_also_times_out():
    c = Case()
    c.event(triaged())
    c.sweep(T0 + 30 * DAY)
    assert c.last("MediationFailed")["event"]["reason"] == "DEADLINE"


def test_extension_by_consent_once():
    c = in_peoples_session()
    c.outcome(outcome("EXTENDED"), now=T0 + 20 * DAY)
    ext = c.last("TierExtended")["event"]
    assert ext["tier"] == "PEOPLES" and ext["new_deadline"] == T0 + 60 * DAY
    assert c.sweep(T0 + 59 * DAY).state is None
    with pytest.raises(errors.ExtensionRefused):
        c.outcome(outcome("EXTENDED", oid="O-second"))
    c.sweep(T0 + 60 * DAY)
    assert c.last("MediationFailed")["event"]["reason"] == "DEADLINE"


def test_court_tier_can_be_extended_again():
    c = in_peoples_session()
    c.outcome(outcome("EXTENDED"))
    c.outcome(outcome("FAILED"))
    c.assign("COURT", "CM-1")
    c.outcome(outcome("EXTENDED", tier="COURT", mediator="CM-1"))
    assert c.last("TierExtended")["event"]["tier"] == "COURT"


# ---- hold and close ----------------------------------------------------------------------------

def test_a_held_case_never_moves_and_its_deadline_shifts_on_release():
    c = in_peoples_session()
    c.event(ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "OB1", "stage": "PEOPLES_MEDIATION"}, producer="objections"))
    assert c.sweep(T0 + 45 * DAY).state is None
    with pytest.raises(errors.CaseOnHold):
        c.outcome(outcome("FAILED"))
    c.event(ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 10 * 86_400_000}, producer="objections"))
    assert c.event(ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 10 * 86_400_000},
                      producer="objections")).state is None   # redelivered: no second shift
    assert c.sweep(T0 + 39 * DAY).state is None
    c.sweep(T0 + 40 * DAY)
    assert c.last("MediationFailed")["event"]["reason"] == "DEADLINE"


def test_a_closed_case_never_moves():
    c = in_peoples_session()
    c.event(ev("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0},
               producer="objections"))
    published = len(c.events)
    assert c.desk[-1] == {"op": "CANCEL", "case_id": "C1"}
    assert c.sweep(T0 + 400 * DAY).state is None
    with pytest.raises(errors.CaseIsClosed):
        c.outcome(outcome("SETTLED", with_plan=plan()))
    with pytest.raises(errors.CaseIsClosed):
        c.pay(payment("P1", 100))
    assert len(c.events) == published


# ---- confirmation ------------------------------------------------------------------------------

def test_confirmation_granted_starts_the_plan():
    c = confirmed()
    granted = c.last("ConfirmationGranted")
    assert granted["event"] == {"court": "CT-350502", "ruling_no": "(2026)闽0502民特1号"}
    assert c.stage == "PERFORMING" and c.state["plan_cause"] == granted["event_id"]


def test_denied_once_goes_back_to_court_mediation_then_litigation():
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan()))
    c.decision(decision("CONFIRMATION_DENIED", reason="terms against public order"))
    assert c.types()[-2:] == ["ConfirmationDenied", "CaseEscalated"]
    assert c.last("CaseEscalated")["event"] == {"from_stage": "CONFIRMATION", "to_stage": "COURT_MEDIATION",
                                                "reason": "CONFIRMATION_DENIED"}
    assert c.stage == "COURT_MEDIATION" and c.desk[-1]["request"]["tier"] == "COURT"
    c.assign("COURT", "CM-1")
    c.outcome(outcome("SETTLED", tier="COURT", mediator="CM-1", with_plan=plan()))
    c.decision(decision("CONFIRMATION_DENIED", did="D-2"))
    assert c.last("CaseEscalated")["event"]["to_stage"] == "LITIGATION" and c.stage == "LITIGATION"


def test_decisions_for_enforcement_are_not_ours_and_unexpected_ones_are_refused():
    c = in_peoples_session()
    for kind in ("FILING_ACCEPTED", "FILING_REJECTED", "JUDGMENT", "ENFORCEMENT_RESULT"):
        assert c.decision(decision(kind)).outcome == "not_ours"
    with pytest.raises(errors.UnexpectedDecision):
        c.decision(decision("CONFIRMATION_GRANTED"))
    with pytest.raises(errors.UnknownCase):
        Case().decision(decision("CONFIRMATION_GRANTED"))
    c.outcome(outcome("SETTLED", with_plan=plan()))
    c.decision(decision("CONFIRMATION_GRANTED"))
    assert c.decision(decision("CONFIRMATION_GRANTED")).outcome == "duplicate"


# ---- instalments -------------------------------------------------------------------------------

def test_reminder_before_each_due_date_then_paid_in_full_goes_to_credit_repair():
    c = confirmed(amounts=(60_000, 40_000), first=date(2027, 1, 10))
    assert c.sweep(china(2027, 1, 6)).state is None            # 4 days before: too early
    c.sweep(china(2027, 1, 7))
    due = c.last("InstalmentDue")
    assert due["event"] == {"seq": 1, "due_date": date(2027, 1, 10), "amount_cents": 60_000}
    assert due["causation_id"] == c.last("ConfirmationGranted")["event_id"]
    assert c.sweep(china(2027, 1, 8)).state is None            # reminded once
    c.pay(payment("P1", 60_000), now=china(2027, 1, 9))
    paid = c.last("InstalmentPaid")["event"]
    assert (paid["seq"], paid["amount_cents"], paid["payment_ref"]) == (1, 60_000, "P1")
    assert c.pay(payment("P1", 60_000)).outcome == "duplicate"   # idempotent by payment_ref
    c.sweep(china(2027, 2, 6))
    assert c.last("InstalmentDue")["event"]["seq"] == 2
    c.pay(payment("P2", 40_000), now=china(2027, 2, 9))
    assert c.last("CaseEscalated")["event"] == {"from_stage": "PERFORMING", "to_stage": "CREDIT_REPAIR",
                                                "reason": "PLAN_COMPLETED"}
    assert c.stage == "CREDIT_REPAIR"
    assert c.pay(payment("P3", 10)).outcome == "not_ours"


def test_part_payments_add_up():
    c = confirmed(amounts=(60_000, 40_000))
    c.pay(payment("P1", 30_000))
    assert "InstalmentPaid" not in c.types()
    c.pay(payment("P2", 50_000))
    assert c.last("InstalmentPaid")["event"]["seq"] == 1 and c.state["plan"]["instalments"][1]["paid_cents"] == 20_000
    c.pay(payment("P3", 20_000))
    assert c.stage == "CREDIT_REPAIR"


def test_missed_instalment_past_grace_goes_to_enforcement():
    c = confirmed(amounts=(60_000, 40_000), first=date(2027, 1, 10))
    c.sweep(china(2027, 1, 15))                                  # due + 5 days: still in grace
    assert "InstalmentMissed" not in c.types()
    c.sweep(china(2027, 1, 16))
    missed = c.last("InstalmentMissed")["event"]
    assert missed == {"seq": 1, "due_date": date(2027, 1, 10), "amount_cents": 60_000, "outstanding_cents": 100_000}
    assert c.last("CaseEscalated")["event"] == {"from_stage": "PERFORMING", "to_stage": "ENFORCEMENT",
                                                "reason": "PLAN_DEFAULTED"}
    assert c.stage == "ENFORCEMENT" and c.sweep(china(2027, 3, 1)).state is None


def test_hold_shifts_the_grace_period():
    c = confirmed(amounts=(60_000,), first=date(2027, 1, 10))
    c.event(ev("CaseHeld", {"reason": "OBJECTION", "objection_id": None, "stage": "PERFORMING"}, producer="objections"))
    assert c.sweep(china(2027, 1, 20)).state is None
    c.event(ev("CaseReleased", {"stage": "PERFORMING", "held_ms": 7 * 86_400_000}, producer="objections"))
    c.sweep(china(2027, 1, 22))
    assert "InstalmentMissed" not in c.types()
    c.sweep(china(2027, 1, 23))
    assert c.stage == "ENFORCEMENT"


def test_payments_that_cannot_be_taken():
    with pytest.raises(errors.UnknownCase):
        Case().pay(payment("P1", 100))
    c = in_peoples_session()
    with pytest.raises(errors.PaymentWithoutPlan):
        c.pay(payment("P1", 100))


# ---- relief ------------------------------------------------------------------------------------

def test_relief_route_grants_a_hardship_plan_tracked_like_a_settlement():
    c = Case()
    c.event(opened(principal=600_000, interest=90_000, penalty=30_000, is_student=True))
    c.event(triaged("RELIEF", ["JURISDICTION_DEBTOR_REGION", "HARDSHIP_STUDENT"]))
    (relief,) = c.events
    body = relief["event"]
    assert body["hardship_kinds"] == ["STUDENT"] and body["source"] == "TRIAGE"
    p = body["plan"]
    assert (p["kind"], p["total_cents"], p["waived_interest_cents"], p["waived_penalty_cents"]) == ("DEFERRAL", 600_000, 90_000, 30_000)
    assert p["instalments"][0]["due_date"] == date(2026, 12, 1) + timedelta(days=90)
    assert sum(i["amount_cents"] for i in p["instalments"]) == 600_000
    assert c.stage == "PERFORMING" and c.state["plan_source"] == "RELIEF" and c.desk == []
    for n, i in enumerate(p["instalments"]):
        c.pay(payment(f"P{n}", i["amount_cents"]))
    assert c.stage == "CREDIT_REPAIR"


def test_illness_gets_reduced_instalments_and_a_missed_one_withdraws_relief_to_litigation():
    """A relief plan is no enforceable title (docs/rules.md M11): missed, it goes to court, never to enforcement."""
    c = Case()
    c.event(opened(principal=1_200_000, serious_illness=True))
    c.event(triaged("RELIEF", ["HARDSHIP_SERIOUS_ILLNESS"]))
    p = c.events[0]["event"]["plan"]
    assert p["kind"] == "REDUCED_INSTALMENTS" and len(p["instalments"]) == 12
    step = c.sweep(T0 + 36 * DAY)
    assert step.outcome == "relief_withdrawn" and c.stage == "LITIGATION"
    assert c.last("CaseEscalated")["event"] == {"from_stage": "PERFORMING", "to_stage": "LITIGATION",
                                                "reason": "RELIEF_PLAN_DEFAULTED"}
    assert c.sweep(T0 + 80 * DAY).state is None, "handed on: mediation moves it no more"


# ---- a debtor's hardship claim (objections' HardshipClaimed) ------------------------------------

def claim(kinds=("unemployed",), rid="R-hard", stage="PEOPLES_MEDIATION", eid=None) -> dict:
    return ev("HardshipClaimed", {"request_id": rid, "hardship_kinds": list(kinds), "stage": stage},
              producer="objections", eid=eid or f"E-claim-{rid}")


def test_hardship_kinds_are_spelled_one_way():
    from services.mediation.plans import claimed_kinds, hardship_kind
    assert [hardship_kind(k) for k in ("is_student", "STUDENT", "HARDSHIP_STUDENT", "unemployed", "UNEMPLOYED",
                                       "HARDSHIP_SERIOUS_ILLNESS", " serious_illness ")] == \
        ["STUDENT", "STUDENT", "STUDENT", "UNEMPLOYED", "UNEMPLOYED", "SERIOUS_ILLNESS", "SERIOUS_ILLNESS"]
    assert claimed_kinds(["unemployed", "UNEMPLOYED", "disaster"]) == ["DISASTER", "UNEMPLOYED"]
    for bad in ([], ["lottery_loss"], ["unemployed", "bored"]):
        with pytest.raises(errors.InvalidHardshipClaim):
            claimed_kinds(bad)


def test_hardship_claim_mid_mediation_grants_relief_and_cancels_the_mediator():
    c = in_peoples_session()
    c.event(claim(["unemployed"]), now=T0 + 2 * DAY)
    relief = c.last("ReliefGranted")
    body = relief["event"]
    assert (body["source"], body["hardship_kinds"]) == ("DEBTOR_CLAIM", ["UNEMPLOYED"])
    assert relief["causation_id"] == "E-claim-R-hard" and relief["producer"] == "mediation"
    p = body["plan"]   # as triage's relief: the principal on deferral terms, interest and penalty waived
    assert (p["kind"], p["total_cents"], p["waived_interest_cents"], p["waived_penalty_cents"]) == \
        ("DEFERRAL", 1_000_000, 200_000, 50_000)
    assert p["instalments"][0]["due_date"] == date(2026, 12, 3) + timedelta(days=90)
    assert (c.stage, c.state["plan_source"], c.state["deadline_ms"]) == ("PERFORMING", "RELIEF", None)
    assert c.desk[-1] == {"op": "CANCEL", "case_id": "C1"}
    # the tier deadline no longer runs; the plan is tracked like any other
    c.sweep(T0 + 40 * DAY)
    assert c.stage == "PERFORMING"
    assert "MediationFailed" not in c.types()
    with pytest.raises(errors.OutcomeWithoutSession):      # the mediator's late word counts for nothing
        c.outcome(outcome("FAILED"))
    for n, i in enumerate(p["instalments"]):
        c.pay(payment(f"P{n}", i["amount_cents"]))
    assert c.stage == "CREDIT_REPAIR" and c.last("CaseEscalated")["event"]["reason"] == "PLAN_COMPLETED"


def test_hardship_claim_in_court_mediation_and_its_redelivery():
    c = Case()
    c.event(opened(principal=1_200_000))
    c.event(triaged("COURT_MEDIATION", ["ABOVE_COURT_THRESHOLD"]))
    c.event(claim(["HARDSHIP_SERIOUS_ILLNESS", "unemployed"], stage="COURT_MEDIATION"))
    (relief,) = c.events
    p = relief["event"]["plan"]   # the gentlest terms any of the kinds allows: the longest deferral
    assert p["kind"] == "DEFERRAL" and len(p["instalments"]) == 6 and p["total_cents"] == 1_200_000
    assert relief["event"]["hardship_kinds"] == ["SERIOUS_ILLNESS", "UNEMPLOYED"]
    before = dict(c.state)
    assert c.event(claim(["HARDSHIP_SERIOUS_ILLNESS", "unemployed"], stage="COURT_MEDIATION")).outcome == "duplicate"
    assert c.state == before and len(c.events) == 1
    c.sweep(T0 + 36 * DAY)     # the tier's deadline no longer runs
    assert c.stage == "PERFORMING"
    c.sweep(T0 + 96 * DAY)     # a missed hardship instalment withdraws the relief: the claim goes to court
    assert c.stage == "LITIGATION" and c.last("CaseEscalated")["event"]["reason"] == "RELIEF_PLAN_DEFAULTED"


def test_hardship_claim_while_performing_a_settlement_reschedules_what_is_left():
    c = confirmed(amounts=(60_000, 40_000), first=date(2027, 1, 10))
    c.pay(payment("P1", 60_000))
    c.event(claim(["disaster"], stage="PERFORMING"), now=T0 + 3 * DAY)
    p = c.last("ReliefGranted")["event"]["plan"]
    assert (p["kind"], p["total_cents"], p["waived_penalty_cents"]) == ("DEFERRAL", 40_000, 50_000)
    assert p["instalments"][0]["due_date"] == date(2026, 12, 4) + timedelta(days=90)
    assert c.state["plan_source"] == "RELIEF"
    c.sweep(T0 + 60 * DAY)     # the settlement's old due dates no longer count
    assert "InstalmentMissed" not in c.types() and c.stage == "PERFORMING"
    c.pay(payment("P2", 40_000))
    assert c.stage == "CREDIT_REPAIR"
    # a second claim on a hardship plan changes nothing
    r = Case()
    r.event(opened(is_student=True))
    r.event(triaged("RELIEF", ["HARDSHIP_STUDENT"]))
    assert r.event(claim(stage="PERFORMING", rid="R-2")).outcome == "already_relieved" and len(r.events) == 1


@pytest.mark.parametrize("to_stage", ["LITIGATION", "ENFORCEMENT", "CREDIT_REPAIR"])
def test_hardship_claims_in_stages_mediation_handed_on_are_left_to_their_owner(to_stage):
    c = in_peoples_session()
    if to_stage == "LITIGATION":
        c.outcome(outcome("FAILED"))
        c.assign("COURT", "CM-1")
        c.outcome(outcome("FAILED", tier="COURT", mediator="CM-1"))
    elif to_stage == "ENFORCEMENT":
        c = confirmed(amounts=(60_000,), first=date(2027, 1, 10))
        c.sweep(datetime(2027, 1, 20, tzinfo=timezone.utc))
    else:
        c = confirmed(amounts=(60_000,))
        c.pay(payment("P1", 60_000))
    assert c.stage == to_stage
    n = len(c.events)
    step = c.event(claim(stage=to_stage))
    assert (step.state, step.outcome, len(c.events)) == (None, "hardship_handed_on", n)


def test_hardship_claim_awaiting_confirmation_is_left_to_the_court():
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan()))
    step = c.event(claim(stage="CONFIRMATION"))
    assert (step.state, step.outcome, c.stage) == (None, "hardship_awaiting_confirmation", "CONFIRMATION")
    c.decision(decision("CONFIRMATION_GRANTED"))      # the court's word still counts
    c.event(claim(stage="PERFORMING", rid="R-again"))  # and the debtor may claim again once the plan is in force
    assert c.last("ReliefGranted")["event"]["source"] == "DEBTOR_CLAIM"


def test_hardship_claims_mediation_cannot_take_are_dead_lettered():
    c = in_peoples_session()
    with pytest.raises(errors.InvalidHardshipClaim):
        c.event(claim(["lottery_loss"]))
    c.event(ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "R-o", "stage": "PEOPLES_MEDIATION"},
               producer="objections"))
    with pytest.raises(errors.CaseOnHold):
        c.event(claim())
    early = Case()
    early.event(opened())
    with pytest.raises(errors.ClaimNotInMediation):   # triage has not routed it yet
        early.event(claim(stage="OPENED"))
    assert "ReliefGranted" not in c.types() + early.types()
    closed = in_peoples_session()
    closed.event(ev("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0},
                    producer="objections"))
    assert closed.event(claim()).state is None and "ReliefGranted" not in closed.types()


def test_case_sent_back_to_mediation_by_another_stage():
    c = confirmed()
    c.event(ev("CaseEscalated", {"from_stage": "ENFORCEMENT", "to_stage": "COURT_MEDIATION", "reason": "PARTIES_AGREED"},
               producer="enforcement"))
    assert c.stage == "COURT_MEDIATION" and c.desk[-1]["request"]["tier"] == "COURT"


def test_an_assignment_answering_an_earlier_request_than_the_cases_own_is_stale():
    c = Case()
    c.event(opened())
    c.event(triaged())
    earlier = ev("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-OLD", "queue_wait_ms": 0},
                 producer="mediation", cause="E-an-earlier-request")
    assert c.assignment(earlier).outcome == "stale_assignment" and c.state["mediator_id"] is None and c.events == []
