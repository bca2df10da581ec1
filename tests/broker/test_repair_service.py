"""repair against a real Tansu broker: scripted case.events in, credit repair and negative-report events out,
on a scaled clock (one simulated day per two seconds). notify's answers about the pre-report notice are
scripted: the report is filed only on proof of delivery, withheld on a failure; the PBOC one-off repair
corrects the record."""
from __future__ import annotations

from datetime import date

import pytest

from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from remedy.runtime.publish import Publisher
from tests.conftest import read_topic
from tests.stage_scripts import Script, SimClock, utc, wait_for_events

pytestmark = pytest.mark.broker


def notify_answers(plan: dict, type_: str, now) -> dict:
    body = ({"channel": "EMAIL", "delivered_at": now, "document_no": None, "content_hash": "h"}
            if type_ == "RequiredNoticeDelivered" else {"status": "SUPPRESSED", "rule": "OPTED_OUT"})
    return case_event("notify", type_, {"notice_id": "N1", "notice_kind": "pre_report_notice", **body},
                      case_id=plan["case_id"], lender_id=plan["lender_id"], causation_id=plan["event_id"], now=now)


def test_full_performance_is_repaired_and_negative_reports_wait_for_the_notice(broker, services, codec):
    clock = SimClock(utc(2026, 3, 2, 2), 43_200)
    services("repair", REMEDY_REPAIR_PRE_REPORT_NOTICE_DAYS="2", **clock.env())
    pub = Publisher(broker, codec)
    performed, enforced, lender_paid, judged = Script("L-perf"), Script("L-enf"), Script("L-lender"), Script("L-judged")
    refused = Script("L-refused")
    now = clock.now()
    events = [performed.opened(now, due=date(2025, 3, 1)),
              performed.escalated(now, "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING"),
              enforced.opened(now),
              enforced.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 900_000}, now, "enforcement"),
              refused.opened(now),
              refused.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 900_000}, now, "enforcement"),
              lender_paid.opened(now), lender_paid.closed(now, "LENDER_PAID_IN_FULL", "PEOPLES_MEDIATION"),
              judged.opened(now),
              judged.event("JudgmentPerformed", {"reason": "PAID_IN_FULL", "paid_cents": 900_000, "stage": "JUDGMENT"}, now,
                           "enforcement")]
    for e in events:
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    stray = Script("L-never-opened").escalated(now, "CREDIT_REPAIR", "PLAN_COMPLETED")
    pub.send("case.events", stray["case_id"], "CaseEvent", stray)
    pub.flush()

    ours = lambda e: e["producer"] == "repair"  # noqa: E731
    for case, answer in ((enforced, "RequiredNoticeDelivered"), (refused, "RequiredNoticeFailed")):
        (plan,) = wait_for_events(broker, codec, lambda e, c=case: ours(e) and e["case_id"] == c.case_id, 1)
        pub.send("case.events", plan["case_id"], "CaseEvent", notify_answers(plan, answer, clock.now()))
    pub.flush()
    pub.close()
    done = wait_for_events(broker, codec, lambda e: ours(e) and e["case_id"] == performed.case_id, 3)
    assert [e["type"] for e in done] == ["CreditRepairRequested", "CreditRepairDone", "NegativeRecordCorrected"]
    assert done[2]["event"]["reason"] == "PBOC_ONE_OFF", "9,000 CNY overdue since 2025, repaid in March 2026"
    requested = done[0]["event"]
    assert requested["reason"] == "PLAN_COMPLETED"
    assert requested["pboc_one_off_applies"] is True
    assert requested["negative_record_expires"].year == requested["behaviour_end_date"].year + 5
    assert requested["due_by"].weekday() < 5 and requested["due_by"] > requested["behaviour_end_date"]
    assert done[1]["event"]["done_on"] <= requested["due_by"]
    repaired = wait_for_events(broker, codec, lambda e: ours(e) and e["case_id"] == judged.case_id, 3)
    assert [e["type"] for e in repaired][:2] == ["CreditRepairRequested", "CreditRepairDone"]
    assert repaired[0]["event"]["reason"] == "PAID_IN_FULL", "enforcement's JudgmentPerformed starts credit repair"

    report = wait_for_events(broker, codec, lambda e: ours(e) and e["case_id"] == enforced.case_id, 2, timeout=60)
    assert [e["type"] for e in report] == ["NegativeReportPlanned", "NegativeReportFiled"]
    assert report[1]["event"]["reported_on"] > report[0]["event"]["report_after"], "reported only after the notice period"
    assert report[1]["event"]["notice_ref"] == report[0]["event_id"]
    assert china_date(report[1]["occurred_at"]) == report[1]["event"]["reported_on"]
    withheld = wait_for_events(broker, codec, lambda e: ours(e) and e["case_id"] == refused.case_id, 2)
    assert [e["type"] for e in withheld] == ["NegativeReportPlanned", "NegativeReportWithheld"]
    assert withheld[1]["event"]["reason"] == "NOTICE_SUPPRESSED"

    everything = [e for _, e in read_topic(broker, "case.events", codec, idle=1) if ours(e)]
    assert not [e for e in everything if e["case_id"] == lender_paid.case_id], "a lender's paid-in-full is not repair"
    assert "CaseClosed" not in {e["type"] for e in everything}, "objections closes cases, not repair"
    dead = [d for _, d in read_topic(broker, "repair.dlq", codec, until=1)]
    assert [d["error_type"] for d in dead] == ["UnknownCase"]
