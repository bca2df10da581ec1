"""An objection's answer duty, rung by rung (docs/rules.md O2, O7, O8). Pure.

An open objection always has an owner, named on the event that hands it over:
- the lender's complaint desk from the hold (``CaseHeld.owner``);
- its answer date passed: the lender's supervisor (``ObjectionOverdue``);
- ``escalate_days`` later, still unanswered: a neutral, the mediation centre triage named for the case, or
  the platform operator when it named none (``ObjectionEscalated``). The case stays held: collection
  never resumes on an objection nobody examined.
- ``close_days`` after the answer date (0: never), still unanswered: the case closes
  (``CaseClosed`` OBJECTION_UNANSWERED), so an unanswered objection never holds a case for ever.
Any owner answers with OBJECTION_DECISION, which ends the ladder.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from remedy.kernel.deadlines import ms
from remedy.kernel.emit import Emit
from services.objections import complaints
from services.objections.closing import closed
from services.objections.docket import Docket
from services.objections.rules import Decision, ObjectionRules, event

SUPERVISOR, CENTRE, OPERATOR = "LENDER_SUPERVISOR", "MEDIATION_CENTRE", "OPERATOR"
DAY_MS = 86_400_000
DEFAULT_RULES = ObjectionRules()


def _escalate_at(o: dict, rules: ObjectionRules) -> int:
    return o["due_at"] + rules.escalate_days * DAY_MS


def _close_at(o: dict, rules: ObjectionRules) -> int | None:
    return o["due_at"] + rules.close_days * DAY_MS if rules.close_days > 0 else None


def _day_after(answer_by: str, days: int) -> date:
    return date.fromisoformat(answer_by) + timedelta(days=days + 1)


def next_due_ms(docket: Docket, rules: ObjectionRules = DEFAULT_RULES) -> int | None:
    """When the next rung of any open objection, or an unanswered complaint's term, falls due."""
    due = complaints.due_ms(docket)
    for o in (docket.objections.values() if not docket.closed else ()):
        if not o["open"]:
            continue
        if not o["overdue"]:
            due.append(o["due_at"])
        elif not o.get("escalated"):
            due.append(_escalate_at(o, rules))
        elif _close_at(o, rules) is not None:
            due.append(_close_at(o, rules))
    return min(due) if due else None


def on_tick(docket: Docket | None, now: datetime, rules: ObjectionRules = DEFAULT_RULES) -> Decision:
    if docket is None:
        return Decision(docket, outcome="ignored")
    emits: list[Emit] = complaints.on_tick(docket, now)
    for oid, o in sorted(docket.objections.items()):
        if docket.closed or not o["open"]:
            continue
        emits += _climb(docket, oid, o, ms(now), now, rules)
    return Decision(docket, emits, "applied" if emits else "ignored")


def _climb(docket: Docket, oid: str, o: dict, at: int, now: datetime, rules: ObjectionRules) -> list[Emit]:
    out = []
    answer_by = date.fromisoformat(o["answer_by"])
    if not o["overdue"] and at >= o["due_at"]:
        o["overdue"], o["owner"] = True, SUPERVISOR
        out.append(event(docket, "ObjectionOverdue", {"objection_id": oid, "answer_by": answer_by, "owner": SUPERVISOR,
                                                      "escalate_on": _day_after(o["answer_by"], rules.escalate_days)},
                         o["cause"], now))
    close_at = _close_at(o, rules)
    if o["overdue"] and not o.get("escalated") and at >= _escalate_at(o, rules):
        o["escalated"], o["owner"] = True, CENTRE if docket.mediation_centre else OPERATOR
        out.append(event(docket, "ObjectionEscalated", {
            "objection_id": oid, "answer_by": answer_by, "owner": o["owner"], "mediation_centre": docket.mediation_centre,
            "close_on": _day_after(o["answer_by"], rules.close_days) if close_at is not None else None}, o["cause"], now))
    if o.get("escalated") and close_at is not None and at >= close_at:
        o["open"] = False
        out.append(closed(docket, {"reason": "OBJECTION_UNANSWERED", "final_stage": docket.current_stage,
                                   "recovered_cents": 0}, o["cause"], now))
    return out
