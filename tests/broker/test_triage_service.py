"""triage against a real Tansu broker: each route, each rejection, a debtor's earlier failure, an
early withdrawal, redelivery, and garbage dead-lettered."""
from __future__ import annotations

import json
import time
import urllib.request
from datetime import date

import pytest

from remedy.runtime.publish import Publisher
from sim.defaults import utc
from tests.broker.funnel_helpers import CaseLog, opened, other_event
from tests.conftest import read_topic, wait_for_metric

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}


def test_triage_routes_rejects_and_remembers_a_debtors_failure(broker, services, codec):
    triage = services("triage", **CLOCK)
    pub = Publisher(broker, codec)
    log = CaseLog(broker, codec)
    ordinary = opened("L1", "ordinary", "D1", NOW)
    big = opened("L1", "big", "D2", NOW, principal=6_000_000)
    barred = opened("L1", "barred", "D3", NOW, due=date(2023, 1, 5))
    student = opened("L1", "student", "D4", NOW, is_student=True)
    withdrawn = opened("L1", "withdrawn", "D5", NOW)
    withdrawal = other_event("objections", "CaseWithdrawn", {"reason": "paid directly"}, withdrawn["case_id"], "L1", NOW)
    for e in (ordinary, big, barred, student, withdrawal, withdrawn, ordinary):   # ordinary redelivered
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.send_raw("case.events", b"junk", b"\xc3\x01" + b"\x00" * 12)
    pub.flush()

    got = {name: log.wait(e["case_id"], t) for name, e, t in (
        ("ordinary", ordinary, "CaseTriaged"), ("big", big, "CaseTriaged"), ("barred", barred, "CaseRejected"),
        ("student", student, "CaseTriaged"), ("withdrawn", withdrawn, "CaseRejected"))}
    assert got["ordinary"]["event"]["route"] == "PEOPLES_MEDIATION"
    assert got["big"]["event"]["route"] == "COURT_MEDIATION"
    assert "ABOVE_COURT_THRESHOLD" in got["big"]["event"]["reason_codes"]
    assert got["barred"]["event"]["reason_codes"] == ["TIME_BARRED"]
    assert got["student"]["event"]["route"] == "RELIEF"
    assert got["withdrawn"]["event"]["reason_codes"] == ["LENDER_WITHDREW"]
    for e in got.values():
        assert e["producer"] == "triage" and e["event"]["rule_version"] == "triage-rules-v1"
    assert got["ordinary"]["causation_id"] == ordinary["event_id"]
    assert got["ordinary"]["event"]["court"] == "CT-350502"

    # The ordinary case's mediation fails; the same debtor's next case goes straight to court mediation.
    failed = other_event("mediation", "MediationFailed", {"tier": "PEOPLES", "reason": "FAILED"},
                         ordinary["case_id"], "L1", NOW)
    pub.send("case.events", failed["case_id"], "CaseEvent", failed)
    pub.flush()
    wait_for_metric(triage, 'remedy_triage_case_events_total{outcome="failure_noted"}', 1)
    again = opened("L2", "again", "D1", NOW)
    pub.send("case.events", again["case_id"], "CaseEvent", again)
    pub.flush()
    second = log.wait(again["case_id"], "CaseTriaged")["event"]
    assert second["route"] == "COURT_MEDIATION" and "PRIOR_MEDIATION_FAILED" in second["reason_codes"]

    log.poll()
    decisions = [e for es in log.by_case.values() for e in es if e["producer"] == "triage"]
    assert len(decisions) == 6, "one decision per case, redelivery adds nothing"
    (dead,) = [d for _, d in read_topic(broker, "triage.dlq", codec, until=1)]
    assert dead["error_type"] == "UnknownFingerprint"
    # What `remedy run`'s pacer reads: per input topic, the records not handled yet; none by now.
    deadline, waiting = time.monotonic() + 20, {}
    while time.monotonic() < deadline and waiting.get("case.events") != 0:
        with urllib.request.urlopen(f"http://127.0.0.1:{triage.port}/records-waiting", timeout=5) as resp:
            waiting = json.loads(resp.read())
        time.sleep(0.3)
    assert waiting["case.events"] == 0 and waiting["triage.by-debtor"] == 0
    pub.close()
    log.close()
