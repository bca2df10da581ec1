"""A scripted outside world for the in-memory funnel: per case, what mediators, courts, payers, debtors
and lenders do when an event appears (``Reaction``), after a delay in simulated days."""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from remedy.kernel.clock import china_date
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id
from remedy.ops.memory_funnel import MemoryFunnel
from sim.defaults import valid_default
from tests.broker.funnel_helpers import decision, outcome, payment, plan

HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
Where = Callable[[dict], bool]
Act = Callable[[dict], None]
tier = lambda t: (lambda b: b["tier"] == t)          # noqa: E731
seq = lambda n: (lambda b: b["seq"] == n)             # noqa: E731
anything = lambda b: True                             # noqa: E731


@dataclass
class Script:
    """One case: how the outside world reacts to it and what its default looks like."""
    name: str
    reactions: list[tuple[str, Where, Act, float]] = field(default_factory=list)   # (type, where, act, delay days)
    principal: int = 1_000_000
    tweak: dict = field(default_factory=dict)


class World:
    """Acts of the outside world, written to the funnel's input topics at the funnel's clock."""

    def __init__(self, funnel: MemoryFunnel, lender: str):
        self.funnel, self.lender, self.seq = funnel, lender, itertools.count()
        self.pending: list[tuple[object, Act, dict]] = []
        self.fired: set[tuple[str, int]] = set()
        self.scripts: dict[str, Script] = {}     # case_id -> its script

    def now(self):
        return self.funnel.clock.now()

    def today(self) -> date:
        return china_date(self.now())

    def send(self, topic: str, schema: str, record: dict) -> None:
        self.funnel.publish(topic, record["case_id"], schema, record)

    # ---- acts ---------------------------------------------------------------------------------------

    def settle(self, amounts, first_in_days, kind="INSTALMENTS", step_days=6) -> Act:
        return lambda e: self.send("mediation.outcomes", "MediationOutcome", outcome(
            e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "SETTLED", self.now(),
            plan(amounts, self.today() + timedelta(days=first_in_days), kind=kind, step_days=step_days)))

    def end_tier(self, kind="FAILED") -> Act:
        return lambda e: self.send("mediation.outcomes", "MediationOutcome", outcome(
            e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], kind, self.now()))

    def court(self, kind, **fields) -> Act:
        def act(e):
            d = decision(e["case_id"], kind, self.now(), did=f"D-{kind}-{e['event_id']}")
            d.update({k: (v() if callable(v) else v) for k, v in fields.items()})
            self.send("court.decisions", "CourtDecision", d)
        return act

    def pay(self, amount_of: Callable[[dict], int]) -> Act:
        return lambda e: self.send("payments", "Payment", payment(e["case_id"], f"PAY-{e['event_id']}", amount_of(e),
                                                                  self.now()))

    def request(self, kind, **fields) -> Act:
        def act(e):
            r = {"request_id": f"R-{kind}-{next(self.seq)}", "case_id": e["case_id"], "kind": kind, "ground": None,
                 "detail": "", "channel": None, "objection_id": None, "decision": None,
                 "amended_principal_cents": None, "hardship_kinds": [], "submitted_at": self.now()}
            r.update({k: (v(e) if callable(v) else v) for k, v in fields.items()})
            self.send("debtor.requests", "DebtorRequest", r)
        return act

    def lender_update(self, kind, amount=0) -> Act:
        return lambda e: self.send("lender.updates", "LenderUpdate", {
            "update_id": f"U-{kind}-{e['event_id']}", "case_id": e["case_id"], "lender_id": self.lender, "kind": kind,
            "amount_cents": amount, "note": "", "reported_at": self.now()})

    def late_outcome(self, e) -> None:
        """A mediator answering after the case closed: mediation must dead-letter it."""
        session = next(x for x in self.funnel.by_case[e["case_id"]] if x["type"] == "SessionScheduled")["event"]
        self.send("mediation.outcomes", "MediationOutcome", outcome(e["case_id"], session["mediator_id"], session["tier"],
                                                                    "FAILED", self.now(), oid="O-late"))

    # ---- running ------------------------------------------------------------------------------------

    def open_cases(self, scripts: list[Script], seed: int, interest=80_000, penalty=20_000) -> dict[str, str]:
        rng = random.Random(seed)
        ids = {}
        for n, s in enumerate(scripts):
            d = valid_default(rng, self.lender, n, f"MEM-{seed}", len(scripts), self.now(), region="350502")
            d["debtor"].update({h: False for h in HARDSHIP})
            d["debtor"].update({k: v for k, v in s.tweak.items() if k in HARDSHIP})
            d.update(principal_cents=s.principal, interest_cents=interest, penalty_cents=penalty, agreed_jurisdiction=None,
                     due_date=self.today() - timedelta(days=90), last_payment_date=None)
            d.update({k: v for k, v in s.tweak.items() if k not in HARDSHIP})
            d["contract_date"] = d["due_date"] - timedelta(days=365)
            ids[s.name] = case_id(self.lender, d["loan_id"], key=DEV_CASE_ID_KEY)
            self.scripts[ids[s.name]] = s
            self.funnel.publish_default(d)
        return ids

    def react(self, e: dict) -> None:
        """Called for every new case event: schedule what its script does about it."""
        s = self.scripts.get(e["case_id"])
        for n, (type_, where, act, delay) in enumerate(s.reactions if s else ()):
            if e["type"] == type_ and where(e["event"]) and (e["event_id"], n) not in self.fired:
                self.fired.add((e["event_id"], n))
                self.pending.append((self.now() + timedelta(days=delay), act, e))
        self.act_due()

    def act_due(self) -> None:
        for item in [p for p in self.pending if p[0] <= self.now()]:
            self.pending.remove(item)
            item[1](item[2])

    async def run(self, days: float, step_hours: float = 6.0) -> None:
        async def react(e):
            self.react(e)

        end = self.now() + timedelta(days=days)
        while self.now() < end:
            await self.funnel.run(timedelta(hours=step_hours), step=timedelta(hours=step_hours), on_event=react)
            self.act_due()


def types(events: list[dict]) -> list[str]:
    return [e["type"] for e in events]


def is_subsequence(want: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in want)


def closed_reason(events: list[dict]) -> str | None:
    return next((e["event"]["reason"] for e in events if e["type"] == "CaseClosed"), None)
