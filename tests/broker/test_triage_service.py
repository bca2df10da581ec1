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
V1_HASH = "0c959e6fb3b71a140c24784008f77fa179996797d36c3829e996c9b6066bc481"  # services/triage/rules/rules.lock


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
        assert e["event"]["rule_hash"] == V1_HASH, "every decision names the content of the rules it applied"
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


def test_a_worker_started_on_a_rule_file_edited_in_place_refuses_to_start(tmp_path):
    """v1.json with its floor lowered but its version kept: triage exits before it reads a record, naming the file,
    the version, the locked hash and the file's own hash."""
    import os
    import subprocess
    import sys

    from remedy.kernel.settings import REPO_ROOT
    from services.triage.ruleset import LOCK_PATH, load_rules

    raw = json.loads((REPO_ROOT / "services/triage/rules/v1.json").read_text(encoding="utf-8"))
    tampered = tmp_path / "v1.json"
    tampered.write_text(json.dumps({**raw, "floor_cents": 100}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "REMEDY_TRIAGE_RULES_PATH": str(tampered),
           "REMEDY_KAFKA_BOOTSTRAP": "127.0.0.1:9", "REMEDY_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "services.triage"], env=env, cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    locked = json.loads(LOCK_PATH.read_text(encoding="utf-8"))["triage-rules-v1"]
    assert done.returncode != 0
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith("triage refuses to start: triage rules " + str(tampered)), done.stderr[-2000:]
    assert "version triage-rules-v1" in said and locked in said and load_rules(tampered).hash in said
