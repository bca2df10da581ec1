"""The whole lifecycle end to end on a real broker: intake, triage, mediation, enforcement, repair and
objections as separate workers on a clock running a simulated day per real second, and a scripted
outside world (mediators, courts, payers, debtors, lenders) reacting to what the services emit.

Every lifecycle path runs on the in-memory funnel (tests/memory/test_lifecycle_paths.py); this run keeps
the longest of them on real workers and a real broker, each to its terminal state, asserted from
``case.events``: litigation won and enforced in full; enforcement terminated for lack of assets; a
confirmed plan that defaults and is enforced as it stands; an objection upheld; an objection dismissed
mid-tier (the tier's deadline shifted by the time on hold); a hardship claim mid-mediation; a lender
withdrawal; a lender's payment in full; and paid-off cases through credit repair to ``CaseClosed``.
"""
from __future__ import annotations

import random
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import pytest
from kafka import KafkaConsumer

from remedy.runtime.broker import free_port
from remedy.kernel.clock import ScaledClock, china_date, parse_instant
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id
from remedy.ops.procs import ServiceProcess
from remedy.runtime.publish import Publisher
from sim.defaults import valid_default
from tests.broker.funnel_helpers import CaseLog, decision, outcome, payment, plan

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 86_400.0                       # one simulated day per real second
DAY_MS = 86_400_000
LENDER = "LENDER-E2E-FULL"
HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
SERVICES = ("intake", "triage", "mediation", "enforcement", "repair", "objections")
COURT_ROUTE = 5_000_000                # a claim this large starts in court mediation (triage's threshold)
AWARD = 5_100_000
HOLD_SECONDS = 10.0                    # the dismissed objection keeps its case on hold ~10 simulated days
PAID_OFF = ["CreditRepairRequested", "CreditRepairDone", "CaseClosed"]

Where = Callable[[dict], bool]
Act = Callable[[dict], None]


@dataclass
class Script:
    """One case: how the outside world reacts to it, where it must end and what it must pass."""
    name: str
    closed: str                            # the CaseClosed reason it must end with
    path: list[str]                        # event types that must appear in this order
    reactions: list[tuple[str, Where, Act, float]] = field(default_factory=list)   # (type, where, act, delay s)
    principal: int = 1_000_000


def start_all(broker: str, tmp_path, env: dict[str, str]) -> list[ServiceProcess]:
    """Every worker started at once, then waited for: their group joins overlap."""
    procs = []
    for name in SERVICES:
        full = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / name),
                f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}
        proc = ServiceProcess(name, full, tmp_path / "logs")
        proc.port = int(full[f"REMEDY_{name.upper()}_PORT"])
        procs.append(proc.start())
    for p in procs:
        p.wait_ready(timeout=150)
    return procs


def test_every_path_of_the_whole_lifecycle(broker, codec, tmp_path):
    anchor = time.time()
    clock = ScaledClock(parse_instant(EPOCH), anchor, SCALE)
    env = {"REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": str(SCALE), "REMEDY_CLOCK_ANCHOR": repr(anchor),
           **{f"REMEDY_{s.upper()}_SWEEP_SECONDS": "0.25" for s in ("mediation", "enforcement", "repair", "objections")}}
    procs: list[ServiceProcess] = []
    pub = Publisher(broker, codec)
    log = CaseLog(broker, codec)
    try:
        procs = start_all(broker, tmp_path, env)
        run_the_world(broker, codec, clock, pub, log)
        mediation = next(p for p in procs if p.name == "mediation")
        steps = urllib.request.urlopen(f"http://127.0.0.1:{mediation.port}/metrics", timeout=5).read().decode()
        assert 'outcome="hardship_handed_on"} 1.0' in steps, "the claim made in litigation was not counted"
    finally:
        for p in procs:
            p.stop()
        pub.close()
        log.close()


def run_the_world(broker, codec, clock, pub, log) -> None:
    seq = iter(range(10**6))

    def send(topic: str, schema: str, record: dict) -> None:
        pub.send(topic, record["case_id"], schema, record)
        pub.flush()

    def today() -> date:
        return china_date(clock.now())

    def settle(amounts, first_in_days, kind="INSTALMENTS"):
        return lambda e: send("mediation.outcomes", "MediationOutcome", outcome(
            e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "SETTLED", clock.now(),
            plan(amounts, today() + timedelta(days=first_in_days), kind=kind, step_days=6)))

    def fail_tier(e):
        send("mediation.outcomes", "MediationOutcome",
             outcome(e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "FAILED", clock.now()))

    def court(kind, **fields):
        def act(e):
            d = decision(e["case_id"], kind, clock.now(), did=f"D-{kind}-{e['event_id']}")
            d.update({k: (v() if callable(v) else v) for k, v in fields.items()})
            send("court.decisions", "CourtDecision", d)
        return act

    def pay(amount_of: Callable[[dict], int]):
        return lambda e: send("payments", "Payment", payment(e["case_id"], f"PAY-{e['event_id']}", amount_of(e),
                                                             clock.now()))

    def request(kind, **fields):
        def act(e):
            r = {"request_id": f"R-{kind}-{next(seq)}", "case_id": e["case_id"], "kind": kind, "ground": None,
                 "detail": "", "channel": None, "objection_id": None, "decision": None,
                 "amended_principal_cents": None, "hardship_kinds": [], "submitted_at": clock.now()}
            r.update({k: (v(e) if callable(v) else v) for k, v in fields.items()})
            send("debtor.requests", "DebtorRequest", r)
        return act

    def lender(kind, amount=0):
        return lambda e: send("lender.updates", "LenderUpdate", {
            "update_id": f"U-{kind}-{e['event_id']}", "case_id": e["case_id"], "lender_id": LENDER, "kind": kind,
            "amount_cents": amount, "note": "", "reported_at": clock.now()})

    def late_outcome(e):  # a mediator answering after the case closed: mediation must dead-letter it
        session = next(x for x in log.by_case[e["case_id"]] if x["type"] == "SessionScheduled")["event"]
        send("mediation.outcomes", "MediationOutcome", outcome(e["case_id"], session["mediator_id"], session["tier"],
                                                               "FAILED", clock.now(), oid="O-late"))

    tier = lambda t: (lambda b: b["tier"] == t)          # noqa: E731
    first = lambda b: b["seq"] == 1                       # noqa: E731
    anything = lambda b: True                             # noqa: E731
    won_in_court = [("SessionScheduled", tier("COURT"), fail_tier, 0),
                    ("LitigationFiled", anything, court("FILING_ACCEPTED"), 0),
                    ("FilingAccepted", anything, court("JUDGMENT", awarded_cents=AWARD,
                                                       performance_due=lambda: today() + timedelta(days=3)), 0)]
    scripts = [
        Script("litigation_enforced_in_full", "CREDIT_REPAIRED",
               ["MediationFailed", "CaseEscalated", "LitigationFiled", "FilingAccepted", "JudgmentEntered",
                "EnforcementApplied", "EnforcementConcluded", *PAID_OFF],
               won_in_court + [("EnforcementApplied", anything,
                                court("ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL", recovered_cents=AWARD), 0)],
               principal=COURT_ROUTE),
        Script("enforcement_no_assets", "CREDIT_REPAIRED",   # 终本 keeps the case open: paid later, delisted
               ["LitigationFiled", "JudgmentEntered", "EnforcementApplied", "EnforcementConcluded",
                "DishonestListProposed", "JudgmentPerformed", *PAID_OFF],
               won_in_court + [("EnforcementApplied", anything,
                                court("ENFORCEMENT_RESULT", enforcement_result="TERMINATED_NO_ASSETS",
                                      recovered_cents=100_000), 0),
                               ("DishonestListProposed", anything, pay(lambda e: AWARD - 100_000), 5)],
               principal=COURT_ROUTE),
        Script("confirmed_plan_defaulted", "CREDIT_REPAIRED",
               ["MediationSettled", "ConfirmationGranted", "InstalmentMissed", "CaseEscalated", "EnforcementApplied",
                "EnforcementConcluded", *PAID_OFF],
               [("SessionScheduled", tier("PEOPLES"), settle([200_000, 200_000], 4), 0),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED"), 0),
                ("EnforcementApplied", anything, court("ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL",
                                                       recovered_cents=400_000), 0)]),
        Script("objection_upheld", "OBJECTION_UPHELD",
               ["SessionScheduled", "ObjectionFiled", "CaseHeld", "ObjectionResolved", "CaseClosed"],
               [("SessionScheduled", tier("PEOPLES"), request("OBJECTION", ground="IDENTITY_THEFT"), 0),
                ("CaseHeld", anything, request("OBJECTION_DECISION", decision="UPHELD_CLOSE",
                                               objection_id=lambda e: e["event"]["objection_id"]), 0),
                ("CaseClosed", anything, late_outcome, 3)]),   # once mediation has seen the close
        Script("objection_dismissed", "CREDIT_REPAIRED",
               ["SessionScheduled", "ObjectionFiled", "CaseHeld", "ObjectionResolved", "CaseReleased",
                "MediationFailed", "CaseEscalated", "MediationSettled", "ConfirmationGranted", "InstalmentPaid",
                "CaseEscalated", *PAID_OFF],
               [("SessionScheduled", tier("PEOPLES"), request("OBJECTION", ground="WRONG_AMOUNT"), 0),
                ("CaseHeld", anything, request("OBJECTION_DECISION", decision="DISMISSED",
                                               objection_id=lambda e: e["event"]["objection_id"]), HOLD_SECONDS),
                ("SessionScheduled", tier("COURT"), settle([300_000], 3, kind="LUMP_SUM"), 0),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED"), 0),
                ("ConfirmationGranted", anything, pay(lambda e: 300_000), 0)]),
        Script("hardship_mid_mediation", "CREDIT_REPAIRED",
               ["SessionScheduled", "HardshipClaimed", "ReliefGranted", "InstalmentPaid", "CaseEscalated", *PAID_OFF],
               [("SessionScheduled", tier("PEOPLES"), request("HARDSHIP_CLAIM", hardship_kinds=["unemployed"]), 0),
                ("ReliefGranted", anything, pay(lambda e: e["event"]["plan"]["total_cents"]), 0)]),
        Script("lender_withdrew", "WITHDRAWN", ["SessionScheduled", "CaseWithdrawn", "CaseClosed"],
               [("SessionScheduled", tier("PEOPLES"), lender("WITHDRAWN"), 0)]),
        Script("lender_paid_in_full", "LENDER_PAID_IN_FULL",
               ["CaseEscalated", "LitigationFiled", "HardshipClaimed", "CaseClosed"],
               [("SessionScheduled", tier("COURT"), fail_tier, 0),
                ("LitigationFiled", anything, request("HARDSHIP_CLAIM", hardship_kinds=["disaster"]), 0),
                ("HardshipClaimed", anything, lender("PAID_IN_FULL", amount=COURT_ROUTE), 0)],
               principal=COURT_ROUTE),
        Script("peoples_instalments_paid", "CREDIT_REPAIRED",      # settled, paid, through repair to the close
               ["MediationSettled", "ConfirmationGranted", "InstalmentDue", "InstalmentPaid", "InstalmentDue",
                "InstalmentPaid", "CaseEscalated", *PAID_OFF],
               [("SessionScheduled", tier("PEOPLES"), settle([60_000, 40_000], 6), 0),
                ("ConfirmationRequested", anything, court("CONFIRMATION_GRANTED"), 0),
                ("InstalmentDue", first, pay(lambda e: 60_000), 0),
                ("InstalmentDue", lambda b: b["seq"] == 2, pay(lambda e: 40_000), 0)]),
    ]

    rng = random.Random(23)
    ids = {}
    for n, s in enumerate(scripts):
        d = valid_default(rng, LENDER, n, "E2E-FULL", len(scripts), clock.now(), region="350502")
        d["debtor"].update({h: False for h in HARDSHIP})
        d.update(principal_cents=s.principal, interest_cents=80_000, penalty_cents=20_000, agreed_jurisdiction=None,
                 due_date=china_date(clock.now()) - timedelta(days=90), last_payment_date=None)
        d["contract_date"] = d["due_date"] - timedelta(days=365)
        ids[s.name] = case_id(LENDER, d["loan_id"], key=DEV_CASE_ID_KEY)
        pub.publish_defaults([d])

    fired: set[tuple[str, str]] = set()
    pending: list[tuple[float, Act, dict]] = []
    done_at: dict[str, float] = {}
    started = time.monotonic()
    give_up = started + 150
    while time.monotonic() < give_up and len(done_at) < len(scripts):
        log.poll()
        for s in scripts:
            for e in log.by_case[ids[s.name]]:
                for n, (type_, where, act, delay) in enumerate(s.reactions):
                    if e["type"] == type_ and where(e["event"]) and (e["event_id"], n) not in fired:
                        fired.add((e["event_id"], n))
                        pending.append((time.monotonic() + delay, act, e))
        for item in [p for p in pending if p[0] <= time.monotonic()]:
            pending.remove(item)
            item[1](item[2])
        for s in scripts:
            if s.name not in done_at and closed_reason(log.by_case[ids[s.name]]) == s.closed:
                done_at[s.name] = round(time.monotonic() - started, 1)
    for due, act, e in sorted(pending, key=lambda p: p[0]):
        time.sleep(max(0.0, due - time.monotonic()))
        act(e)
    time.sleep(3)                          # three more simulated days: nothing may move after a close
    log.poll()
    print("simulated days to each close:", done_at)

    report = {s.name: log.types(ids[s.name]) for s in scripts}
    every = [e for events in log.by_case.values() for e in events]
    assert len({e["event_id"] for e in every}) == len(every), "duplicate event ids on case.events"
    assert log.garbage == 0
    for s in scripts:
        events = log.by_case[ids[s.name]]
        assert closed_reason(events) == s.closed, f"{s.name} did not close {s.closed}: {report[s.name]}"
        assert is_subsequence(s.path, report[s.name]), f"{s.name}: expected path {s.path} in {report[s.name]}"
        assert report[s.name].count("CaseClosed") == 1 and events[-1]["type"] == "CaseClosed", \
            f"{s.name}: events after CaseClosed: {report[s.name]}"
        assert all(e["causation_id"] for e in events), f"{s.name}: an event without causation"
        assert events[0]["type"] == "CaseOpened"

    by = {s.name: log.by_case[ids[s.name]] for s in scripts}
    first_of = lambda name, type_: next(e for e in by[name] if e["type"] == type_)   # noqa: E731
    body = lambda name, type_: first_of(name, type_)["event"]                         # noqa: E731

    # litigation won and enforced in full → credit repair → closed
    assert body("litigation_enforced_in_full", "JudgmentEntered")["awarded_cents"] == AWARD
    assert body("litigation_enforced_in_full", "EnforcementApplied")["basis"] == "JUDGMENT"
    assert body("litigation_enforced_in_full", "EnforcementConcluded")["result"] == "RECOVERED_FULL"
    assert body("litigation_enforced_in_full", "CreditRepairRequested")["reason"] == "ENFORCEMENT_RECOVERED"
    # terminated for no assets (终本): the balance kept, the debtor listed, the case left open; paid later in
    # full, the listing is removed and the case closes after credit repair (docs/rules.md E4, E7)
    ended = body("enforcement_no_assets", "EnforcementConcluded")
    assert (ended["result"], ended["outstanding_cents"]) == ("TERMINATED_NO_ASSETS", AWARD - 100_000)
    assert body("enforcement_no_assets", "JudgmentPerformed")["stage"] == "ENFORCEMENT"
    assert body("enforcement_no_assets", "CreditRepairDone")["removed_from_dishonest_list"] is True
    # a defaulted confirmed plan is enforced as it stands: no new suit
    applied = body("confirmed_plan_defaulted", "EnforcementApplied")
    assert (applied["basis"], applied["claim_cents"]) == ("CONFIRMED_SETTLEMENT", 400_000)
    assert "LitigationFiled" not in report["confirmed_plan_defaulted"]
    assert [e["event"]["reason"] for e in by["confirmed_plan_defaulted"] if e["type"] == "CaseEscalated"] == ["PLAN_DEFAULTED"]
    # objection upheld: closed where it stood, nothing moved while held
    upheld = report["objection_upheld"]
    assert upheld[upheld.index("CaseHeld"):] == ["CaseHeld", "ObjectionResolved", "CaseClosed"]
    assert body("objection_upheld", "CaseClosed")["final_stage"] == "PEOPLES_MEDIATION"
    # objection dismissed mid-tier: the people's tier fails at its deadline, later by the time on hold
    held_ms = body("objection_dismissed", "CaseReleased")["held_ms"]
    assert held_ms >= (HOLD_SECONDS - 1) * DAY_MS, f"held only {held_ms / DAY_MS:.1f} days"
    entered = first_of("objection_dismissed", "CaseTriaged")["occurred_at"]
    failed = first_of("objection_dismissed", "MediationFailed")
    assert failed["event"] == {"tier": "PEOPLES", "reason": "DEADLINE"}
    late_by = (failed["occurred_at"] - entered).total_seconds() * 1000 - 30 * DAY_MS
    print(f"held {held_ms / DAY_MS:.2f} days; the people's tier failed {late_by / DAY_MS:.2f} days after its 30")
    assert held_ms - 0.1 * DAY_MS <= late_by <= held_ms + 3 * DAY_MS, \
        f"deadline failed {late_by / DAY_MS:.1f} days after 30, held {held_ms / DAY_MS:.1f}"
    dismissed = report["objection_dismissed"]
    held_part = dismissed[dismissed.index("CaseHeld") + 1:dismissed.index("CaseReleased")]
    assert held_part == ["ObjectionResolved"], f"moved while held: {held_part}"
    # a hardship claim mid-mediation: relief on the debtor's claim, mediation's tier abandoned
    relief = body("hardship_mid_mediation", "ReliefGranted")
    assert (relief["source"], relief["hardship_kinds"], relief["plan"]["kind"]) == ("DEBTOR_CLAIM", ["UNEMPLOYED"], "DEFERRAL")
    assert first_of("hardship_mid_mediation", "ReliefGranted")["causation_id"] == \
        first_of("hardship_mid_mediation", "HardshipClaimed")["event_id"]
    assert "MediationFailed" not in report["hardship_mid_mediation"]
    # lenders stop a case wherever it is
    assert body("lender_withdrew", "CaseClosed")["reason"] == "WITHDRAWN"
    assert body("lender_paid_in_full", "CaseClosed") == {"reason": "LENDER_PAID_IN_FULL", "final_stage": "LITIGATION",
                                                        "recovered_cents": COURT_ROUTE}
    assert "ReliefGranted" not in report["lender_paid_in_full"], "a claim in litigation is not mediation's to grant"
    # every paid-off case went through credit repair
    for name in ("litigation_enforced_in_full", "confirmed_plan_defaulted", "objection_dismissed",
                 "hardship_mid_mediation", "peoples_instalments_paid"):
        assert report[name][-3:] == PAID_OFF, f"{name}: {report[name]}"
        assert body(name, "CaseClosed")["reason"] == "CREDIT_REPAIRED"

    letters = dead_letters(broker, codec)
    assert {k: v for k, v in letters.items() if k != "mediation.dlq"} == {k: [] for k in letters if k != "mediation.dlq"}
    assert [(r["source_topic"], r["error_type"]) for r in letters["mediation.dlq"]] == \
        [("mediation.outcomes", "CaseIsClosed")], "only the late outcome this test sent to a closed case"


def closed_reason(events: list[dict]) -> str | None:
    return next((e["event"]["reason"] for e in events if e["type"] == "CaseClosed"), None)


def is_subsequence(want: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in want)


def dead_letters(bootstrap: str, codec, at_least: float = 5.0, quiet: float = 2.0) -> dict[str, list[dict]]:
    """Every record on every service's dead-letter topic: read for ``at_least`` seconds, then until
    nothing new came for ``quiet`` seconds."""
    topics = [f"{s}.dlq" for s in SERVICES]
    consumer = KafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None)
    out: dict[str, list[dict]] = {t: [] for t in topics}
    start = last = time.monotonic()
    try:
        while time.monotonic() - start < at_least or time.monotonic() - last < quiet:
            for tp, records in consumer.poll(timeout_ms=200).items():
                for m in records:
                    out[tp.topic].append(codec.decode(m.value, expect="DeadLetter")[1])
                    last = time.monotonic()
    finally:
        consumer.close()
    return out
