"""Issue 21 on a real Tansu broker, mediation and enforcement workers on a fast clock (ten simulated days a
second): a missed relief plan is sued on, never enforced (docs/rules.md M11); a terminated enforcement
(终本) is resumed by a payment, once, and performed by paying the rest (E4, E7)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from remedy.kernel.clock import china_date
from remedy.runtime.publish import Publisher
from tests.stage_scripts import Script, SimClock, utc, wait_for_events

pytestmark = pytest.mark.broker


def test_missed_relief_goes_to_court_and_a_terminated_enforcement_resumes(broker, services, codec):
    clock = SimClock(utc(2026, 5, 4, 2), 864_000)
    env = {**clock.env(), "REMEDY_MEDIATION_SWEEP_SECONDS": "0.25", "REMEDY_ENFORCEMENT_SWEEP_SECONDS": "0.25"}
    services("mediation", **env)
    services("enforcement", **env)
    pub = Publisher(broker, codec)
    relief, listed = Script("L-relief"), Script("L-listed")

    def send(topic, schema, record):
        pub.send(topic, record["case_id"], schema, record)
        pub.flush()

    now = clock.now()
    for e in (relief.opened(now), relief.triaged(now, route="RELIEF"), listed.opened(now),
              listed.escalated(now, "LITIGATION", "COURT_MEDIATION_FAILED")):
        send("case.events", "CaseEvent", e)
    of = lambda s, kind: lambda e: e["case_id"] == s.case_id and e["type"] == kind   # noqa: E731
    wait_for_events(broker, codec, of(listed, "LitigationFiled"), 1)
    send("court.decisions", "CourtDecision", listed.court("FILING_ACCEPTED", clock.now()))
    send("court.decisions", "CourtDecision", listed.court("JUDGMENT", clock.now(), awarded_cents=850_000,
                                                          performance_due=china_date(clock.now()) + timedelta(days=3)))
    wait_for_events(broker, codec, of(listed, "EnforcementApplied"), 1)
    send("court.decisions", "CourtDecision", listed.court("ENFORCEMENT_RESULT", clock.now(),
                                                          enforcement_result="TERMINATED_NO_ASSETS", recovered_cents=0))
    wait_for_events(broker, codec, of(listed, "DishonestListProposed"), 1)
    part = listed.payment("P-part", 300_000, clock.now())
    send("payments", "Payment", part)
    send("payments", "Payment", part)     # redelivered: resumes nothing again
    (resumed,) = wait_for_events(broker, codec, of(listed, "EnforcementResumed"), 1)
    assert resumed["event"] == {"court": "C350502", "reason": "PAYMENT_RECEIVED", "outstanding_cents": 550_000}
    send("payments", "Payment", listed.payment("P-rest", 550_000, clock.now()))
    (performed,) = wait_for_events(broker, codec, of(listed, "JudgmentPerformed"), 1)
    assert performed["event"] == {"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "ENFORCEMENT"}

    (withdrawn,) = wait_for_events(broker, codec, of(relief, "CaseEscalated"), 1, timeout=60)
    assert withdrawn["event"] == {"from_stage": "PERFORMING", "to_stage": "LITIGATION", "reason": "RELIEF_PLAN_DEFAULTED"}
    (filed,) = wait_for_events(broker, codec, of(relief, "LitigationFiled"), 1)
    assert filed["event"]["claim_cents"] == 900_000, "the whole claim goes to court"
    pub.close()
    kinds = [e["type"] for e in wait_for_events(broker, codec, lambda e: e["case_id"] in (relief.case_id, listed.case_id), 1)]
    assert kinds.count("EnforcementResumed") == 1 and "EnforcementApplied" in kinds, kinds
    assert kinds.count("EnforcementApplied") == 1, "the relief case was never enforced"
