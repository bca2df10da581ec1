"""A plan in force (a settlement, confirmed or not, or a relief plan) and the clock: payments against its
instalments, reminders before they fall due, a miss after the grace period, a tier's deadline, an
unanswered confirmation request (confirmation.py). Pure."""
from __future__ import annotations

from datetime import date, datetime

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import ms, start_of_china_day_ms
from remedy.kernel.lifecycle import CONFIRMATION, CREDIT_REPAIR, ENFORCEMENT, LITIGATION, PERFORMING, STAGE_TIER
from services.mediation import confirmation, plans
from services.mediation.errors import CaseOnHold, PaymentWithoutPlan
from services.mediation.step import HANDED_ON, Out, Step, Terms, guard
from services.mediation.tiers import fail_tier

# The escalation reason of a missed plan that is no enforceable title, by where the plan came from (the
# lifecycle's default for PERFORMING → LITIGATION is a relief plan's).
UNTITLED_DEFAULT = {confirmation.UNCONFIRMED: "UNCONFIRMED_SETTLEMENT_DEFAULTED"}


# ---- payments ----------------------------------------------------------------------------------

def on_payment(state: dict | None, p: dict, input_id: str, now: datetime) -> Step:
    s = guard(state, "a payment")
    if p["payment_ref"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["stage"] in HANDED_ON:
        return Step(None, outcome="not_ours")
    if s["held"]:
        raise CaseOnHold(f"payment for case {s['case_id']} while it is on hold")
    if s["stage"] != PERFORMING:
        raise PaymentWithoutPlan(f"payment for case {s['case_id']}, which has no plan in force (stage {s['stage']})")
    if p["amount_cents"] <= 0:
        raise PaymentWithoutPlan(f"payment for case {s['case_id']} has no positive amount")
    s["seen"] = s["seen"] + [p["payment_ref"]]
    out = Out(s, now)
    plan, done, left = plans.apply_payment(s["plan"], p["amount_cents"] + s["credit_cents"])
    s.update(plan=plan, credit_cents=left)
    cause = input_id
    for item in done:
        cause = out.event("InstalmentPaid", {"seq": item["seq"], "amount_cents": item["amount_cents"],
                                             "payment_ref": p["payment_ref"], "paid_at": p["paid_at"]},
                          input_id, str(item["seq"]))
    if plans.fully_paid(plan):
        out.escalate(PERFORMING, CREDIT_REPAIR, cause)
        s["stage"] = CREDIT_REPAIR
        return out.step("plan_completed")
    return out.step("paid" if done else "part_paid")


# ---- the clock ---------------------------------------------------------------------------------

def next_due_ms(state: dict | None, terms: Terms) -> int | None:
    """When ``sweep`` can next change the case: its tier's deadline, or the start of the plan day on
    which an instalment is reminded or missed (plan days are shifted by the time on hold)."""
    if state is None or state["closed"] or state["held"]:
        return None
    if state["stage"] in STAGE_TIER:
        return state["deadline_ms"]
    if state["stage"] == CONFIRMATION:
        return confirmation.next_due_ms(state)
    if state["stage"] != PERFORMING or not state["plan"]:
        return None
    day = plans.next_change_day(state["plan"], terms.reminder_days, terms.grace_days)
    return None if day is None else start_of_china_day_ms(day) + state["shift_ms"]


def backlog_stage(state: dict | None) -> str | None:
    """The lifecycle stage a case waits in at mediation (for the stage backlog gauge)."""
    if state is None or state["closed"] or state["stage"] not in STAGE_TIER.keys() | {PERFORMING}:
        return None
    return state["stage"]


def plan_day(state: dict, now: datetime) -> date:
    """The day an instalment plan's reminders and misses are counted on (shifted by time on hold):
    a performing case whose sweep changed nothing cannot change again until this day turns."""
    return china_date(datetime.fromtimestamp((ms(now) - state["shift_ms"]) / 1000, now.tzinfo))


def sweep(state: dict, terms: Terms, now: datetime) -> Step:
    """What the passing of time does to a case: a tier's deadline, instalment reminders, a miss."""
    if state["closed"] or state["held"]:
        return Step(None)
    s = dict(state)
    out = Out(s, now)
    if s["stage"] in STAGE_TIER and s["deadline_ms"] is not None and ms(now) >= s["deadline_ms"]:
        fail_tier(out, "DEADLINE", s["tier_cause"], terms)
        return out.step("deadline")
    if s["stage"] == CONFIRMATION:
        done = confirmation.sweep(out)
        return out.step(done) if done else Step(None)
    if s["stage"] != PERFORMING:
        return Step(None)
    today = plan_day(s, now)
    plan = {**s["plan"], "instalments": [dict(i) for i in s["plan"]["instalments"]]}
    for item in plans.due_for_reminder(plan, today, terms.reminder_days):
        out.event("InstalmentDue", {"seq": item["seq"], "due_date": date.fromisoformat(item["due_date"]),
                                    "amount_cents": item["amount_cents"] - item["paid_cents"]},
                  s["plan_cause"], str(item["seq"]))
        item["reminded"] = True
    missed = plans.first_missed(plan, today, terms.grace_days)
    s["plan"] = plan
    if missed is not None:
        miss = out.event("InstalmentMissed", {"seq": missed["seq"], "due_date": date.fromisoformat(missed["due_date"]),
                                              "amount_cents": missed["amount_cents"],
                                              "outstanding_cents": plans.outstanding(plan)},
                         s["plan_cause"], str(missed["seq"]))
        # A confirmed settlement is an enforceable title; a relief plan or a settlement the court never
        # confirmed is not: the claim goes to court (docs/rules.md M11, M15).
        to = ENFORCEMENT if s["plan_source"] == "SETTLEMENT" else LITIGATION
        out.escalate(PERFORMING, to, miss, UNTITLED_DEFAULT.get(s["plan_source"]))
        s["stage"] = to
        return out.step("relief_withdrawn" if to == LITIGATION else "defaulted")
    return out.step("reminded") if out.emits else Step(None)
