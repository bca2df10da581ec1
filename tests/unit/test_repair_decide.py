"""repair, pure: repair requests on full performance (mediation's CaseEscalated, enforcement's EnforcementConcluded
RECOVERED_FULL and JudgmentPerformed), CreditRepairDone (objections closes the case), the notice-before-report rule, holds."""
from __future__ import annotations

from datetime import date

import pytest

from remedy.kernel.events import case_event
from services.repair import decide as d
from services.repair.dates import RepairRules
from remedy.kernel.deadlines import ms
from tests.stage_scripts import Script, days, utc

RULES = RepairRules()
T0 = utc(2026, 3, 6, 2)  # Friday 10:00 in China


def types(decision):
    return [e.record["type"] for e in decision.emits]


def body(decision, type_):
    (b,) = [e.record["event"] for e in decision.emits if e.record["type"] == type_]
    return b


def opened(s, **kw):
    return d.on_case_event(None, s.opened(T0 - days(300), **kw), T0, RULES).file


def performed(s, at=T0, reason="PAID_IN_FULL", paid=900_000):
    return s.event("JudgmentPerformed", {"reason": reason, "paid_cents": paid, "stage": "ENFORCEMENT"}, at, "enforcement")


def recovered(s, at=T0, result="RECOVERED_FULL", outstanding=0):
    return s.event("EnforcementConcluded", {"result": result, "recovered_cents": 900_000, "outstanding_cents": outstanding},
                   at, "enforcement")


def test_plan_completed_requests_repair_with_its_dates_then_repairs_and_leaves_the_close_to_objections():
    s = Script()
    case = opened(s, due=date(2025, 3, 1))
    out = d.on_case_event(case, s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING"), T0, RULES)
    assert types(out) == ["CreditRepairRequested"]
    assert body(out, "CreditRepairRequested") == {
        "reason": "PLAN_COMPLETED", "due_by": date(2026, 3, 11),  # Fri + 3 working days = Wed
        "behaviour_end_date": date(2026, 3, 6), "negative_record_expires": date(2031, 3, 6),
        "pboc_one_off_applies": True}  # 9,000 CNY overdue since 2025-03-02, repaid 2026-03-06
    assert d.on_tick(out.file, utc(2026, 3, 8, 15, 59), RULES).emits == []  # Sunday, 23:59 China
    done = d.on_tick(out.file, utc(2026, 3, 8, 16), RULES)  # Monday 00:00 China: one working day later
    assert types(done) == ["CreditRepairDone", "NegativeRecordCorrected"], "objections closes on CreditRepairDone"
    assert body(done, "CreditRepairDone") == {"done_on": date(2026, 3, 9), "removed_from_dishonest_list": False}
    assert body(done, "NegativeRecordCorrected") == {"reason": "PBOC_ONE_OFF", "corrected_on": date(2026, 3, 9),
                                                     "behaviour_end_date": date(2026, 3, 6), "report_ref": None}
    assert done.emits[0].record["causation_id"] == out.emits[0].record["event_id"]
    assert d.on_tick(done.file, utc(2026, 4, 1), RULES).emits == []
    closed = d.on_case_event(done.file, s.closed(utc(2026, 3, 9), "CREDIT_REPAIRED", "CREDIT_REPAIR"), utc(2026, 3, 9), RULES)
    assert closed.emits == [] and closed.file.closed


def test_credit_repair_due_date_skips_national_day_and_counts_its_adjusted_saturday():
    """Performed in full on 30 September 2026: 1 – 7 October are public holidays, Saturday 10 October a working day."""
    s = Script()
    at = utc(2026, 9, 30, 2)   # Wednesday 10:00 in China
    case = d.on_case_event(None, s.opened(at - days(300)), at, RULES).file
    out = d.on_case_event(case, s.escalated(at, "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING"), at, RULES)
    assert body(out, "CreditRepairRequested")["due_by"] == date(2026, 10, 10)   # Thu 8, Fri 9, Sat 10 (调休)
    assert d.on_tick(out.file, utc(2026, 10, 7, 15, 59), RULES).emits == [], "nothing is done on a holiday"
    done = d.on_tick(out.file, utc(2026, 10, 7, 16), RULES)   # Thursday 8 October 00:00 China
    assert body(done, "CreditRepairDone")["done_on"] == date(2026, 10, 8)


def test_pboc_does_not_apply_to_large_or_late_repaid_debts():
    s = Script()
    big = opened(s, principal=2_000_000)
    out = d.on_case_event(big, recovered(s), T0, RULES)
    assert body(out, "CreditRepairRequested")["reason"] == "ENFORCEMENT_RECOVERED"
    assert body(out, "CreditRepairRequested")["pboc_one_off_applies"] is False
    late = utc(2026, 4, 1, 2)
    out = d.on_case_event(opened(s), s.escalated(late, "CREDIT_REPAIR", "PLAN_COMPLETED"), late, RULES)
    assert body(out, "CreditRepairRequested")["pboc_one_off_applies"] is False


def test_a_lender_paid_in_full_close_is_not_credit_repair():
    s = Script()
    out = d.on_case_event(opened(s), s.closed(T0, "LENDER_PAID_IN_FULL", "PEOPLES_MEDIATION"), T0, RULES)
    assert out.emits == [] and out.file.closed
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_case_event(out.file, s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED"), T0, RULES)
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_case_event(out.file, performed(s), T0, RULES)


def test_dishonest_list_removal_is_requested_when_the_debtor_was_proposed():
    s = Script()
    case = opened(s)
    case = d.on_case_event(case, s.event("DishonestListProposed", {"court": "C1", "reason": "X"}, T0, "enforcement"), T0, RULES).file
    case = d.on_case_event(case, performed(s), T0, RULES).file
    done = d.on_tick(case, T0 + days(7), RULES)
    assert body(done, "CreditRepairDone")["removed_from_dishonest_list"] is True


def enforced(s, at=T0):
    ev = s.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 900_000}, at, "enforcement")
    return d.on_case_event(opened(s), ev, at, RULES)


def notice_answer(planned, at, status="DELIVERED", rule=None):
    """notify's answer about the pre-report notice sent on ``planned`` (a Decision or an envelope)."""
    plan = planned.emits[0].record if hasattr(planned, "emits") else planned
    if status == "DELIVERED":
        type_, body_ = "RequiredNoticeDelivered", {"notice_id": "N1", "notice_kind": "pre_report_notice", "channel": "EMAIL",
                                                   "delivered_at": at, "document_no": None, "content_hash": "h"}
    else:
        type_, body_ = "RequiredNoticeFailed", {"notice_id": "N1", "notice_kind": "pre_report_notice", "status": status,
                                                "rule": rule}
    return case_event("notify", type_, body_, case_id=plan["case_id"], lender_id=plan["lender_id"],
                      causation_id=plan["event_id"], now=at)


def test_negative_information_is_reported_only_after_the_pre_report_notice_period():
    s = Script()
    planned = enforced(s)
    assert types(planned) == ["NegativeReportPlanned"]
    assert body(planned, "NegativeReportPlanned") == {"report_after": date(2026, 3, 13)}
    planned.state = d.on_case_event(planned.file, notice_answer(planned, T0 + days(1)), T0 + days(1), RULES).file
    assert d.on_tick(planned.file, utc(2026, 3, 13, 15, 59), RULES).emits == []  # still 13 March in China
    filed = d.on_tick(planned.file, utc(2026, 3, 13, 16), RULES)
    assert body(filed, "NegativeReportFiled") == {"reported_on": date(2026, 3, 14),
                                                  "notice_ref": planned.emits[0].record["event_id"]}
    assert d.on_tick(filed.file, utc(2026, 3, 20), RULES).emits == [], "filed once"


def test_full_performance_before_the_report_date_cancels_the_report():
    s = Script()
    case = enforced(s).file
    out = d.on_case_event(case, performed(s, T0 + days(2)), T0 + days(2), RULES)
    assert types(out) == ["CreditRepairRequested"]
    assert body(out, "CreditRepairRequested")["reason"] == "PAID_IN_FULL"
    assert out.emits[0].record["causation_id"] == out.file.handover["cause"]
    later = d.on_tick(out.file, T0 + days(30), RULES)
    assert "NegativeReportFiled" not in types(later)


def test_a_hold_defers_the_notice_and_shifts_the_report_date():
    s = Script()
    case = d.on_case_event(opened(s), s.held(T0, "ENFORCEMENT"), T0, RULES).file
    ev = s.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 900_000}, T0, "enforcement")
    out = d.on_case_event(case, ev, T0, RULES)
    assert out.emits == [], "no notice while held"
    rel = T0 + days(4)
    out = d.on_case_event(out.file, s.released(rel, ms(rel) - ms(T0), "ENFORCEMENT"), rel, RULES)
    assert body(out, "NegativeReportPlanned") == {"report_after": date(2026, 3, 17)}
    out.state = d.on_case_event(out.file, notice_answer(out, rel), rel, RULES).file
    held_again = T0 + days(6)
    case = d.on_case_event(out.file, s.held(held_again, "ENFORCEMENT"), held_again, RULES).file
    assert d.on_tick(case, utc(2026, 3, 25), RULES).emits == []
    back = held_again + days(5)
    case = d.on_case_event(case, s.released(back, ms(back) - ms(held_again), "ENFORCEMENT"), back, RULES).file
    assert d.on_tick(case, utc(2026, 3, 22, 15, 59), RULES).emits == []  # 17 March end + 5 days held
    assert types(d.on_tick(case, utc(2026, 3, 22, 16), RULES)) == ["NegativeReportFiled"]


def test_repair_during_a_hold_waits_and_its_processing_deadline_shifts():
    s = Script()
    case = d.on_case_event(opened(s), s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED"), T0, RULES).file
    held = T0 + days(1)
    case = d.on_case_event(case, s.held(held, "CREDIT_REPAIR"), held, RULES).file
    assert d.on_tick(case, utc(2026, 3, 10), RULES).emits == []
    back = held + days(3)
    released = d.on_case_event(case, s.released(back, ms(back) - ms(held), "CREDIT_REPAIR"), back, RULES)
    assert types(released) == ["NegativeRecordCorrected"], "the PBOC day (9 March) is the law's: it waited only for the release"
    case = released.file
    assert d.on_tick(case, utc(2026, 3, 11, 15, 59), RULES).emits == []
    assert types(d.on_tick(case, utc(2026, 3, 11, 16), RULES)) == ["CreditRepairDone"]


def test_redelivery_and_impossible_input():
    s = Script()
    case = opened(s)
    esc = s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED")
    case = d.on_case_event(case, esc, T0, RULES).file
    assert d.on_case_event(case, esc, T0, RULES).outcome == "duplicate"
    with pytest.raises(d.OutOfOrder):
        d.on_case_event(case, s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED"), T0, RULES)
    with pytest.raises(d.OutOfOrder):  # one full performance per case, whoever states it
        d.on_case_event(case, performed(s), T0, RULES)
    with pytest.raises(d.UnknownCase):
        d.on_case_event(None, esc, T0, RULES)
    with pytest.raises(d.UnknownCase):
        d.on_case_event(None, recovered(Script("L-never")), T0, RULES)


@pytest.mark.parametrize("reason", ["PAID_IN_FULL", "NOTHING_OWED"])
def test_a_performed_judgment_starts_credit_repair_with_its_reason(reason):
    s = Script()
    out = d.on_case_event(opened(s), performed(s, reason=reason), T0, RULES)
    assert types(out) == ["CreditRepairRequested"]
    assert body(out, "CreditRepairRequested")["reason"] == reason
    assert types(d.on_tick(out.file, T0 + days(7), RULES))[0] == "CreditRepairDone"


def test_only_a_full_recovery_by_enforcement_starts_credit_repair():
    s = Script()
    case = opened(s)
    for result, outstanding in (("RECOVERED_PARTIAL", 100), ("TERMINATED_NO_ASSETS", 100)):
        out = d.on_case_event(case, recovered(s, result=result, outstanding=outstanding), T0, RULES)
        assert out.emits == [] and out.file.handover is None
        case = out.file
    out = d.on_case_event(case, recovered(s), T0, RULES)
    assert body(out, "CreditRepairRequested")["reason"] == "ENFORCEMENT_RECOVERED"
    assert out.emits[0].record["producer"] == "repair"


def test_a_full_recovery_during_a_hold_is_repaired_after_the_release():
    s = Script()
    case = d.on_case_event(opened(s), s.held(T0, "ENFORCEMENT"), T0, RULES).file
    out = d.on_case_event(case, recovered(s, T0 + days(1)), T0 + days(1), RULES)
    assert out.emits == [], "nothing moves while held"
    back = T0 + days(3)
    out = d.on_case_event(out.file, s.released(back, ms(back) - ms(T0), "ENFORCEMENT"), back, RULES)
    assert types(out) == ["CreditRepairRequested"]


def test_events_repair_never_acts_on_leave_its_file_as_it_was_and_unremembered():
    """Most case events (sessions, instalments, filings) are none of repair's business: they must not
    rewrite its file, or every event costs a table write; the ones it acts on still count once."""
    s = Script()
    case = opened(s)
    before = case.to_json()
    session = s.event("SessionScheduled", {"tier": "PEOPLES", "session_at": T0, "mediator_id": "m1"}, T0, "mediation")
    out = d.on_case_event(case, session, T0, RULES)
    assert (out.outcome, out.changed, out.emits) == ("ignored", False, [])
    assert out.file.to_json() == before
    assert not d.concerns(session)
    full = s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING")
    assert d.concerns(full) and not d.concerns(s.escalated(T0, "LITIGATION", "MEDIATION_FAILED"))
    first = d.on_case_event(case, full, T0, RULES)
    assert types(first) == ["CreditRepairRequested"]
    assert d.on_case_event(first.file, full, T0, RULES).outcome == "duplicate"
