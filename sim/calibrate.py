"""What the simulated world makes of the pre-litigation funnel, without the services. Pure, seeded.

Drives ``sim.world``'s policies through a minimal stand-in of mediation's rules (docs/rules.md: people's
mediation → court mediation on failure; a settlement → confirmation → instalments, a missed
instalment ends the plan; a first confirmation denial goes back to court mediation, a second to
litigation), to calibrate the world's rates against the traditional-collection baseline
(``sim.baseline``) and to state the recovery a real run should come close to. Only mediated
settlements count: hardship relief, litigation and enforcement are outside this figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sim.baseline import case_key, claim_of
from sim.world import CaseView, WorldConfig, make_id, on_event, rng_for


@dataclass(frozen=True)
class Settlements:
    cases: int
    claimed_cents: int
    recovered_cents: int     # paid on mediated settlement plans before any litigation
    settled_cases: int
    paid_off_cases: int

    @property
    def recovery_rate(self) -> float:
        return self.recovered_cents / self.claimed_cents if self.claimed_cents else 0.0


class _Case:
    def __init__(self, case: dict, start: datetime, seed: int, cfg: WorldConfig):
        self.cid, self.seed, self.cfg, self.t, self.n = case_key(case), seed, cfg, start, 0
        self.view: CaseView | None = None
        self.facts = {k: case[k] for k in ("principal_cents", "interest_cents", "penalty_cents")}

    def event(self, type_: str, body: dict, at: datetime | None = None) -> list:
        """Feed one CaseEvent to the world; returns its actions."""
        self.n += 1
        self.t = at or self.t
        eid = make_id("E", self.cid, type_, str(self.n))
        ev = {"event_id": eid, "case_id": self.cid, "lender_id": "L", "occurred_at": self.t, "type": type_, "event": body}
        self.view, actions = on_event(self.view, ev, rng_for(self.seed, eid), self.cfg)
        return actions


def _play(case: dict, start: datetime, seed: int, cfg: WorldConfig) -> tuple[int, bool, bool]:
    """(recovered fen, settled?, paid off?) for one case."""
    c = _Case(case, start, seed, cfg)
    c.event("CaseOpened", {"facts": c.facts})
    c.event("CaseTriaged", {"route": "PEOPLES_MEDIATION", "court": "C1", "reason_codes": [], "score": 500,
                            "mediation_centre": "MC1", "cross_region": False})
    tier, denials = "PEOPLES", 0
    while True:
        c.event("MediatorAssigned", {"tier": tier, "mediator_id": "M1", "queue_wait_ms": 0})
        (outcome,) = c.event("SessionScheduled", {"tier": tier, "mediator_id": "M1", "mode": "PHONE",
                                                  "scheduled_at": c.t + timedelta(days=1)})
        o = outcome.record
        if o["outcome"] == "EXTENDED":
            (outcome,) = c.event("TierExtended", {"tier": tier, "new_deadline": c.t + timedelta(days=60)}, outcome.at)
            o = outcome.record
        if o["outcome"] != "SETTLED":
            if tier == "COURT":
                return 0, False, False
            tier = "COURT"
            continue
        c.event("MediationSettled", {"tier": tier, "mediator_id": "M1", "plan": o["plan"]}, outcome.at)
        (decision,) = c.event("ConfirmationRequested", {"court": "C1", "due_by": c.t.date() + timedelta(days=30)})
        if decision.record["kind"] == "CONFIRMATION_DENIED":
            denials += 1
            c.event("ConfirmationDenied", {"court": "C1", "reason": "DENIED"}, decision.at)
            if denials == 2:
                return 0, True, False
            tier = "COURT"
            continue
        c.event("ConfirmationGranted", {"court": "C1", "ruling_no": "R"}, decision.at)
        recovered = 0
        for item in o["plan"]["instalments"]:
            reminder = datetime.combine(item["due_date"] - timedelta(days=3), start.timetz())
            paid = c.event("InstalmentDue", dict(item), max(reminder, c.t))
            if not paid:
                return recovered, True, False
            recovered += paid[0].record["amount_cents"]
            c.event("InstalmentPaid", {"seq": item["seq"], "amount_cents": item["amount_cents"],
                                       "payment_ref": paid[0].record["payment_ref"], "paid_at": paid[0].at}, paid[0].at)
        return recovered, True, True


def settlements(cases: Iterable[dict], seed: int, start: datetime, cfg: WorldConfig = WorldConfig()) -> Settlements:
    n = claimed = recovered = settled = paid_off = 0
    for case in cases:
        got, was_settled, was_paid = _play(case, start, seed, cfg)
        n, claimed, recovered = n + 1, claimed + claim_of(case), recovered + got
        settled, paid_off = settled + was_settled, paid_off + was_paid
    return Settlements(n, claimed, recovered, settled, paid_off)
