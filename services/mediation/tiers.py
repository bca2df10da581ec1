"""The two mediation tiers: entering one (a mediator requested from the desk), the desk's assignment
and session, a tier's extension and its failure (people's → court → litigation). Pure."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.deadlines import ms
from remedy.kernel.emit import Emit
from remedy.kernel.lifecycle import COURT_MEDIATION, LITIGATION, TIER_STAGE
from services.mediation.errors import ExtensionRefused, InvalidOutcome, UnknownCase
from services.mediation.step import DAY_MS, Out, Step, Terms


def enter_tier(out: Out, tier: str, cause: str, terms: Terms) -> None:
    s = out.state
    s.update(stage=TIER_STAGE[tier], tier=tier, attempt=s["attempt"] + 1, tier_cause=cause,
             deadline_ms=ms(out.now) + terms.tier_days * DAY_MS, extended=False, mediator_id=None, session=False,
             plan=None, plan_source=None, offer=None)
    out.desk.append({"op": "REQUEST", "request": {
        "case_id": s["case_id"], "lender_id": s["lender_id"], "tier": tier, "attempt": s["attempt"],
        "region": s["region"] or (s["facts"] or {}).get("region_code", ""), "cross_region": s["cross_region"],
        "centre": s["centre"], "court": s["court"], "score": s["score"], "requested_ms": ms(out.now),
        "causation_id": cause}})


def fail_tier(out: Out, reason: str, cause: str, terms: Terms) -> None:
    """``MediationFailed``, then up the ladder: the people's tier to the court's, the court's to litigation."""
    s = out.state
    tier, stage = s["tier"], s["stage"]
    failed = out.event("MediationFailed", {"tier": tier, "reason": reason}, cause, str(s["attempt"]))
    out.cancel_request()
    if tier == "PEOPLES":
        up = out.escalate(stage, COURT_MEDIATION, failed)
        enter_tier(out, "COURT", up, terms)
    else:
        out.escalate(stage, LITIGATION, failed)
        s.update(stage=LITIGATION, deadline_ms=None, mediator_id=None, session=False, offer=None)


def extend_tier(out: Out, input_id: str, terms: Terms) -> None:
    """A tier runs ``tier_days`` more, once."""
    s = out.state
    if s["extended"]:
        raise ExtensionRefused(f"case {s['case_id']}: the {s['tier']} tier was already extended once")
    s["deadline_ms"] += terms.tier_days * DAY_MS
    s["extended"] = True
    out.event("TierExtended", {"tier": s["tier"], "new_deadline": datetime.fromtimestamp(
        s["deadline_ms"] / 1000, out.now.tzinfo)}, input_id)


# ---- mediation.assignments (from the desk) -----------------------------------------------------

def on_assignment(state: dict | None, ev: dict) -> Step:
    """The desk's MediatorAssigned / SessionScheduled: recorded in the case's state, then published
    on case.events — so no one can answer a session the case does not know about yet. An assignment
    for a tier the case has left (deadline, hold-and-close), or for an earlier request than the case's own
    (its cause is the request's), is stale: recorded nowhere, published never."""
    if state is None:
        raise UnknownCase(f"{ev['type']} for a case mediation has never seen")
    s, body = dict(state), ev["event"]
    if s["closed"] or s["stage"] != TIER_STAGE.get(body["tier"]):
        return Step(None, outcome="stale_assignment")
    if ev["type"] == "MediatorAssigned":
        if s.get("tier_cause") not in (None, ev["causation_id"]):   # the answer to an earlier request
            return Step(None, outcome="stale_assignment")
        if s["mediator_id"] is not None:
            return Step(None, outcome="duplicate" if s["mediator_id"] == body["mediator_id"] else "stale_assignment")
        s["mediator_id"] = body["mediator_id"]
    elif ev["type"] == "SessionScheduled":
        if s["mediator_id"] != body["mediator_id"] or s["session"]:
            return Step(None, outcome="duplicate" if s["session"] else "stale_assignment")
        s["session"] = True
    else:
        raise InvalidOutcome(f"{ev['type']} is not an assignment")
    return Step(s, [Emit("case.events", s["case_id"], "CaseEvent", ev)], outcome=ev["type"])
