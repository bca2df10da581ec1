"""objections against a real Tansu broker: scripted case.events, debtor.requests and lender.updates in,
holds, resolutions, overdue answers, hardship claims, complaints and closures out — including the closes other
stages call for (credit repair done, enforcement terminated) — on a scaled clock (one simulated day per two seconds)."""
from __future__ import annotations

from datetime import date

import pytest

from remedy.runtime.publish import Publisher
from tests.conftest import read_topic, wait_for_metric
from tests.stage_scripts import Script, SimClock, utc, wait_for_events

pytestmark = pytest.mark.broker


def test_objections_holds_hardship_complaints_lender_stops_and_closes(broker, services, codec):
    clock = SimClock(utc(2026, 5, 4, 2), 43_200)
    proc = services("objections", REMEDY_OBJECTIONS_ANSWER_DAYS="2", REMEDY_OBJECTIONS_COMPLAINT_LENDER_DAYS="3",
                    **clock.env())
    pub = Publisher(broker, codec)
    slow, upheld, withdrawn, hardship = Script("L-slow"), Script("L-upheld"), Script("L-withdrawn"), Script("L-hard")
    now = clock.now()
    for s in (slow, upheld, withdrawn, hardship):
        for e in (s.opened(now), s.triaged(now),
                  s.event("MediatorAssigned", {"tier": "COURT", "mediator_id": "M1", "queue_wait_ms": 0}, now, "mediation")):
            pub.send("case.events", s.case_id, "CaseEvent", e)
    repaired, terminated = Script("L-repaired"), Script("L-terminated")
    for e in (repaired.opened(now),
              repaired.event("CreditRepairDone", {"done_on": date(2026, 5, 5), "removed_from_dishonest_list": False}, now, "repair"),
              terminated.opened(now),
              terminated.event("JudgmentEntered", {"court": "C1", "court_case_no": "N1", "awarded_cents": 850_000,
                                                   "performance_due": date(2026, 6, 1)}, now, "enforcement"),
              terminated.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 850_000}, now, "enforcement"),
              terminated.event("EnforcementConcluded", {"result": "TERMINATED_NO_ASSETS", "recovered_cents": 50_000,
                                                        "outstanding_cents": 800_000}, now, "enforcement")):
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.flush()
    wait_for_metric(proc, "remedy_objections_consumed_total", 18)  # the case log first, as in the funnel
    for s in (slow, upheld):
        pub.send("debtor.requests", s.case_id, "DebtorRequest", s.request("OBJECTION", now, f"OBJ-{s.loan_id}", ground="WRONG_AMOUNT"))
    pub.send("debtor.requests", hardship.case_id, "DebtorRequest", hardship.request("HARDSHIP_CLAIM", now, hardship_kinds=["unemployed"]))
    pub.send("debtor.requests", hardship.case_id, "DebtorRequest", hardship.request("COMPLAINT", now, "CMP-1", category="FEES_AND_CHARGES"))
    pub.send("lender.updates", withdrawn.case_id, "LenderUpdate", withdrawn.lender_update("WITHDRAWN", now, "U-1"))
    pub.send("lender.updates", withdrawn.case_id, "LenderUpdate", withdrawn.lender_update("WITHDRAWN", now, "U-1"))  # again
    pub.send("debtor.requests", "C-nobody", "DebtorRequest", {**slow.request("OBJECTION", now, ground="OTHER"), "case_id": "C-nobody"})
    pub.flush()

    ours = lambda e: e["producer"] == "objections"  # noqa: E731
    held = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "CaseHeld", 2)
    assert {e["event"]["stage"] for e in held} == {"COURT_MEDIATION"}
    overdue = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "ObjectionOverdue", 2, timeout=60)
    assert {e["event"]["objection_id"] for e in overdue} == {"OBJ-L-slow", "OBJ-L-upheld"}
    wait_for_metric(proc, "remedy_objections_overdue_total", 2)
    wait_for_metric(proc, 'remedy_objections_stage_backlog{stage="ON_HOLD"}', 2)  # both held cases, on /metrics

    later = clock.now()
    pub.send("debtor.requests", slow.case_id, "DebtorRequest",
             slow.request("OBJECTION_DECISION", later, objection_id="OBJ-L-slow", decision="DISMISSED"))
    pub.send("debtor.requests", upheld.case_id, "DebtorRequest",
             upheld.request("OBJECTION_DECISION", later, objection_id="OBJ-L-upheld", decision="UPHELD_CLOSE"))
    pub.flush()
    pub.close()
    closed = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "CaseClosed", 3)
    assert {e["case_id"]: e["event"]["reason"] for e in closed} == {upheld.case_id: "OBJECTION_UPHELD",
                                                                    withdrawn.case_id: "WITHDRAWN",
                                                                    repaired.case_id: "CREDIT_REPAIRED"}, \
        "a terminated enforcement (终本) stays open: resumable (docs/rules.md E4)"
    recovered = {e["case_id"]: e["event"]["recovered_cents"] for e in closed}
    assert recovered[repaired.case_id] == 900_000
    (released,) = wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "CaseReleased", 1)
    assert released["case_id"] == slow.case_id and released["event"]["stage"] == "COURT_MEDIATION"
    assert released["event"]["held_ms"] >= 2 * 86_400_000, "held at least through the overdue answer date"

    wait_for_events(broker, codec, lambda e: ours(e) and e["type"] == "ComplaintOverdue", 1, timeout=60)  # 3 days
    everything = [e for _, e in read_topic(broker, "case.events", codec, idle=1) if ours(e)]
    by_case = {}
    for e in everything:
        by_case.setdefault(e["case_id"], []).append(e["type"])
    assert by_case[withdrawn.case_id] == ["CaseWithdrawn", "CaseClosed"], "a redelivered withdrawal changes nothing"
    assert sorted(by_case[hardship.case_id]) == ["ComplaintOverdue", "ComplaintRouted", "HardshipClaimed"]
    assert by_case[repaired.case_id] == ["CaseClosed"], "closed once"
    assert terminated.case_id not in by_case, "nothing closes a terminated enforcement"
    routed = [e["event"] for e in everything if e["type"] == "ComplaintRouted"]
    assert [(r["complaint_id"], r["department_id"]) for r in routed] == [("CMP-1", "DEPT-LENDER-" + hardship.lender_id)]
    claims = [e["event"] for e in everything if e["type"] == "HardshipClaimed"]
    assert [(c["hardship_kinds"], c["stage"]) for c in claims] == [(["unemployed"], "COURT_MEDIATION")]
    assert "CaseEscalated" not in {e["type"] for e in everything}, "mediation decides on relief"
    dead = [d for _, d in read_topic(broker, "objections.dlq", codec, until=1)]
    assert [d["error_type"] for d in dead] == ["UnknownCase"]
