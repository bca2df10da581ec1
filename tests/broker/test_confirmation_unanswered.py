"""A judicial confirmation the court never answers, against a real Tansu with mediation on a paced clock (the
clock file `remedy run` uses, moved by the test): docs/rules.md M14 and M15. The request is not chased on day
14, is chased on day 15 (``ConfirmationChased``, with its due day), lapses only once its due day has ended
(``ConfirmationLapsed``): the plan goes into force unconfirmed (PERFORMING), and a missed instalment of it goes
to litigation (``UNCONFIRMED_SETTLEMENT_DEFAULTED``), never to enforcement."""
from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from remedy.kernel.clock import ClockFile, china_date
from remedy.kernel.deadlines import end_of_china_day_ms, start_of_china_day_ms
from remedy.runtime.publish import Publisher
from tests.broker.funnel_helpers import CaseLog, opened, other_event, outcome, plan

pytestmark = pytest.mark.broker
START = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)    # 10:00 in China, a Tuesday


class Time:
    """The shared paced clock, held still (rate 0) and moved by the test: every service reads the same instant."""

    def __init__(self, path):
        self.file = ClockFile(path)
        self.set(START)

    def set(self, at: datetime) -> None:
        self.at = at
        self.file.write(at.timestamp() * 1000, time.time(), 0.0)

    def to_ms(self, at_ms: int) -> None:
        self.set(datetime.fromtimestamp(at_ms / 1000, timezone.utc))


def triaged(e: dict, now) -> dict:
    return other_event("triage", "CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [],
                                                 "score": 600, "mediation_centre": "MC-350502", "court": "CT-350502",
                                                 "cross_region": False}, e["case_id"], e["lender_id"], now, e["event_id"])


def quiet(log: CaseLog, cid: str, seconds: float = 4.0) -> list[str]:
    """The case's event types after ``seconds`` more of reading (long past several 0.3 s sweeps)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        log.poll()
    return log.types(cid)


def test_an_unanswered_confirmation_is_chased_on_day_15_lapses_after_its_due_day_and_the_plan_binds_unconfirmed(
        broker, services, codec, tmp_path):
    clock = Time(tmp_path / "clock")
    roster = tmp_path / "roster.json"
    roster.write_text(json.dumps({"mediators": [
        {"mediator_id": "PM-1", "tier": "PEOPLES", "regions": ["3505"], "modes": ["PHONE"], "daily_capacity": 5}]}))
    services("mediation", REMEDY_CLOCK_FILE=str(tmp_path / "clock"), REMEDY_MEDIATION_ROSTER_PATH=str(roster),
             REMEDY_MEDIATION_SWEEP_SECONDS="0.3")
    pub, log = Publisher(broker, codec), CaseLog(broker, codec)
    e = opened("LENDER-A", "L-silent", "D-silent", START)
    cid = e["case_id"]
    for record in (e, triaged(e, START)):
        pub.send("case.events", cid, "CaseEvent", record)
    pub.flush()
    log.wait(cid, "SessionScheduled", timeout=60)
    first_due = date(2027, 2, 1)
    pub.send("mediation.outcomes", cid, "MediationOutcome",
             outcome(cid, "PM-1", "PEOPLES", "SETTLED", clock.at, plan([60_000, 40_000], first_due)))
    pub.flush()
    requested = log.wait(cid, "ConfirmationRequested")
    asked_on = china_date(requested["occurred_at"])
    due_by = requested["event"]["due_by"]
    assert due_by == asked_on + timedelta(days=30)                                   # M5: 30 days

    # Day 14: nothing. Day 15 (its first minute, China time): chased once, naming the due day.
    clock.set(datetime.fromtimestamp(start_of_china_day_ms(asked_on + timedelta(days=15)) / 1000 - 60, timezone.utc))
    assert "ConfirmationChased" not in quiet(log, cid)
    clock.to_ms(start_of_china_day_ms(asked_on + timedelta(days=15)) + 60_000)
    chased = log.wait(cid, "ConfirmationChased", timeout=30)
    assert chased["event"] == {"court": "CT-350502", "due_by": due_by}
    assert chased["causation_id"] == requested["causation_id"]

    # The due day itself: still waiting. Once it has ended: lapsed, and the plan is in force unconfirmed.
    clock.to_ms(end_of_china_day_ms(due_by) - 60_000)
    assert "ConfirmationLapsed" not in quiet(log, cid)
    clock.to_ms(end_of_china_day_ms(due_by) + 60_000)
    lapsed = log.wait(cid, "ConfirmationLapsed", timeout=30)
    assert lapsed["event"] == {"court": "CT-350502", "due_by": due_by}
    types = quiet(log, cid, 2.0)
    assert types.count("ConfirmationChased") == 1 and types.count("ConfirmationLapsed") == 1
    assert "ConfirmationGranted" not in types and "ConfirmationDenied" not in types

    # An unconfirmed plan is no enforceable title: its first instalment missed, the case goes to court (M15, M11).
    clock.set(datetime.combine(first_due + timedelta(days=7), datetime.min.time(), timezone.utc))
    escalated = log.wait(cid, "CaseEscalated", timeout=30)
    assert escalated["event"]["to_stage"] == "LITIGATION"
    assert escalated["event"]["reason"] == "UNCONFIRMED_SETTLEMENT_DEFAULTED"
    assert "InstalmentMissed" in log.types(cid)
    pub.close()
    log.close()
