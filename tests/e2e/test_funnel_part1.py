"""The first half of the funnel end to end on a real broker: intake + triage + mediation as
separate workers, a clock running a simulated day per real second, and a scripted outside world
(mediators, courts, payers) reacting to what the services emit. Every path of this half is driven
to its final state: rejection, relief, settlement in people's mediation paid off, failure then
settlement in court mediation, failure in both tiers, confirmation denied twice, an instalment
missed, and a tier deadline expiring."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest

from remedy.kernel.clock import ScaledClock, china_date, parse_instant
from remedy.kernel.ids import case_id
from remedy.runtime.publish import Publisher
from sim.defaults import valid_default
from tests.broker.funnel_helpers import CaseLog, decision, outcome, payment, plan

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 86_400.0                       # one simulated day per real second: a 30-day tier lasts 30 s
LENDER = "LENDER-E2E"
HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")


@dataclass
class Script:
    """One case: how the outside world reacts to it, and where it must end."""
    name: str
    final: tuple[str, str | None]          # (event type, CaseEscalated.to_stage or None)
    path: list[str]                        # event types that must appear in this order
    reactions: list[tuple[str, Callable[[dict], bool], Callable[[dict], None]]] = field(default_factory=list)
    tweak: dict = field(default_factory=dict)


def test_every_path_of_the_first_half(broker, services, codec):
    anchor = time.time()
    clock = ScaledClock(parse_instant(EPOCH), anchor, SCALE)
    env = {"REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": str(SCALE), "REMEDY_CLOCK_ANCHOR": str(anchor)}
    services("intake", **env)
    services("triage", **env)
    services("mediation", **env, REMEDY_MEDIATION_SWEEP_SECONDS="0.25")
    pub = Publisher(broker, codec)
    log = CaseLog(broker, codec)

    def send(topic: str, schema: str, record: dict) -> None:
        pub.send(topic, record["case_id"], schema, record)
        pub.flush()

    def settle(amounts, first_in_days, kind="INSTALMENTS"):
        def act(e):
            today = china_date(clock.now())
            send("mediation.outcomes", "MediationOutcome", outcome(
                e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "SETTLED", clock.now(),
                plan(amounts, today + timedelta(days=first_in_days), kind=kind, step_days=6)))
        return act

    def end_tier(kind):
        return lambda e: send("mediation.outcomes", "MediationOutcome", outcome(
            e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], kind, clock.now()))

    def court(kind):
        return lambda e: send("court.decisions", "CourtDecision", decision(e["case_id"], kind, clock.now(),
                                                                           did=f"D-{e['event_id']}"))

    def pay(amount):
        return lambda e: send("payments", "Payment", payment(e["case_id"], f"PAY-{e['event_id']}", amount, clock.now()))

    tier = lambda t: (lambda b: b["tier"] == t)          # noqa: E731
    seq = lambda n: (lambda b: b["seq"] == n)             # noqa: E731
    anything = lambda b: True                             # noqa: E731
    scripts = [
        Script("rejected", ("CaseRejected", None), ["CaseOpened", "CaseRejected"],
               tweak={"due_date": date(2022, 10, 1), "last_payment_date": None}),
        Script("relief", ("ReliefGranted", None), ["CaseTriaged", "ReliefGranted"], tweak={"is_student": True}),
        Script("peoples_settled_paid", ("CaseEscalated", "CREDIT_REPAIR"),
               ["MediatorAssigned", "SessionScheduled", "MediationSettled", "ConfirmationRequested", "ConfirmationGranted",
                "InstalmentDue", "InstalmentPaid", "InstalmentDue", "InstalmentPaid", "CaseEscalated"],
               [("SessionScheduled", tier("PEOPLES"), settle([60_000, 40_000], 6)),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED")),
                ("InstalmentDue", seq(1), pay(60_000)), ("InstalmentDue", seq(2), pay(40_000))]),
        Script("court_settled", ("CaseEscalated", "CREDIT_REPAIR"),
               ["MediationFailed", "CaseEscalated", "MediatorAssigned", "MediationSettled", "ConfirmationGranted",
                "InstalmentPaid", "CaseEscalated"],
               [("SessionScheduled", tier("PEOPLES"), end_tier("FAILED")),
                ("SessionScheduled", tier("COURT"), settle([500_000], 5, kind="LUMP_SUM")),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED")),
                ("ConfirmationGranted", anything, pay(500_000))]),
        Script("both_failed", ("CaseEscalated", "LITIGATION"),
               ["MediationFailed", "CaseEscalated", "MediationFailed", "CaseEscalated"],
               [("SessionScheduled", tier("PEOPLES"), end_tier("UNREACHABLE")),
                ("SessionScheduled", tier("COURT"), end_tier("FAILED"))]),
        Script("denied", ("CaseEscalated", "LITIGATION"),
               ["MediationSettled", "ConfirmationDenied", "CaseEscalated", "SessionScheduled", "MediationSettled",
                "ConfirmationDenied", "CaseEscalated"],
               [("SessionScheduled", anything, settle([300_000], 10, kind="LUMP_SUM")),
                ("ConfirmationRequested", anything, court("CONFIRMATION_DENIED"))]),
        Script("missed", ("CaseEscalated", "ENFORCEMENT"),
               ["MediationSettled", "ConfirmationGranted", "InstalmentDue", "InstalmentMissed", "CaseEscalated"],
               [("SessionScheduled", tier("PEOPLES"), settle([200_000, 200_000], 4)),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED"))]),
        Script("deadline", ("CaseEscalated", "LITIGATION"),
               ["MediatorAssigned", "MediationFailed", "CaseEscalated", "SessionScheduled", "MediationFailed",
                "CaseEscalated"],
               [("SessionScheduled", tier("COURT"), end_tier("FAILED"))]),
    ]

    rng = random.Random(11)
    ids = {}
    for n, s in enumerate(scripts):
        d = valid_default(rng, LENDER, n, "E2E-1", len(scripts), clock.now(), region="350502")
        d["debtor"].update({h: False for h in HARDSHIP})
        d["debtor"].update({k: v for k, v in s.tweak.items() if k in HARDSHIP})
        d.update(principal_cents=1_000_000, interest_cents=100_000, penalty_cents=20_000, agreed_jurisdiction=None,
                 due_date=china_date(clock.now()) - timedelta(days=90), last_payment_date=None)
        d.update({k: v for k, v in s.tweak.items() if k not in HARDSHIP})
        d["contract_date"] = d["due_date"] - timedelta(days=365)
        ids[s.name] = case_id(LENDER, d["loan_id"])
        pub.publish_defaults([d])

    fired: set[tuple[str, str]] = set()
    done_at: dict[str, float] = {}
    started = time.monotonic()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        log.poll()
        for s in scripts:
            for e in log.by_case[ids[s.name]]:
                for type_, where, act in s.reactions:
                    if e["type"] == type_ and where(e["event"]) and (e["event_id"], type_) not in fired:
                        fired.add((e["event_id"], type_))
                        act(e)
        for s in scripts:
            if s.name not in done_at and reached(log.by_case[ids[s.name]], s.final):
                done_at[s.name] = round(time.monotonic() - started, 1)
        if len(done_at) == len(scripts):
            break
    time.sleep(3)                          # three more simulated days: nothing may move after the end
    log.poll()
    report = {s.name: log.types(ids[s.name]) for s in scripts}
    print("simulated days to each final state:", done_at)
    for s in scripts:
        events = log.by_case[ids[s.name]]
        assert reached(events, s.final), f"{s.name} did not reach {s.final}: {report}"
        assert is_subsequence(s.path, report[s.name]), f"{s.name}: expected path {s.path} in {report[s.name]}"
        last = events[-1]
        assert (last["type"], last["event"].get("to_stage")) == s.final, f"{s.name} moved on: {report[s.name]}"
        for e in events[1:]:
            assert e["causation_id"], f"{s.name}: {e['type']} has no causation"
        assert len({e["event_id"] for e in events}) == len(events), f"{s.name}: duplicate events"

    by = {s.name: log.by_case[ids[s.name]] for s in scripts}
    assert next(e for e in by["rejected"] if e["type"] == "CaseRejected")["event"]["reason_codes"] == ["TIME_BARRED"]
    assert next(e for e in by["relief"] if e["type"] == "ReliefGranted")["event"]["plan"]["kind"] == "DEFERRAL"
    deadline_fail = next(e for e in by["deadline"] if e["type"] == "MediationFailed")["event"]
    assert deadline_fail == {"tier": "PEOPLES", "reason": "DEADLINE"}
    escalations = [e["event"]["reason"] for e in by["denied"] if e["type"] == "CaseEscalated"]
    assert escalations == ["CONFIRMATION_DENIED", "CONFIRMATION_DENIED_AGAIN"]
    assert [e["event"]["tier"] for e in by["court_settled"] if e["type"] == "MediationSettled"] == ["COURT"]
    assert [e["event"]["reason"] for e in by["missed"] if e["type"] == "CaseEscalated"] == ["PLAN_DEFAULTED"]
    pub.close()
    log.close()


def reached(events: list[dict], final: tuple[str, str | None]) -> bool:
    return any((e["type"], e["event"].get("to_stage")) == final for e in events)


def is_subsequence(want: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in want)
