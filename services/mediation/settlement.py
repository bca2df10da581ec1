"""A tier's outcome and a settlement's confirmation: SETTLED asks the court to confirm the plan, OFFERED
offers the debtor a plan (offers.py),
FAILED / UNREACHABLE end the tier, EXTENDED extends it; CONFIRMATION_GRANTED puts the plan in force,
a first denial sends the case back to court mediation and a second one to litigation; an answer after
the request lapsed is taken as confirmation.py says. Pure."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.lifecycle import CONFIRMATION, COURT_MEDIATION, LITIGATION, PERFORMING, TIER_STAGE
from services.mediation import confirmation, plans
from services.mediation.errors import CaseOnHold, InvalidOutcome, InvalidPlan, OutcomeWithoutSession, UnexpectedDecision
from services.mediation.offers import make_offer, settle
from services.mediation.step import Out, Step, Terms, guard, start_plan
from services.mediation.tiers import enter_tier, extend_tier, fail_tier

CONFIRMATION_KINDS = ("CONFIRMATION_GRANTED", "CONFIRMATION_DENIED")


# ---- mediation.outcomes ------------------------------------------------------------------------

def on_outcome(state: dict | None, o: dict, input_id: str, terms: Terms, now: datetime) -> Step:
    s = guard(state, "a mediation outcome")
    if o["outcome_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"mediation outcome for case {s['case_id']} while it is on hold")
    if s["stage"] != TIER_STAGE.get(o["tier"]) or not s["session"] or s["mediator_id"] != o["mediator_id"]:
        raise OutcomeWithoutSession(f"{o['outcome']} outcome for case {s['case_id']} in the {o['tier']} tier by "
                                    f"{o['mediator_id']}, but that mediator has no session there (stage {s['stage']})")
    s["seen"] = s["seen"] + [o["outcome_id"]]
    out = Out(s, now)
    if o["outcome"] == "SETTLED":
        if o["plan"] is None:
            raise InvalidPlan(f"SETTLED outcome for case {s['case_id']} has no plan")
        settle(out, plans.plan_to_state(o["plan"]), s["mediator_id"], input_id, terms)
        return out.step("settled")
    if o["outcome"] == "OFFERED":
        make_offer(out, o, input_id)
        return out.step("offered")
    if o["outcome"] in ("FAILED", "UNREACHABLE"):
        fail_tier(out, o["outcome"], input_id, terms)
        return out.step("failed")
    if o["outcome"] == "EXTENDED":
        extend_tier(out, input_id, terms)
        return out.step("extended")
    raise InvalidOutcome(f"case {s['case_id']}: unknown outcome {o['outcome']!r}")


# ---- court.decisions ---------------------------------------------------------------------------

def on_court_decision(state: dict | None, d: dict, input_id: str, terms: Terms, now: datetime) -> Step:
    """CONFIRMATION_GRANTED / CONFIRMATION_DENIED. Other kinds belong to enforcement: ``not_ours``."""
    if d["kind"] not in CONFIRMATION_KINDS:
        return Step(None, outcome="not_ours")
    s = guard(state, "a confirmation decision")
    if d["decision_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"confirmation decision for case {s['case_id']} while it is on hold")
    if s["stage"] == PERFORMING and s["plan_source"] == confirmation.UNCONFIRMED:
        return _late_decision(s, d, input_id, now)
    if s["stage"] != CONFIRMATION:
        raise UnexpectedDecision(f"{d['kind']} for case {s['case_id']}, which awaits no confirmation (stage {s['stage']})")
    s["seen"] = s["seen"] + [d["decision_id"]]
    out = Out(s, now)
    court = d["court"] or s["court"]
    if d["kind"] == "CONFIRMATION_GRANTED":
        granted = out.event("ConfirmationGranted", {"court": court, "ruling_no": d["court_case_no"] or d["decision_id"]},
                            input_id)
        start_plan(s, s["plan"], "SETTLEMENT", granted)
        return out.step("confirmed")
    denied = out.event("ConfirmationDenied", {"court": court, "reason": d["reason"] or "DENIED"}, input_id)
    s["denials"] += 1
    if s["denials"] == 1:
        back = out.escalate(CONFIRMATION, COURT_MEDIATION, denied)
        enter_tier(out, "COURT", back, terms)
        return out.step("denied_back_to_mediation")
    out.escalate(CONFIRMATION, LITIGATION, denied)
    s.update(stage=LITIGATION, plan=None)
    return out.step("denied_to_litigation")


def _late_decision(s: dict, d: dict, input_id: str, now: datetime) -> Step:
    """The court answers after the request lapsed (M15): a grant makes the plan in force enforceable;
    a denial is recorded and the plan stays in force, unconfirmed."""
    s["seen"] = s["seen"] + [d["decision_id"]]
    out = Out(s, now)
    court = d["court"] or s["court"]
    if d["kind"] == "CONFIRMATION_GRANTED":
        out.event("ConfirmationGranted", {"court": court, "ruling_no": d["court_case_no"] or d["decision_id"]}, input_id)
        s["plan_source"] = "SETTLEMENT"
        return out.step("confirmed_late")
    out.event("ConfirmationDenied", {"court": court, "reason": d["reason"] or "DENIED"}, input_id)
    return out.step("denied_late")
