"""repair, pure: a negative report waits for notify's proof that the pre-report notice reached the debtor
(征信业管理条例 art. 15), and the negative record is corrected on its day — the PBOC one-off repair, or 5 years
after the behaviour ended (art. 16) — even once the case is closed."""
from __future__ import annotations

from datetime import date

from remedy.kernel.deadlines import ms, start_of_china_day_ms
from services.repair import decide as d
from tests.stage_scripts import Script, days, utc
from tests.unit.test_repair_decide import RULES, T0, body, enforced, notice_answer, performed, types

REPORT_DAY = utc(2026, 3, 13, 16)   # 00:00 China on 14 March: the 7 days' notice of a plan made on 6 March are over


def test_no_proof_of_delivery_withholds_the_report_until_the_proof_comes():
    planned = enforced(Script())
    out = d.on_tick(planned.file, REPORT_DAY, RULES)
    assert types(out) == ["NegativeReportWithheld"], "filed on day 7 although nobody knows the debtor was told"
    assert body(out, "NegativeReportWithheld") == {"reason": "NO_DELIVERY_PROOF", "notice_ref": planned.emits[0].record["event_id"],
                                                   "report_after": date(2026, 3, 13)}
    assert d.on_tick(out.file, REPORT_DAY + days(3), RULES).emits == [], "withheld once, not at every tick"
    late = REPORT_DAY + days(4)
    filed = d.on_case_event(out.file, notice_answer(planned, late), late, RULES)
    assert types(filed) == ["NegativeReportFiled"] and body(filed, "NegativeReportFiled")["reported_on"] == date(2026, 3, 18)


def test_a_suppressed_or_undeliverable_notice_withholds_the_report_at_once_and_for_good():
    for status, rule, reason in (("SUPPRESSED", "OPTED_OUT", "NOTICE_SUPPRESSED"), ("FAILED", "INVALID_ADDRESS", "NOTICE_FAILED")):
        planned = enforced(Script())
        answer = notice_answer(planned, T0 + days(1), status, rule)
        out = d.on_case_event(planned.file, answer, T0 + days(1), RULES)
        assert types(out) == ["NegativeReportWithheld"] and body(out, "NegativeReportWithheld")["reason"] == reason
        assert out.emits[0].record["causation_id"] == answer["event_id"]
        assert d.on_case_event(out.file, answer, T0 + days(1), RULES).outcome == "duplicate"
        assert d.on_tick(out.file, REPORT_DAY + days(30), RULES).emits == [], "no report without a delivered notice"


def test_an_answer_about_another_notice_proves_nothing():
    planned = enforced(Script())
    other = dict(notice_answer(planned, T0), causation_id="E-some-other-event", event_id="E-other")
    case = d.on_case_event(planned.file, other, T0, RULES).file
    assert types(d.on_tick(case, REPORT_DAY, RULES)) == ["NegativeReportWithheld"]


def test_the_negative_record_is_corrected_five_years_after_performance_on_a_closed_case():
    s = Script()
    big = d.on_case_event(None, s.opened(T0 - days(300), principal=2_000_000), T0, RULES).file  # above the PBOC 10,000 CNY
    ev = s.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 2_100_000}, T0, "enforcement")
    planned = d.on_case_event(big, ev, T0, RULES)
    case = d.on_case_event(planned.file, notice_answer(planned, T0 + days(1)), T0 + days(1), RULES).file
    filed = d.on_tick(case, REPORT_DAY, RULES)
    paid = REPORT_DAY + days(10)
    requested = d.on_case_event(filed.file, performed(s, paid), paid, RULES)
    assert body(requested, "CreditRepairRequested")["negative_record_expires"] == date(2031, 3, 24)
    case = d.on_tick(requested.file, paid + days(7), RULES).file
    closed = d.on_case_event(case, s.closed(paid + days(7), "CREDIT_REPAIRED", "CREDIT_REPAIR"), paid + days(7), RULES).file
    expires = start_of_china_day_ms(date(2031, 3, 24))
    assert d.next_due(closed) == expires, "a closed case keeps its record's day in the due index"
    assert d.on_tick(closed, utc(2031, 3, 23, 15, 59), RULES).emits == []
    out = d.on_tick(closed, utc(2031, 3, 23, 16), RULES)
    assert types(out) == ["NegativeRecordCorrected"]
    assert body(out, "NegativeRecordCorrected") == {"reason": "RECORD_EXPIRED", "corrected_on": date(2031, 3, 24),
                                                    "behaviour_end_date": date(2026, 3, 24),
                                                    "report_ref": filed.emits[0].record["event_id"]}
    assert d.next_due(out.file) is None and d.on_tick(out.file, utc(2032, 1, 1), RULES).emits == [], "corrected once"
    assert ms(utc(2031, 3, 23, 16)) == expires


def test_the_pboc_one_off_repair_waits_for_the_day_the_policy_took_effect():
    s = Script()
    case = d.on_case_event(None, s.opened(T0 - days(300)), T0, RULES).file   # 9,000 CNY overdue since March 2025
    paid = utc(2025, 11, 3, 2)
    requested = d.on_case_event(case, performed(s, paid), paid, RULES)
    assert body(requested, "CreditRepairRequested")["pboc_one_off_applies"] is True
    done = d.on_tick(requested.file, paid + days(7), RULES)
    assert types(done) == ["CreditRepairDone"], "not shown any more only from 1 January 2026"
    out = d.on_tick(done.file, utc(2025, 12, 31, 16), RULES)
    assert types(out) == ["NegativeRecordCorrected"] and body(out, "NegativeRecordCorrected")["reason"] == "PBOC_ONE_OFF"
