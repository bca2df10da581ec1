"""mediation against a real Tansu broker: the roster, the queue (kept through a SIGKILL), a settled case
through confirmation and its plan to credit repair, and bad inputs dead-lettered."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from remedy.kernel.clock import ScaledClock, parse_instant
from remedy.runtime.publish import Publisher
from tests.broker.funnel_helpers import CaseLog, decision, opened, other_event, outcome, payment, plan
from tests.conftest import metric_value, read_topic, wait_for_metric

pytestmark = pytest.mark.broker
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 600.0                          # ten simulated minutes a second: a 30-day tier outlasts the test


def triaged(e: dict, now, route="PEOPLES_MEDIATION") -> dict:
    return other_event("triage", "CaseTriaged", {"route": route, "rule_version": "v1", "reason_codes": ["DEFAULT_ROUTE"],
                                                 "score": 600, "mediation_centre": "MC-350502", "court": "CT-350502",
                                                 "cross_region": False}, e["case_id"], e["lender_id"], now, e["event_id"])


def test_queue_roster_settlement_confirmation_and_instalments(broker, services, codec, tmp_path):
    anchor = time.time()
    clock = ScaledClock(parse_instant(EPOCH), anchor, SCALE)
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps({"mediators": [
        {"mediator_id": "PM-1", "tier": "PEOPLES", "regions": ["3505"], "modes": ["PHONE"], "daily_capacity": 1}]}))
    env = dict(REMEDY_CLOCK_EPOCH=EPOCH, REMEDY_CLOCK_SCALE=str(SCALE), REMEDY_CLOCK_ANCHOR=str(anchor),
               REMEDY_MEDIATION_ROSTER_PATH=str(roster), REMEDY_MEDIATION_SWEEP_SECONDS="0.5")
    med = services("mediation", **env)
    pub = Publisher(broker, codec)
    log = CaseLog(broker, codec)
    now = clock.now()
    a, b = opened("L1", "A", "Da", now), opened("L1", "B", "Db", now)
    for e in (a, b):
        pub.send("case.events", e["case_id"], "CaseEvent", e)
        pub.send("case.events", e["case_id"], "CaseEvent", triaged(e, now))
    pub.flush()

    # One mediator with capacity 1: one case is assigned, the other waits in the queue.
    wait_for_metric(med, "remedy_mediation_assigned_total", 1)
    wait_for_metric(med, "remedy_mediation_queue_length", 1)
    while not any("MediatorAssigned" in log.types(e["case_id"]) for e in (a, b)):
        log.poll()
    first = next(e for e in (a, b) if "MediatorAssigned" in log.types(e["case_id"]))
    second = b if first is a else a
    session = log.wait(first["case_id"], "SessionScheduled")["event"]
    china_hour = (session["scheduled_at"].hour + 8) % 24
    assert session["mediator_id"] == "PM-1" and 9 <= china_hour < 18

    # The queue is in the desk's table, not the worker's heap: killed and restarted, the worker still has it.
    time.sleep(3)  # past a commit of the inputs
    med.kill()
    med = services("mediation", **env)
    wait_for_metric(med, "remedy_mediation_queue_length", 1)

    # The judicial authority designates another mediator at run time: the queue drains.
    pub.send("mediation.roster", "PM-2", "RosterUpdate", {
        "mediator_id": "PM-2", "tier": "PEOPLES", "designated_by": "MC-350502", "regions": ["*"], "modes": ["VIDEO"],
        "daily_capacity": 5, "active": True, "updated_at": clock.now()})
    pub.flush()
    assigned = log.wait(second["case_id"], "MediatorAssigned")["event"]
    assert assigned["mediator_id"] == "PM-2" and assigned["queue_wait_ms"] > 0
    wait_for_metric(med, "remedy_mediation_assigned_total", 1)   # by the restarted worker
    assert metric_value(med.port, "remedy_mediation_queue_length") == 0

    # Settle, confirm, pay in two instalments → credit repair.
    cid = first["case_id"]
    today = clock.now().date()
    pub.send("mediation.outcomes", cid, "MediationOutcome",
             outcome(cid, "PM-1", "PEOPLES", "SETTLED", clock.now(), plan([70_000, 30_000], today + timedelta(days=60))))
    pub.flush()
    log.wait(cid, "ConfirmationRequested")
    pub.send("court.decisions", cid, "CourtDecision", decision(cid, "JUDGMENT", clock.now()))     # enforcement's: skipped
    pub.send("court.decisions", cid, "CourtDecision", decision(cid, "CONFIRMATION_GRANTED", clock.now()))
    pub.flush()
    log.wait(cid, "ConfirmationGranted")
    for ref, amount in (("P1", 70_000), ("P1", 70_000), ("P2", 30_000)):   # P1 redelivered
        pub.send("payments", cid, "Payment", payment(cid, ref, amount, clock.now()))
    pub.flush()
    done = log.wait(cid, "CaseEscalated")
    assert done["event"] == {"from_stage": "PERFORMING", "to_stage": "CREDIT_REPAIR", "reason": "PLAN_COMPLETED"}
    assert [e["event"]["seq"] for e in log.by_case[cid] if e["type"] == "InstalmentPaid"] == [1, 2]

    # Impossible inputs go to the dead-letter topic with a reason; enforcement's decision does not.
    pub.send("payments", "C-nobody", "Payment", payment("C-nobody", "P9", 100, clock.now()))
    pub.send("mediation.outcomes", second["case_id"], "MediationOutcome",
             outcome(second["case_id"], "PM-1", "PEOPLES", "FAILED", clock.now()))   # PM-1 has no session there
    pub.send_raw("mediation.outcomes", b"junk", b"\xc3\x01garbage")
    pub.flush()
    dead = [d for _, d in read_topic(broker, "mediation.dlq", codec, until=3, timeout=60)]
    assert sorted(d["error_type"] for d in dead) == ["CorruptMessage", "OutcomeWithoutSession", "UnknownCase"]
    assert all(d["source_topic"] != "court.decisions" for d in dead)
    assert metric_value(med.port, "remedy_mediation_skipped_total") >= 1
    pub.close()
    log.close()
