"""The outside world's policies: mediators, courts, debtors, reviewers and lenders. Pure.

``on_event(view, case_event, rng, cfg) -> (view, actions)``: what the world knows of a case after
one of its CaseEvents, and what it does about it — each action an outside-world record for a topic
plus WHEN it is sent (simulated time). Times derive from the event's ``occurred_at``, and the
runner seeds ``rng`` from (seed, event_id) (``rng_for``), so a replay yields the same records with
the same ids, whatever order the cases' events interleave in.

``verdict(view, action)`` is asked when an action comes due: ``send``, ``park`` (the case is on
hold: the action waits for ``CaseReleased`` and then its delay shifts by the time held, ``resume``)
or ``drop`` (the case moved on: the mediation tier failed on its deadline before the session
outcome, the plan defaulted before the payment, the case closed).

Who does what (the lifecycle of docs/lifecycle.md) is in ``sim/policies/``: mediators (``mediators.py``), courts
(``courts.py``), debtors, the reviewers of their objections and lenders (``debtors.py``). What the
world knows of a case and the seeded draws the policies share are in ``sim/world_view.py``; every
rate and delay is ``WorldConfig`` (``sim/world_config.py``).
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta

from sim.policies.courts import (court_case_no, on_confirmation_requested, on_enforcement_applied,
                                 on_enforcement_concluded, on_filing_accepted, on_litigation_filed)
from sim.policies.debtors import (on_complaint_routed, on_instalment_due, on_judgment, on_objection_filed, on_offered,
                                  on_terminated, on_triaged)
from sim.policies.mediators import on_extended, on_session, settlement_plan
from sim.world_config import WorldConfig
from sim.world_view import TIME_FIELDS, Action, CaseView, make_id, observe, rng_for

__all__ = ["Action", "CaseView", "POLICIES", "WorldConfig", "court_case_no", "make_id", "observe", "on_event",
           "resume", "rng_for", "settlement_plan", "verdict"]

POLICIES = {
    "SessionScheduled": on_session,
    "TierExtended": on_extended,
    "ConfirmationRequested": on_confirmation_requested,
    "LitigationFiled": on_litigation_filed,
    "FilingAccepted": on_filing_accepted,
    "JudgmentEntered": on_judgment,
    "EnforcementApplied": on_enforcement_applied,
    "EnforcementResumed": on_enforcement_applied,
    "EnforcementConcluded": lambda *a: on_enforcement_concluded(*a) + on_terminated(*a),   # after 终本: court, debtor
    "InstalmentDue": on_instalment_due,
    "CaseTriaged": on_triaged,
    "ObjectionFiled": on_objection_filed,
    "SettlementOffered": on_offered,
    "ComplaintRouted": on_complaint_routed,
}


def on_event(view: CaseView | None, ev: dict, rng: random.Random, cfg: WorldConfig) -> tuple[CaseView, list[Action]]:
    """Learn from one CaseEvent and decide what the world does about it. Redelivery: no actions."""
    if view is None:
        view = CaseView(ev["case_id"], ev["lender_id"])
    if ev["event_id"] in view.seen:
        return view, []
    view.seen.add(ev["event_id"])
    observe(view, ev)
    policy = POLICIES.get(ev["type"])
    if policy is None or view.closed:
        return view, []
    return view, policy(view, ev, rng, cfg)


def verdict(view: CaseView | None, action: Action) -> str:
    """``send`` | ``park`` | ``drop`` for an action that has come due."""
    if view is None or view.closed:
        return "drop"
    if action.guard == "step" and view.step != action.token:
        return "drop"
    if action.guard == "objection" and action.token not in view.open_objections:
        return "drop"
    if action.guard == "open" and view.stage == "REJECTED":
        return "drop"
    if action.hold and view.held:
        return "park"
    return "send"


def resume(parked: list[Action], held_ms: int, now: datetime) -> list[Action]:
    """Actions parked while a case was held, rescheduled: their delay shifts by the time held."""
    shift = timedelta(milliseconds=held_ms)
    out = []
    for a in parked:
        at = max(a.at + shift, now)
        record = {**a.record, **{k: at for k in TIME_FIELDS if k in a.record}}
        out.append(dataclasses.replace(a, at=at, record=record))
    return out
