"""One case's way through mediation, confirmation and its plan. Pure: ``(state, input, now) → Step``.

Stages this service owns: PEOPLES_MEDIATION, COURT_MEDIATION, CONFIRMATION, PERFORMING (a
confirmed settlement or a hardship plan). It hands cases on as LITIGATION, ENFORCEMENT or
CREDIT_REPAIR (``CaseEscalated``) and remembers REJECTED cases. Deadlines live in the state and
``sweep`` fires them; a case on hold or closed never moves, and on release its deadlines shift
by the time it was held.

A debtor's hardship claim (objections' ``HardshipClaimed``) is answered here:
- in PEOPLES_MEDIATION or COURT_MEDIATION → ``ReliefGranted`` (source DEBTOR_CLAIM) with a hardship
  plan on the principal (interest and penalty waived); the mediator's request is cancelled and the
  plan is tracked like triage's RELIEF route (reminders, payments; a miss withdraws the relief and goes to
  litigation: a relief plan is no enforceable title, docs/rules.md M11);
- in PERFORMING under a settlement → ``ReliefGranted`` rescheduling what is still outstanding on the
  hardship terms (the settlement's waivers stand); under a hardship plan already → nothing (counted
  ``already_relieved``);
- in CONFIRMATION → nothing (counted ``hardship_awaiting_confirmation``): the settlement the debtor
  agreed is before the court; once it is in force the debtor may claim again (objections takes one
  claim per stage);
- in LITIGATION, ENFORCEMENT or CREDIT_REPAIR → nothing (counted ``hardship_handed_on``): enforcement
  and repair own those stages;
- before triage has routed the case, or on a rejected case → dead letter (``ClaimNotInMediation``);
  on hold → dead letter (objections only sends a claim once the case is released); unknown kinds →
  dead letter (``InvalidHardshipClaim``).
Hardship kinds are spelled one way (``plans.hardship_kind``): ``UNEMPLOYED``, ``STUDENT``, ….

Every event names its cause: the input's message id, or the event that led to it (a tier's
deadline failure is caused by the event that opened the tier; reminders and misses by the event
that started the plan). Event ids are deterministic, so a replay emits the same ids.

This module takes case.events; the rest is beside it: ``tiers`` (entering, extending and failing a
tier; the desk's assignments), ``settlement`` (outcomes, the court's confirmation), ``offers`` (a mediator's offer, the debtor's
acceptance on ``debtor.requests``), ``instalments``
(payments and the clock), ``hardship`` (relief), ``step`` (terms, state, the events collector).
"""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.lifecycle import REJECTED, RELIEF, STAGE_TIER
from services.mediation.errors import InvalidOutcome
from services.mediation.hardship import claim_hardship, relief_on_triage
from services.mediation.instalments import backlog_stage, next_due_ms, on_payment, plan_day, sweep
from services.mediation.settlement import on_court_decision, on_outcome
from services.mediation.step import PRODUCER, Out, Step, Terms, new_state
from services.mediation.tiers import enter_tier, on_assignment

__all__ = ["on_case_event", "on_outcome", "on_assignment", "on_court_decision", "on_payment", "sweep",
           "plan_day", "next_due_ms", "backlog_stage", "new_state", "Step", "Terms", "STAGE_TIER", "PRODUCER"]


# ---- case.events -------------------------------------------------------------------------------

def on_case_event(state: dict | None, ev: dict, terms: Terms, now: datetime) -> Step:
    kind, body = ev["type"], ev["event"]
    if ev["producer"] == PRODUCER:
        return Step(None)  # our own decisions were applied when we made them
    s = dict(state) if state else new_state(ev["case_id"], ev["lender_id"])
    if s["closed"]:
        return Step(None, outcome="closed")
    out = Out(s, now)
    if kind in ("CaseOpened", "CaseAmended"):
        _take_facts(s, body["facts"])
        return out.step("facts")
    if kind == "CaseRejected":
        s["stage"] = REJECTED
        return out.step("rejected")
    if kind == "CaseTriaged":
        return _triaged(out, ev, terms)
    if kind == "HardshipClaimed":
        return claim_hardship(out, body, ev["event_id"])
    if kind == "CaseEscalated" and body["to_stage"] in STAGE_TIER:  # sent back to mediation by another stage
        if s["stage"] == body["to_stage"]:
            return Step(None, outcome="duplicate")
        out.cancel_request()
        enter_tier(out, STAGE_TIER[body["to_stage"]], ev["event_id"], terms)
        return out.step("back_to_mediation")
    if kind in ("CaseHeld", "CaseReleased"):
        return _hold(out, kind, body)
    if kind == "CaseClosed":
        s["closed"] = True
        out.cancel_request()
        return out.step("closed")
    return Step(None)


def _take_facts(s: dict, f: dict) -> None:
    s["facts"] = {"principal_cents": f["principal_cents"], "interest_cents": f["interest_cents"],
                  "penalty_cents": f["penalty_cents"], "region_code": f["region_code"],
                  "hardship": {k: bool(v) for k, v in f["hardship"].items()}}


def _triaged(out: Out, ev: dict, terms: Terms) -> Step:
    s, body = out.state, ev["event"]
    if s["stage"] is not None:
        return Step(None, outcome="duplicate")
    s.update(route=body["route"], court=body["court"], centre=body["mediation_centre"],
             cross_region=body["cross_region"], score=body["score"],
             region=body["court"].split("-", 1)[-1] if body["court"].startswith("CT-") else "")
    if body["route"] == RELIEF:
        return relief_on_triage(out, body["reason_codes"], ev["event_id"])
    tier = STAGE_TIER.get(body["route"])
    if tier is None:
        raise InvalidOutcome(f"case {s['case_id']}: unknown route {body['route']!r}")
    enter_tier(out, tier, ev["event_id"], terms)
    return out.step("entered_" + tier.lower())


def _hold(out: Out, kind: str, body: dict) -> Step:
    """A hold stops the case; on release its deadlines move by the time it was held."""
    s = out.state
    if s["held"] == (kind == "CaseHeld"):
        return Step(None, outcome="duplicate")
    if kind == "CaseHeld":
        s["held"] = True
        return out.step("held")
    s["held"] = False
    s["shift_ms"] += body["held_ms"]
    for deadline in ("deadline_ms", "chase_ms"):
        if s.get(deadline) is not None:
            s[deadline] += body["held_ms"]
    if s.get("offer"):
        s["offer"] = {**s["offer"], "expires_ms": s["offer"]["expires_ms"] + body["held_ms"]}
    return out.step("released")
