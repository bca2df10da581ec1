"""Forged records on a real Tansu broker (issue 22): anyone can reach the dev broker, but a record an outside
party did not sign is refused. One stack (intake, mediation, objections) for every attack:

1. cases opened as another lender on ``loan.defaults``;
2. another lender's case withdrawn on ``lender.updates``;
3. a rogue mediator added on ``mediation.roster``;
4. a case escalated with a forged outcome on ``mediation.outcomes`` under a real mediator's id.

Each is tried with an unsigned producer and with a record signed by a real key of the wrong party; each is
dead-lettered with its reason and not acted on, while the properly signed records of the same run are."""
from __future__ import annotations

import json
import time

import pytest

from remedy.contract.codec import Codec
from remedy.contract.signers import Unsigned
from remedy.contract.signing import dev_key
from remedy.kernel.clock import ScaledClock, parse_instant
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from sim.defaults import batch
from tests.broker.funnel_helpers import CaseLog, opened, other_event, outcome, plan
from tests.conftest import metric_value, read_topic, wait_for_metric
from tests.stage_scripts import Script

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("forged-records")]  # one stack, on one test worker
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 600.0
SERVICES = ("intake", "mediation", "objections")


def roster_update(mediator: str, capacity: int, now) -> dict:
    return {"mediator_id": mediator, "tier": "PEOPLES", "designated_by": "MC-350502", "regions": ["*"],
            "modes": ["PHONE"], "daily_capacity": capacity, "active": True, "updated_at": now}


def withdrawal(script: Script, lender: str, update_id: str, now) -> dict:
    return {"update_id": update_id, "case_id": script.case_id, "lender_id": lender, "kind": "WITHDRAWN",
            "amount_cents": 0, "note": "", "reported_at": now}


def default(loan_id: str, now) -> dict:
    (d,), _ = batch("LENDER-A", f"B-{loan_id}", 1, 0, now)
    return {**d, "loan_id": loan_id}


def start(tmp, bootstrap: str, env: dict) -> dict[str, ServiceProcess]:
    procs = {}
    for name in SERVICES:
        full = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(tmp / name),
                f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}
        procs[name] = ServiceProcess(name, full, tmp / "logs").start()
        procs[name].port = int(full[f"REMEDY_{name.upper()}_PORT"])
    for proc in procs.values():
        proc.wait_ready()
    return procs


def attack(bootstrap: str, codec: Codec, clock: ScaledClock, log: CaseLog, objections: ServiceProcess) -> dict:
    """Every forged record first, then the signed ones; returns what the tests look at."""
    honest, unsigned = Publisher(bootstrap, codec), Publisher(bootstrap, codec, signer=Unsigned())
    lender_b, rogue_mediator = (Publisher(bootstrap, codec, signer=dev_key(kind, who))
                                for kind, who in (("lender", "LENDER-B"), ("mediator", "PM-ROGUE")))
    mediator_roster = Publisher(bootstrap, codec, signer=dev_key("mediator", "PM-GOOD"))
    now = clock.now()
    # 3. the roster: a rogue mediator, unsigned and signed by a lender or by a mediator; then the bureau's own
    unsigned.send("mediation.roster", "PM-ROGUE", "RosterUpdate", roster_update("PM-ROGUE", 1000, now))
    lender_b.send("mediation.roster", "PM-ROGUE2", "RosterUpdate", roster_update("PM-ROGUE2", 1000, now))
    mediator_roster.send("mediation.roster", "PM-ROGUE3", "RosterUpdate", roster_update("PM-ROGUE3", 1000, now))
    honest.send("mediation.roster", "PM-GOOD", "RosterUpdate", roster_update("PM-GOOD", 5, now))
    # 1. defaults: as LENDER-A, unsigned and signed by LENDER-B; then LENDER-A's own
    unsigned.send("loan.defaults", "LENDER-A:F-UNSIGNED", "LoanDefault", default("F-UNSIGNED", now))
    lender_b.send("loan.defaults", "LENDER-A:F-BY-B", "LoanDefault", default("F-BY-B", now))
    honest.send("loan.defaults", "LENDER-A:OK-1", "LoanDefault", default("OK-1", now))
    # 2. (their cases first) and 4. a case for mediation, assigned once the roster holds PM-GOOD
    x, y = Script("W-X", "LENDER-A"), Script("W-Y", "LENDER-A")
    for s in (x, y):
        for e in (s.opened(now), s.triaged(now)):
            honest.send("case.events", s.case_id, "CaseEvent", e)
    case = opened("LENDER-A", "M-V", "Dv", now)
    honest.send("case.events", case["case_id"], "CaseEvent", case)
    honest.send("case.events", case["case_id"], "CaseEvent", other_event("triage", "CaseTriaged", {
        "route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": ["DEFAULT_ROUTE"], "score": 600,
        "mediation_centre": "MC-350502", "court": "CT-350502", "cross_region": False}, case["case_id"], "LENDER-A",
        now, case["event_id"]))
    for p in (honest, unsigned, lender_b, rogue_mediator, mediator_roster):
        p.flush()
    session = log.wait(case["case_id"], "SessionScheduled", timeout=60)["event"]
    wait_for_metric(objections, "remedy_objections_consumed_total", 6)   # it knows the cases before their updates
    cid, later = case["case_id"], clock.now()
    # 2. withdrawals of LENDER-A's case X; LENDER-A's own withdrawal of case Y
    unsigned.send("lender.updates", x.case_id, "LenderUpdate", withdrawal(x, "LENDER-A", "U-FORGED-1", later))
    lender_b.send("lender.updates", x.case_id, "LenderUpdate", withdrawal(x, "LENDER-A", "U-FORGED-2", later))
    honest.send("lender.updates", y.case_id, "LenderUpdate", withdrawal(y, "LENDER-A", "U-OK", later))
    unsigned.send("mediation.outcomes", cid, "MediationOutcome", outcome(cid, "PM-GOOD", "PEOPLES", "FAILED", later, oid="O-F1"))
    rogue_mediator.send("mediation.outcomes", cid, "MediationOutcome",
                        outcome(cid, "PM-GOOD", "PEOPLES", "FAILED", later, oid="O-F2"))
    honest.send("mediation.outcomes", cid, "MediationOutcome",
                outcome(cid, "PM-GOOD", "PEOPLES", "SETTLED", later, plan([100_000], later.date()), oid="O-OK"))
    for p in (honest, unsigned, lender_b, rogue_mediator, mediator_roster):
        p.flush()
        p.close()
    return {"x": x, "y": y, "mediated": cid, "session": session}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("forged")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    bootstrap = f"127.0.0.1:{port}"
    codec, procs = Codec(REPO_ROOT / "schemas"), {}
    try:
        provision(bootstrap)
        roster = tmp / "roster.json"
        roster.write_text(json.dumps({"mediators": []}))
        anchor = time.time()
        env = dict(REMEDY_CLOCK_EPOCH=EPOCH, REMEDY_CLOCK_SCALE=str(SCALE), REMEDY_CLOCK_ANCHOR=str(anchor),
                   REMEDY_MEDIATION_ROSTER_PATH=str(roster), REMEDY_MEDIATION_SWEEP_SECONDS="0.5")
        procs = start(tmp, bootstrap, env)
        log = CaseLog(bootstrap, codec)
        out = attack(bootstrap, codec, ScaledClock(parse_instant(EPOCH), anchor, SCALE), log, procs["objections"])
        log.wait(out["mediated"], "ConfirmationRequested")   # the signed outcome, after the forged ones
        log.wait(out["y"].case_id, "CaseClosed")
        log.wait(out["x"].case_id, "CaseOpened")
        out["dead"] = {name: [d for _, d in read_topic(bootstrap, f"{name}.dlq", codec, until=n, timeout=60, idle=1)]
                       for name, n in (("intake", 2), ("objections", 2), ("mediation", 5))}
        out["refused"] = {name: metric_value(proc.port, f"remedy_{name}_records_refused_total") for name, proc in procs.items()}
        log.poll()
        out["log"] = log
        yield out
        log.close()
    finally:
        for proc in procs.values():
            proc.stop()
        tansu.kill()
        tansu.wait(10)


def reasons(letters: list[dict], topic: str) -> list[str]:
    return sorted(d["error"].split(":")[0] for d in letters if d["source_topic"] == topic)


def test_defaults_as_another_lender_open_no_case(run):
    assert reasons(run["dead"]["intake"], "loan.defaults") == ["SIGNER_MISMATCH", "UNSIGNED"]
    assert all(d["value"] is None and d["error_type"] == "Refused" for d in run["dead"]["intake"]), "personal data kept out"
    loans = {e["event"]["facts"]["loan_id"] for events in run["log"].by_case.values() for e in events
             if e["type"] == "CaseOpened"}
    assert loans & {"F-UNSIGNED", "F-BY-B", "OK-1"} == {"OK-1"}


def test_another_lenders_withdrawal_does_not_close_the_case(run):
    assert reasons(run["dead"]["objections"], "lender.updates") == ["SIGNER_MISMATCH", "UNSIGNED"]
    assert "CaseClosed" not in run["log"].types(run["x"].case_id)
    assert run["log"].types(run["y"].case_id)[-2:] == ["CaseWithdrawn", "CaseClosed"]


def test_a_rogue_mediator_is_never_on_the_roster(run):
    assert reasons(run["dead"]["mediation"], "mediation.roster") == ["SIGNER_MISMATCH", "SIGNER_MISMATCH", "UNSIGNED"]
    assigned = [e["event"]["mediator_id"] for events in run["log"].by_case.values() for e in events
                if e["type"] == "MediatorAssigned"]
    assert assigned == ["PM-GOOD"] and run["session"]["mediator_id"] == "PM-GOOD"


def test_a_forged_outcome_under_a_real_mediators_id_does_not_escalate(run):
    assert reasons(run["dead"]["mediation"], "mediation.outcomes") == ["SIGNER_MISMATCH", "UNSIGNED"]
    types = run["log"].types(run["mediated"])
    assert "CaseEscalated" not in types and "MediationFailed" not in types
    assert "ConfirmationRequested" in types, "the mediator's own signed outcome was acted on"
    assert run["refused"] == {"intake": 2, "mediation": 5, "objections": 2}
