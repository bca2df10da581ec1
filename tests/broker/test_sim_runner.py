"""The simulator (``python -m sim``) against a real Tansu: scripted CaseEvents in, the outside world's records out."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from remedy.runtime.broker import free_port
from remedy.kernel.events import case_event
from remedy.ops.procs import ServiceProcess
from remedy.runtime.publish import Publisher
from sim.defaults import utc
from sim.world import WorldConfig, on_event, rng_for
from tests.conftest import read_topic

pytestmark = pytest.mark.broker
T0 = utc(2026, 11, 2, 1)          # Monday 09:00 in China
SCALE = 43_200                    # half a simulated day per real second
SEED = 77
RATES = {"REMEDY_SIM_PEOPLES_SETTLE_RATE": "1.0", "REMEDY_SIM_COURT_SETTLE_RATE": "0.0", "REMEDY_SIM_EXTEND_RATE": "0",
         "REMEDY_SIM_CONFIRMATION_GRANT_RATE": "1.0", "REMEDY_SIM_CONFIRM_DAYS": "1,2",
         "REMEDY_SIM_FILING_ACCEPT_RATE": "1.0", "REMEDY_SIM_FILING_DAYS": "1,2", "REMEDY_SIM_PAY_ON_TIME_RATE": "1.0",
         "REMEDY_SIM_REVIEW_DAYS": "1,2", "REMEDY_SIM_REVIEW_OVERDUE_RATE": "0"}
FACTS = {"loan_id": "L1", "batch_id": "B1", "debtor_ref": "D1", "region_code": "350502", "lender_region_code": "350502",
         "product": "consumer_loan", "principal_cents": 1_000_000, "interest_cents": 100_000, "penalty_cents": 20_000,
         "contract_date": date(2024, 1, 5), "due_date": date(2025, 1, 5), "last_payment_date": None,
         "agreed_jurisdiction": None, "hardship": {}, "birth_year": 1990, "evidence": [],
         "sealed_contact": b"\x00" * 40, "content_hash": "h"}


def script(case: str, *steps: tuple[str, dict, str]) -> list[dict]:
    """CaseEvents for one case: CaseOpened, then (type, body, producer) each an hour apart."""
    out = [case_event("intake", "CaseOpened", {"facts": FACTS}, case_id=case, lender_id="LENDER-A",
                      causation_id=f"loan.defaults/0/{case}", now=T0)]
    for n, (type_, body, producer) in enumerate(steps, 1):
        out.append(case_event(producer, type_, body, case_id=case, lender_id="LENDER-A", causation_id=f"{case}/{n}",
                              now=T0 + timedelta(hours=n), discriminator=str(n)))
    return out


def session_steps(at) -> list[tuple[str, dict, str]]:
    return [("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "M7", "queue_wait_ms": 0}, "mediation"),
            ("SessionScheduled", {"tier": "PEOPLES", "mediator_id": "M7", "mode": "PHONE", "scheduled_at": at,
                                  "location": None, "video_link": None}, "mediation")]


def test_simulator_answers_scripted_case_events_on_the_outside_world_topics(broker, codec, tmp_path):
    held = {"reason": "OBJECTION", "objection_id": "OB-F", "stage": "PEOPLES_MEDIATION"}
    before = {  # published before the simulator starts: it catches up from the beginning of case.events
        "A": script("A", *session_steps(T0 + timedelta(hours=4))),
        "B": script("B", ("ConfirmationRequested", {"court": "C350502", "due_by": date(2026, 12, 2)}, "mediation")),
        "C": script("C", ("ConfirmationGranted", {"court": "C350502", "ruling_no": "R1"}, "mediation"),
                    ("InstalmentDue", {"seq": 1, "due_date": date(2026, 11, 5), "amount_cents": 700_000}, "mediation")),
        "D": script("D", ("LitigationFiled", {"court": "C350502", "filing_batch_id": "FB1", "claim_cents": 1_120_000,
                                              "evidence_bundle": []}, "enforcement")),
        "E": script("E", ("ObjectionFiled", {"objection_id": "OB-E", "ground": "WRONG_AMOUNT", "detail": "",
                                             "answer_by": date(2026, 11, 22)}, "objections")),
        "F": script("F", *session_steps(T0 + timedelta(hours=5)), ("CaseHeld", held, "objections")),
        "G": script("G", *session_steps(T0 + timedelta(hours=5)),
                    ("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0},
                     "objections")),
    }
    pub = Publisher(broker, codec)
    for events in before.values():
        for e in events:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.send_raw("case.events", b"junk", b"\xc3\x01 not a case event")
    pub.flush()

    env = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_CLOCK_EPOCH": T0.isoformat(), "REMEDY_CLOCK_SCALE": str(SCALE),
           "REMEDY_CLOCK_ANCHOR": str(time.time()), "REMEDY_SIM_SEED": str(SEED), "REMEDY_SIM_GROUP": f"sim-{free_port()}",
           **RATES}
    sim = ServiceProcess("sim", env, tmp_path / "logs", module="sim").start()
    try:
        sim.wait_ready(60)
        # Live: a session scheduled after the simulator started, and F's hold ends (its outcome was parked).
        live = script("H", *session_steps(T0 + timedelta(days=4)))
        for e in live:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        released = case_event("objections", "CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 3 * 86_400_000},
                              case_id="F", lender_id="LENDER-A", causation_id="F/rel", now=T0 + timedelta(days=3))
        pub.send("case.events", "F", "CaseEvent", released)
        pub.flush()
        pub.close()

        outcomes = {r["case_id"]: r for _, r in read_topic(broker, "mediation.outcomes", codec, until=3, timeout=60)}
        decisions = {r["case_id"]: r for _, r in read_topic(broker, "court.decisions", codec, until=2, timeout=30)}
        payments = [r for _, r in read_topic(broker, "payments", codec, until=1, timeout=30)]
        requests = [r for _, r in read_topic(broker, "debtor.requests", codec, until=1, timeout=30)]
    finally:
        sim.stop()

    assert sorted(outcomes) == ["A", "F", "H"], "G closed before its session; F's outcome waited for the release"
    assert all(o["outcome"] == "SETTLED" and o["mediator_id"] == "M7" and o["tier"] == "PEOPLES" for o in outcomes.values())
    assert outcomes["A"]["recorded_at"] == T0 + timedelta(hours=5), "at the session's end"
    assert outcomes["F"]["recorded_at"] == T0 + timedelta(days=3, hours=6), "held 3 days: the session ran 3 days later"
    assert sum(i["amount_cents"] for i in outcomes["A"]["plan"]["instalments"]) == outcomes["A"]["plan"]["total_cents"]
    assert {c: d["kind"] for c, d in decisions.items()} == {"B": "CONFIRMATION_GRANTED", "D": "FILING_ACCEPTED"}
    assert decisions["D"]["court_case_no"] and decisions["D"]["court"] == "C350502"
    assert [(p["case_id"], p["amount_cents"]) for p in payments] == [("C", 700_000)]
    assert payments[0]["paid_at"].date() <= date(2026, 11, 5)
    assert [(r["case_id"], r["kind"], r["objection_id"]) for r in requests] == [("E", "OBJECTION_DECISION", "OB-E")]

    # Exactly what the pure world decides for these events with this seed: the same ids, amounts and times.
    cfg = WorldConfig.from_env(RATES)
    expected = {}
    for events in [*before.values(), live]:
        view = None
        for e in events:
            e = codec.decode(codec.encode("CaseEvent", e))[1]
            view, actions = on_event(view, e, rng_for(SEED, e["event_id"]), cfg)
            expected.update({a.record["case_id"] + a.topic: codec.decode(codec.encode(a.schema, a.record))[1]
                             for a in actions})
    assert outcomes["A"] == expected["Amediation.outcomes"] and outcomes["H"] == expected["Hmediation.outcomes"]
    assert decisions["B"] == expected["Bcourt.decisions"] and payments[0] == expected["Cpayments"]
    assert requests[0] == expected["Edebtor.requests"]
