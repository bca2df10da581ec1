"""Relief on hardship: triage's RELIEF route, and a debtor's claim (objections' ``HardshipClaimed``)
answered by the stage the case is in (see ``case.py``). Pure."""
from __future__ import annotations

from remedy.kernel.clock import china_date
from remedy.kernel.lifecycle import CONFIRMATION, PERFORMING, STAGE_TIER
from services.mediation import plans
from services.mediation.errors import CaseOnHold, ClaimNotInMediation, UnknownCase
from services.mediation.step import HANDED_ON, Out, Step, start_plan


def relief_on_triage(out: Out, reason_codes: list[str], cause: str) -> Step:
    """Triage routed the case to RELIEF: a hardship plan on the principal, tracked like a settlement's."""
    s = out.state
    if s["facts"] is None:
        raise UnknownCase(f"case {s['case_id']}: routed to relief before mediation saw it opened")
    kinds = [plans.hardship_kind(r) for r in reason_codes if r.startswith("HARDSHIP_")]
    plan = plans.relief_plan(s["facts"], kinds, china_date(out.now))
    relief = out.event("ReliefGranted", {"hardship_kinds": kinds, "plan": plan, "source": "TRIAGE"}, cause)
    start_plan(s, plans.plan_to_state(plan), "RELIEF", relief)
    return out.step("relief")


def claim_hardship(out: Out, claim: dict, cause: str) -> Step:
    s = out.state
    if claim["request_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"hardship claim for case {s['case_id']} while it is on hold")
    kinds = plans.claimed_kinds(claim["hardship_kinds"])
    stage = s["stage"]
    if stage in HANDED_ON:
        return Step(None, outcome="hardship_handed_on")
    if stage == CONFIRMATION:
        return Step(None, outcome="hardship_awaiting_confirmation")
    if stage == PERFORMING and s["plan_source"] == "RELIEF":
        return Step(None, outcome="already_relieved")
    today = china_date(out.now)
    if stage in STAGE_TIER:
        if s["facts"] is None:
            raise UnknownCase(f"case {s['case_id']}: hardship claim before mediation saw the case opened")
        plan = plans.relief_plan(s["facts"], kinds, today)
        out.cancel_request()
    elif stage == PERFORMING:
        plan = plans.rescheduled_plan(s["plan"], kinds, today)
    else:
        raise ClaimNotInMediation(f"hardship claim for case {s['case_id']} at stage {stage}: not in mediation")
    s["seen"] = s["seen"] + [claim["request_id"]]
    relief = out.event("ReliefGranted", {"hardship_kinds": kinds, "plan": plan, "source": "DEBTOR_CLAIM"}, cause)
    start_plan(s, plans.plan_to_state(plan), "RELIEF", relief)
    s.update(shift_ms=0, mediator_id=None, session=False)   # a new plan, dated from now: no hold behind it
    return out.step("relief_claimed")
