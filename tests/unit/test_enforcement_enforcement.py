"""enforcement, pure: performance deadlines, payments, enforcement results, students, confirmed settlements, holds."""
from __future__ import annotations

from datetime import date

import pytest

from services.enforcement import decide as d
from remedy.kernel.deadlines import ms
from tests.stage_scripts import Script, days, utc

T0 = utc(2026, 5, 4, 2)
DUE = date(2026, 6, 28)
PASSED = utc(2026, 6, 28, 16)  # 00:00 on 29 June in China: the performance period is over


def bodies(decision, type_):
    return [e.record["event"] for e in decision.emits if e.record["type"] == type_]


def types(decision):
    return [e.record["type"] for e in decision.emits]


def judged(s: Script, awarded=850_000, **facts):
    case = d.on_case_event(None, s.opened(T0 - days(60), **facts), T0).file
    case = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0).file
    case = d.on_court_decision(case, s.court("FILING_ACCEPTED", T0), "court.decisions/0/1", T0).file
    return d.on_court_decision(case, s.court("JUDGMENT", T0 + days(30), awarded_cents=awarded, performance_due=DUE),
                               "court.decisions/0/2", T0 + days(30)).file


def enforced(s: Script, **kw):
    out = d.on_tick(judged(s, **kw), PASSED)
    assert types(out) == ["EnforcementApplied"]
    return out


def test_unpaid_judgment_goes_to_enforcement_when_the_performance_period_ends_not_before():
    s = Script()
    case = judged(s)
    assert not d.due(case, PASSED - days(1 / 86400 / 1000))
    assert d.on_tick(case, PASSED - days(1 / 86400)).emits == []
    assert d.due(case, PASSED)
    out = d.on_tick(case, PASSED)
    assert bodies(out, "EnforcementApplied") == [{"court": "C350502", "basis": "JUDGMENT", "claim_cents": 850_000}]
    assert d.on_tick(out.file, PASSED + days(5)).emits == [], "applied once"


def test_payments_in_the_performance_period_count_once_each_and_full_payment_performs_the_judgment():
    s = Script()
    case = d.on_payment(judged(s), s.payment("P1", 300_000, T0), "payments/0/1", T0 + days(31)).file
    dup = d.on_payment(case, s.payment("P1", 300_000, T0), "payments/0/7", T0 + days(31))
    assert dup.outcome == "duplicate"
    out = d.on_tick(case, PASSED)
    assert bodies(out, "EnforcementApplied")[0]["claim_cents"] == 550_000
    paid = d.on_payment(judged(Script("L2")), Script("L2").payment("P9", 850_000, T0), "payments/0/2", T0 + days(32))
    assert types(paid) == ["JudgmentPerformed"], "repair starts credit repair on it"
    assert bodies(paid, "JudgmentPerformed") == [{"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "JUDGMENT"}]
    assert paid.emits[0].record["causation_id"] == "payments/0/2"
    assert d.on_tick(paid.file, PASSED).emits == []


def test_payments_for_cases_enforcement_does_not_hold_are_left_to_mediation():
    s = Script()
    case = d.on_case_event(None, s.opened(T0), T0).file
    assert d.on_payment(case, s.payment("P1", 100, T0), "payments/0/1", T0).outcome == "ignored"
    with pytest.raises(d.UnknownCase):
        d.on_payment(None, s.payment("P1", 100, T0), "payments/0/1", T0)
    with pytest.raises(d.InvalidInput):
        d.on_payment(judged(s), s.payment("P2", 0, T0), "payments/0/2", T0)


def test_recovered_in_full_concludes_enforcement_and_nothing_more_is_owed():
    s = Script()
    out = d.on_court_decision(enforced(s).file, s.court("ENFORCEMENT_RESULT", PASSED + days(60), enforcement_result="RECOVERED_FULL",
                                                        recovered_cents=850_000), "court.decisions/0/3", PASSED + days(60))
    assert types(out) == ["EnforcementConcluded"], "repair starts credit repair on RECOVERED_FULL; no escalation of our own"
    assert bodies(out, "EnforcementConcluded") == [{"result": "RECOVERED_FULL", "recovered_cents": 850_000, "outstanding_cents": 0}]
    assert out.file.stage == "RECOVERED" and out.file.outstanding_cents == 0
    assert d.on_tick(out.file, PASSED + days(400)).emits == []
    assert d.on_payment(out.file, s.payment("P-late", 100, PASSED), "payments/0/9", PASSED + days(61)).outcome == "ignored"


def test_partial_recovery_keeps_the_outstanding_balance_and_the_case_in_enforcement():
    s = Script()
    at = PASSED + days(60)
    out = d.on_court_decision(enforced(s).file, s.court("ENFORCEMENT_RESULT", at, enforcement_result="RECOVERED_PARTIAL",
                                                        recovered_cents=200_000), "court.decisions/0/3", at)
    assert types(out) == ["EnforcementConcluded"]
    assert bodies(out, "EnforcementConcluded")[0]["outstanding_cents"] == 650_000
    assert out.file.stage == "ENFORCEMENT" and not out.file.closed
    rest = d.on_payment(out.file, s.payment("P5", 650_000, at), "payments/0/5", at + days(1))
    assert bodies(rest, "JudgmentPerformed") == [{"reason": "PAID_IN_FULL", "paid_cents": 650_000, "stage": "ENFORCEMENT"}]


def terminate(case, s, at=PASSED + days(90)):
    return d.on_court_decision(case, s.court("ENFORCEMENT_RESULT", at, enforcement_result="TERMINATED_NO_ASSETS",
                                             recovered_cents=50_000), "court.decisions/0/4", at)


def test_terminated_for_no_assets_keeps_the_balance_and_the_case_open_and_proposes_the_dishonest_list_once():
    """终本 ends this round of enforcement, not the case (docs/rules.md E4)."""
    s = Script()
    out = terminate(enforced(s).file, s)
    assert types(out) == ["EnforcementConcluded", "DishonestListProposed"]
    assert bodies(out, "EnforcementConcluded")[0] == {"result": "TERMINATED_NO_ASSETS", "recovered_cents": 50_000,
                                                      "outstanding_cents": 800_000}
    assert bodies(out, "DishonestListProposed") == [{"court": "C350502", "reason": "ENFORCEMENT_TERMINATED_NO_ASSETS"}]
    assert out.file.outstanding_cents == 800_000 and out.file.stage == "TERMINATED" and not out.file.closed
    assert d.on_tick(out.file, PASSED + days(400)).emits == [], "proposed once; nobody touching it, nothing moves"
    closed = d.on_case_event(out.file, s.closed(PASSED + days(91), "WITHDRAWN", "ENFORCEMENT"), PASSED + days(91))
    assert closed.emits == [] and closed.file.closed, "only its lender's withdrawal (or performance) ends it"
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_payment(closed.file, s.payment("P-after", 100, PASSED), "payments/0/8", PASSED + days(92))


def test_a_payment_after_termination_resumes_enforcement_once():
    s = Script()
    case = terminate(enforced(s).file, s).file
    at = PASSED + days(200)
    out = d.on_payment(case, s.payment("P-part", 300_000, at), "payments/0/20", at)
    assert types(out) == ["EnforcementResumed"]
    assert bodies(out, "EnforcementResumed") == [{"court": "C350502", "reason": "PAYMENT_RECEIVED", "outstanding_cents": 500_000}]
    assert out.emits[0].record["causation_id"] == "payments/0/20" and out.file.stage == "ENFORCEMENT"
    again = d.on_payment(out.file, s.payment("P-part", 300_000, at), "payments/0/21", at + days(1))
    assert again.outcome == "duplicate" and again.emits == [], "a redelivered payment does not resume twice"
    assert d.on_court_decision(out.file, s.court("ENFORCEMENT_RESUMED", at), "court.decisions/0/30",
                               at + days(2)).outcome == "already_resumed"
    second = terminate(out.file, s, at + days(60))
    assert types(second) == ["EnforcementConcluded"], "listed already: not proposed a second time"


def test_paying_everything_after_termination_performs_it_and_starts_credit_repair():
    s = Script()
    case = terminate(enforced(s).file, s).file
    at = PASSED + days(300)
    out = d.on_payment(case, s.payment("P-all", 800_000, at), "payments/0/22", at)
    assert types(out) == ["JudgmentPerformed"], "repair removes the listing on it (R4)"
    assert bodies(out, "JudgmentPerformed") == [{"reason": "PAID_IN_FULL", "paid_cents": 800_000, "stage": "ENFORCEMENT"}]


def test_assets_found_by_the_court_resume_a_terminated_enforcement():
    s = Script()
    case = terminate(enforced(s).file, s).file
    at = PASSED + days(150)
    found = s.court("ENFORCEMENT_RESUMED", at)
    out = d.on_court_decision(case, found, "court.decisions/0/31", at)
    assert bodies(out, "EnforcementResumed") == [{"court": "C350502", "reason": "ASSETS_FOUND", "outstanding_cents": 800_000}]
    assert d.on_court_decision(out.file, found, "court.decisions/0/32", at).outcome == "duplicate"
    result = d.on_court_decision(out.file, s.court("ENFORCEMENT_RESULT", at + days(30), enforcement_result="RECOVERED_FULL",
                                                   recovered_cents=800_000), "court.decisions/0/33", at + days(30))
    assert bodies(result, "EnforcementConcluded")[0]["outstanding_cents"] == 0
    with pytest.raises(d.OutOfOrder):
        d.on_court_decision(judged(Script("L3")), Script("L3").court("ENFORCEMENT_RESUMED", at), "court.decisions/0/34", at)


def test_a_resumption_during_a_hold_waits_for_the_release():
    s = Script()
    case = terminate(enforced(s).file, s).file
    at = PASSED + days(120)
    case = d.on_case_event(case, s.held(at, "ENFORCEMENT"), at).file
    paid = d.on_payment(case, s.payment("P-held", 100_000, at), "payments/0/23", at + days(1))
    assert paid.emits == []
    back = d.on_case_event(paid.file, s.released(at + days(5), ms(at + days(5)) - ms(at), "ENFORCEMENT"), at + days(5))
    assert bodies(back, "EnforcementResumed")[0]["reason"] == "PAYMENT_RECEIVED"


def test_full_time_students_are_never_proposed_for_the_dishonest_list():
    s = Script()
    out = terminate(enforced(s, student=True).file, s)
    assert types(out) == ["EnforcementConcluded"]


def test_a_defaulted_confirmed_settlement_is_enforced_at_once_without_a_new_suit():
    s = Script()
    case = d.on_case_event(None, s.opened(T0 - days(90)), T0).file
    plan = {"kind": "INSTALMENTS", "total_cents": 600_000, "waived_penalty_cents": 20_000, "waived_interest_cents": 0,
            "instalments": []}
    for ev in (s.event("MediationSettled", {"tier": "PEOPLES", "mediator_id": "M1", "plan": plan}, T0 - days(80)),
               s.event("ConfirmationGranted", {"court": "C350503", "ruling_no": "R1"}, T0 - days(70)),
               s.event("InstalmentPaid", {"seq": 1, "amount_cents": 200_000, "payment_ref": "P1", "paid_at": T0}, T0 - days(40)),
               s.event("InstalmentMissed", {"seq": 2, "due_date": date(2026, 4, 20), "amount_cents": 200_000,
                                            "outstanding_cents": 400_000}, T0 - days(5))):
        case = d.on_case_event(case, ev, T0).file
    out = d.on_case_event(case, s.escalated(T0, "ENFORCEMENT", "PLAN_DEFAULTED", "PERFORMING"), T0)
    assert types(out) == ["EnforcementApplied"]
    assert bodies(out, "EnforcementApplied")[0] == {"court": "C350503", "basis": "CONFIRMED_SETTLEMENT", "claim_cents": 400_000}
    result = d.on_court_decision(out.file, s.court("ENFORCEMENT_RESULT", T0 + days(30), enforcement_result="RECOVERED_FULL",
                                                   recovered_cents=400_000), "court.decisions/0/9", T0 + days(30))
    assert types(result) == ["EnforcementConcluded"]
    assert bodies(result, "EnforcementConcluded")[0]["outstanding_cents"] == 0


def test_a_defaulted_relief_plan_is_sued_on_not_enforced_and_every_plan_payment_is_credited():
    """A relief plan has no enforceable title (docs/rules.md M11): mediation withdraws it to LITIGATION and
    enforcement files a suit for the claim, less everything paid under the settlement and the relief."""
    s = Script()
    case = d.on_case_event(None, s.opened(T0 - days(90)), T0).file      # 800,000 + 80,000 + 20,000
    settled = {"kind": "INSTALMENTS", "total_cents": 600_000, "waived_penalty_cents": 20_000, "waived_interest_cents": 0,
               "instalments": []}
    relief = {**settled, "kind": "DEFERRAL", "total_cents": 400_000}
    for ev in (s.event("MediationSettled", {"tier": "PEOPLES", "mediator_id": "M1", "plan": settled}, T0 - days(80)),
               s.event("ConfirmationGranted", {"court": "C350503", "ruling_no": "R1"}, T0 - days(70)),
               s.event("InstalmentPaid", {"seq": 1, "amount_cents": 200_000, "payment_ref": "P1", "paid_at": T0}, T0 - days(40)),
               s.event("ReliefGranted", {"hardship_kinds": ["UNEMPLOYED"], "plan": relief, "source": "DEBTOR_CLAIM"},
                       T0 - days(39)),
               s.event("InstalmentPaid", {"seq": 1, "amount_cents": 50_000, "payment_ref": "P2", "paid_at": T0}, T0 - days(10)),
               s.event("InstalmentMissed", {"seq": 2, "due_date": date(2026, 4, 20), "amount_cents": 50_000,
                                            "outstanding_cents": 350_000}, T0 - days(5))):
        case = d.on_case_event(case, ev, T0).file
    out = d.on_case_event(case, s.escalated(T0, "LITIGATION", "RELIEF_PLAN_DEFAULTED", "PERFORMING"), T0)
    assert types(out) == ["LitigationFiled"], "no EnforcementApplied: there is no title to enforce"
    assert bodies(out, "LitigationFiled")[0]["claim_cents"] == 900_000 - 250_000


def test_a_hold_pauses_the_performance_deadline_and_release_shifts_it_by_the_time_held():
    s = Script()
    case = judged(s)
    held_at = T0 + days(40)
    case = d.on_case_event(case, s.held(held_at, "JUDGMENT"), held_at).file
    assert d.on_tick(case, PASSED + days(3)).emits == [], "no deadline runs while held"
    assert not d.due(case, PASSED + days(3))
    released_at = held_at + days(10)
    case = d.on_case_event(case, s.released(released_at, ms(released_at) - ms(held_at), "JUDGMENT"), released_at).file
    assert d.on_tick(case, PASSED + days(9.9)).emits == []
    assert types(d.on_tick(case, PASSED + days(10))) == ["EnforcementApplied"]


def test_a_handover_during_a_hold_waits_for_the_release():
    s = Script()
    case = d.on_case_event(None, s.opened(T0), T0).file
    case = d.on_case_event(case, s.held(T0, "COURT_MEDIATION"), T0).file
    out = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0)
    assert out.emits == []
    later = T0 + days(2)
    released = d.on_case_event(out.file, s.released(later, ms(later) - ms(T0), "COURT_MEDIATION"), later)
    assert types(released) == ["LitigationFiled"]
    assert bodies(released, "LitigationFiled")[0]["filing_batch_id"].endswith("20260506")


def test_court_facts_during_a_hold_are_recorded_but_moves_wait():
    s = Script()
    case = enforced(s).file
    at = PASSED + days(20)
    case = d.on_case_event(case, s.held(at, "ENFORCEMENT"), at).file
    out = d.on_court_decision(case, s.court("ENFORCEMENT_RESULT", at, enforcement_result="RECOVERED_FULL",
                                            recovered_cents=850_000), "court.decisions/0/5", at + days(1))
    assert types(out) == ["EnforcementConcluded"], "the court's fact is stated; repair waits for the release itself"
    back = d.on_case_event(out.file, s.released(at + days(3), ms(days(3) + at) - ms(at), "ENFORCEMENT"), at + days(3))
    assert back.emits == []


def test_a_termination_during_a_hold_proposes_the_listing_only_after_the_release():
    s = Script()
    case = enforced(s).file
    at = PASSED + days(20)
    case = d.on_case_event(case, s.held(at, "ENFORCEMENT"), at).file
    out = terminate(case, s, at + days(1))
    assert types(out) == ["EnforcementConcluded"]
    back = d.on_case_event(out.file, s.released(at + days(3), ms(days(3) + at) - ms(at), "ENFORCEMENT"), at + days(3))
    assert types(back) == ["DishonestListProposed"]


def test_full_payment_during_a_hold_performs_the_judgment_after_the_release():
    s = Script()
    case = judged(s)
    held_at = T0 + days(31)
    case = d.on_case_event(case, s.held(held_at, "JUDGMENT"), held_at).file
    paid = d.on_payment(case, s.payment("P1", 850_000, held_at), "payments/0/1", held_at + days(1))
    assert paid.emits == []
    back = d.on_case_event(paid.file, s.released(held_at + days(2), ms(held_at + days(2)) - ms(held_at), "JUDGMENT"),
                           held_at + days(2))
    assert bodies(back, "JudgmentPerformed") == [{"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "JUDGMENT"}]


def test_an_amended_amount_before_judgment_changes_the_claim():
    s = Script()
    case = d.on_case_event(None, s.opened(T0), T0).file
    case = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0).file
    amend = s.event("ObjectionResolved", {"objection_id": "O1", "decision": "UPHELD_AMEND", "amended_principal_cents": 500_000,
                                          "reason": ""}, T0 + days(1))
    case = d.on_case_event(case, amend, T0 + days(1)).file
    assert case.outstanding_cents == 500_000 + 80_000 + 20_000


def test_payments_made_while_the_suit_is_pending_stay_credited_against_the_award():
    s = Script()
    case = d.on_case_event(None, s.opened(T0 - days(60)), T0).file
    case = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0).file
    case = d.on_court_decision(case, s.court("FILING_ACCEPTED", T0), "court.decisions/0/1", T0).file
    case = d.on_payment(case, s.payment("P1", 850_000, T0), "payments/0/1", T0 + days(1)).file
    out = d.on_court_decision(case, s.court("JUDGMENT", T0 + days(30), awarded_cents=850_000, performance_due=DUE),
                              "court.decisions/0/2", T0 + days(30))
    assert types(out) == ["JudgmentEntered", "JudgmentPerformed"]
    assert bodies(out, "JudgmentPerformed")[0] == {"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "JUDGMENT"}


def test_an_award_of_nothing_is_performed_with_nothing_owed():
    s = Script()
    out = d.on_court_decision(_accepted(s), s.court("JUDGMENT", T0 + days(30), awarded_cents=0, performance_due=DUE),
                              "court.decisions/0/2", T0 + days(30))
    assert bodies(out, "JudgmentPerformed") == [{"reason": "NOTHING_OWED", "paid_cents": 0, "stage": "JUDGMENT"}]


def _accepted(s):
    case = d.on_case_event(None, s.opened(T0 - days(60)), T0).file
    case = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0).file
    return d.on_court_decision(case, s.court("FILING_ACCEPTED", T0), "court.decisions/0/1", T0).file


def test_events_enforcement_never_acts_on_leave_its_file_as_it_was_and_unremembered():
    s = Script()
    case = d.on_case_event(None, s.opened(utc(2026, 1, 5)), utc(2026, 1, 5)).file
    before = case.to_json()
    session = s.event("SessionScheduled", {"tier": "COURT", "session_at": utc(2026, 1, 9), "mediator_id": "m1"},
                      utc(2026, 1, 6), "mediation")
    out = d.on_case_event(case, session, utc(2026, 1, 6))
    assert (out.outcome, out.changed) == ("ignored", False) and out.file.to_json() == before
    assert not d.concerns(s.escalated(utc(2026, 1, 6), "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING"))
    to_court = s.escalated(utc(2026, 1, 6), "LITIGATION", "MEDIATION_FAILED")
    assert d.concerns(to_court)
    assert [e.record["type"] for e in d.on_case_event(case, to_court, utc(2026, 1, 6)).emits] == ["LitigationFiled"]
