"""Mediators: at a ``SessionScheduled`` session's end (or some days after ``TierExtended``) →
``mediation.outcomes`` SETTLED with a plan | EXTENDED (once) | OFFERED with a plan | FAILED | UNREACHABLE. Pure."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from remedy.kernel.clock import china_date
from sim.world_config import WorldConfig
from sim.world_view import Action, CaseView, draw_days, make_id


def _outcome(view: CaseView, at: datetime, tier: str, mediator: str, outcome: str, plan: dict | None,
             cause: str, note: str = "") -> Action:
    record = {"outcome_id": make_id("MO-", cause, outcome), "case_id": view.case_id, "mediator_id": mediator,
              "tier": tier, "outcome": outcome, "plan": plan, "note": note, "recorded_at": at}
    return Action(at, "mediation.outcomes", "MediationOutcome", record, "step", view.step)


def settlement_plan(view: CaseView, on: date, rng: random.Random, cfg: WorldConfig) -> dict:
    """What the parties agree: the claim less a waived penalty and some forgiven interest, as one sum or
    monthly instalments. Money in fen; instalments add up to the total."""
    waived_penalty = view.penalty_cents if rng.random() < cfg.penalty_waiver_rate else 0
    waived_interest = int(view.interest_cents * rng.uniform(*cfg.interest_forgiven))
    total = max(1, view.total_cents - waived_penalty - waived_interest)
    first = on + timedelta(days=draw_days(rng, cfg.first_due_days))
    if rng.random() < cfg.lump_sum_rate:
        kind, count = "LUMP_SUM", 1
    else:
        kind, count = "INSTALMENTS", min(rng.choice(cfg.instalment_counts), total)
    share, rest = divmod(total, count)
    instalments = [{"seq": n + 1, "due_date": first + timedelta(days=n * cfg.instalment_gap_days),
                    "amount_cents": share + (rest if n == count - 1 else 0)} for n in range(count)]
    return {"kind": kind, "total_cents": total, "waived_penalty_cents": waived_penalty,
            "waived_interest_cents": waived_interest, "instalments": instalments}


def _draw_outcome(view: CaseView, at: datetime, tier: str, mediator: str, settle_rate: float, extend_rate: float,
                  cause: str, rng: random.Random, cfg: WorldConfig) -> Action:
    draw = rng.random()
    if draw < settle_rate:
        return _outcome(view, at, tier, mediator, "SETTLED", settlement_plan(view, china_date(at), rng, cfg), cause)
    if draw < settle_rate + extend_rate:
        return _outcome(view, at, tier, mediator, "EXTENDED", None, cause, "parties consent to more time")
    if draw < settle_rate + extend_rate + cfg.offer_rate:   # the debtor may accept it later (debtors.on_offered)
        return _outcome(view, at, tier, mediator, "OFFERED", settlement_plan(view, china_date(at), rng, cfg), cause)
    outcome = "UNREACHABLE" if rng.random() < cfg.unreachable_share else "FAILED"
    return _outcome(view, at, tier, mediator, outcome, None, cause)


def on_session(view: CaseView, ev: dict, rng: random.Random, cfg: WorldConfig) -> list[Action]:
    body = ev["event"]
    at = body["scheduled_at"] + timedelta(minutes=cfg.session_minutes)
    rate = cfg.peoples_settle_rate if body["tier"] == "PEOPLES" else cfg.court_settle_rate
    return [_draw_outcome(view, at, body["tier"], body["mediator_id"], rate, cfg.extend_rate, ev["event_id"], rng, cfg)]


def on_extended(view: CaseView, ev: dict, rng: random.Random, cfg: WorldConfig) -> list[Action]:
    if view.mediator_id is None or view.tier is None:
        return []
    at = ev["occurred_at"] + timedelta(days=draw_days(rng, cfg.extend_days))
    return [_draw_outcome(view, at, view.tier, view.mediator_id, cfg.extended_settle_rate, 0.0, ev["event_id"], rng, cfg)]
