"""enforcement against a real Tansu broker: scripted case.events, court.decisions and payments in,
the litigation and enforcement events out, on a scaled clock (one simulated day per two seconds)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from remedy.kernel.clock import china_date
from remedy.runtime.publish import Publisher
from tests.conftest import read_topic
from tests.stage_scripts import Script, SimClock, utc, wait_for_events

pytestmark = pytest.mark.broker


def test_litigation_judgment_enforcement_and_a_defaulted_settlement(broker, services, codec):
    clock = SimClock(utc(2026, 5, 4, 2), 43_200)
    services("enforcement", **clock.env())
    pub = Publisher(broker, codec)
    won, student, settled = Script("L-won"), Script("L-student"), Script("L-settled")

    def case_events(*events):
        for e in events:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        pub.flush()

    now = clock.now()
    for s, kw in ((won, {}), (student, {"student": True})):
        case_events(s.opened(now, **kw), s.triaged(now), s.escalated(now, "LITIGATION", "COURT_MEDIATION_FAILED"))
    case_events(settled.opened(now), settled.event("ConfirmationGranted", {"court": "C350503", "ruling_no": "R1"}, now),
                settled.escalated(now, "ENFORCEMENT", "PLAN_DEFAULTED", "PERFORMING"))
    ours = lambda e: e["producer"] == "enforcement"  # noqa: E731
    first = wait_for_events(broker, codec, ours, 3)
    filings = [e for e in first if e["type"] == "LitigationFiled"]
    filed = {e["case_id"]: e["event"] for e in filings}
    assert set(filed) == {won.case_id, student.case_id}
    # One batch per court per China day of filing. The paced clock runs half a day a second, so the two cases,
    # handled moments apart, may fall either side of midnight: the batch is checked against each filing's own day.
    by_day = {}
    for e in filings:
        by_day.setdefault(china_date(e["occurred_at"]), set()).add(e["event"]["filing_batch_id"])
    court = filed[won.case_id]["court"]
    assert by_day == {day: {f"FB-{court}-{day:%Y%m%d}"} for day in by_day}, "same court, same day: one filing batch"
    assert [x["uri"] for x in filed[won.case_id]["evidence_bundle"]] == ["s3://lender/L-won/contract.pdf",
                                                                         "s3://lender/L-won/statement.pdf"]
    (applied,) = [e for e in first if e["type"] == "EnforcementApplied"]
    assert (applied["case_id"], applied["event"]["basis"]) == (settled.case_id, "CONFIRMED_SETTLEMENT")

    due = china_date(clock.now()) + timedelta(days=3)
    for s in (won, student):
        for decision in (s.court("FILING_ACCEPTED", now), s.court("JUDGMENT", now, awarded_cents=850_000, performance_due=due)):
            pub.send("court.decisions", s.case_id, "CourtDecision", decision)
    pub.send("court.decisions", settled.case_id, "CourtDecision",
             settled.court("ENFORCEMENT_RESULT", now, enforcement_result="RECOVERED_FULL", recovered_cents=900_000))
    pub.send("payments", won.case_id, "Payment", won.payment("P-won", 850_000, now))
    pub.send("payments", won.case_id, "Payment", won.payment("P-won", 850_000, now))  # redelivered: counts once
    pub.send("court.decisions", "C-nobody", "CourtDecision", {**won.court("FILING_ACCEPTED", now), "case_id": "C-nobody"})
    pub.send_raw("payments", b"C-junk", b"\xc3\x01garbage")
    pub.flush()

    (performed,) = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "JudgmentPerformed", 1)
    assert performed["case_id"] == won.case_id
    assert performed["event"] == {"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "JUDGMENT"}, "paid once"
    (recovered,) = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "EnforcementConcluded", 1)
    assert recovered["case_id"] == settled.case_id and recovered["event"]["result"] == "RECOVERED_FULL"
    (enforced,) = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "EnforcementApplied"
                                  and e["case_id"] == student.case_id, 1, timeout=60)
    assert china_date(enforced["occurred_at"]) > due, "enforcement only once the performance period is over"
    assert enforced["event"]["claim_cents"] == 850_000

    pub.send("court.decisions", student.case_id, "CourtDecision",
             student.court("ENFORCEMENT_RESULT", now, enforcement_result="TERMINATED_NO_ASSETS", recovered_cents=0))
    pub.flush()
    pub.close()
    wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "EnforcementConcluded"
                    and e["case_id"] == student.case_id, 1)
    mine = [e for e in wait_for_events(broker, codec, ours, 11) if e["case_id"] == student.case_id]
    assert [e["type"] for e in mine] == ["LitigationFiled", "FilingAccepted", "JudgmentEntered", "EnforcementApplied",
                                         "EnforcementConcluded"], "a student is never proposed for the list"
    assert mine[-1]["event"]["result"] == "TERMINATED_NO_ASSETS"
    assert all(e["causation_id"] for e in mine)
    dead = [d for _, d in read_topic(broker, "enforcement.dlq", codec, until=2)]
    assert sorted(d["error_type"] for d in dead) == ["CorruptMessage", "UnknownCase"]
    everything = [e for _, e in read_topic(broker, "case.events", codec, idle=1) if ours(e)]
    assert len(everything) == len({e["event_id"] for e in everything}) == 11  # 4 won, 5 student, 2 settled
    assert not {"CaseEscalated", "CaseClosed"} & {e["type"] for e in everything}, "mediation escalates, objections closes"
