"""Payment plans: checking a settlement's plan, building a hardship plan, and tracking instalments. Pure.

In state a plan is JSON: {"kind", "total_cents", "waived_penalty_cents", "waived_interest_cents",
"instalments": [{"seq", "due_date" (ISO), "amount_cents", "paid_cents", "reminded"}]}.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.mediation.errors import InvalidHardshipClaim, InvalidPlan

PLAN_KINDS = ("LUMP_SUM", "INSTALMENTS", "DEFERRAL", "REDUCED_INSTALMENTS")
# Hardship kind → (plan kind, days until the first instalment, number of monthly instalments).
# Deferral for those expected to recover an income; smaller, longer instalments for the rest.
RELIEF_TERMS = {
    "STUDENT": ("DEFERRAL", 90, 6), "UNEMPLOYED": ("DEFERRAL", 90, 6), "DISASTER": ("DEFERRAL", 90, 6),
    "SERIOUS_ILLNESS": ("REDUCED_INSTALMENTS", 30, 12), "ELDERLY": ("REDUCED_INSTALMENTS", 30, 12),
    "DISABLED": ("REDUCED_INSTALMENTS", 30, 12),
}
MONTH_DAYS = 30


def plan_to_state(plan: dict) -> dict:
    """An Avro PaymentPlan (dates as ``date``) → state JSON, after checking it makes sense."""
    if plan["kind"] not in PLAN_KINDS:
        raise InvalidPlan(f"plan kind {plan['kind']!r} is not one of {', '.join(PLAN_KINDS)}")
    items = sorted(plan["instalments"], key=lambda i: i["seq"])
    if not items:
        raise InvalidPlan("plan has no instalments (a lump sum is one instalment)")
    if [i["seq"] for i in items] != list(range(1, len(items) + 1)):
        raise InvalidPlan("instalment seq must run 1..n")
    if any(i["amount_cents"] <= 0 for i in items) or sum(i["amount_cents"] for i in items) != plan["total_cents"]:
        raise InvalidPlan("instalment amounts must be positive and add up to total_cents")
    if plan["kind"] == "LUMP_SUM" and len(items) != 1:
        raise InvalidPlan("a LUMP_SUM plan has exactly one instalment")
    if any(b["due_date"] <= a["due_date"] for a, b in zip(items, items[1:])):
        raise InvalidPlan("instalment due dates must increase")
    return {"kind": plan["kind"], "total_cents": plan["total_cents"],
            "waived_penalty_cents": plan.get("waived_penalty_cents", 0),
            "waived_interest_cents": plan.get("waived_interest_cents", 0),
            "instalments": [{"seq": i["seq"], "due_date": _iso(i["due_date"]), "amount_cents": i["amount_cents"],
                             "paid_cents": 0, "reminded": False} for i in items]}


def plan_to_avro(plan: dict) -> dict:
    return {k: plan[k] for k in ("kind", "total_cents", "waived_penalty_cents", "waived_interest_cents")} | {
        "instalments": [{"seq": i["seq"], "due_date": date.fromisoformat(i["due_date"]), "amount_cents": i["amount_cents"]}
                        for i in plan["instalments"]]}


def hardship_kind(name: str) -> str:
    """The one spelling of a hardship kind: triage's reason codes say ``HARDSHIP_STUDENT`` /
    ``UNEMPLOYED``, debtor requests and CaseFacts flags say ``is_student`` / ``unemployed``; all of
    them become the upper-case kind of ``RELIEF_TERMS`` (``STUDENT``, ``UNEMPLOYED``, …)."""
    return str(name).strip().upper().removeprefix("HARDSHIP_").removeprefix("IS_")


def claimed_kinds(names: list[str]) -> list[str]:
    """A debtor's hardship claim, normalised and checked: at least one kind, every one known."""
    kinds = sorted({hardship_kind(n) for n in names})
    unknown = [k for k in kinds if k not in RELIEF_TERMS]
    if not kinds or unknown:
        raise InvalidHardshipClaim(f"hardship claim needs kinds from {', '.join(RELIEF_TERMS)}; got "
                                   f"{len(unknown)} unknown of {len(kinds)}")
    return kinds


def relief_plan(facts: dict, kinds: list[str], today: date) -> dict:
    """The hardship plan (Avro PaymentPlan): interest and penalty waived, the principal repaid on the
    gentlest terms any of the debtor's hardship kinds allows."""
    return _schedule(facts["principal_cents"], kinds, today) | {
        "waived_penalty_cents": facts["penalty_cents"], "waived_interest_cents": facts["interest_cents"]}


def rescheduled_plan(plan: dict, kinds: list[str], today: date) -> dict:
    """A plan in force (state JSON) turned into a hardship plan (Avro PaymentPlan): what is still
    outstanding, on the hardship terms; the settlement's waivers stand."""
    return _schedule(outstanding(plan), kinds, today) | {
        "waived_penalty_cents": plan["waived_penalty_cents"], "waived_interest_cents": plan["waived_interest_cents"]}


def _schedule(total: int, kinds: list[str], today: date) -> dict:
    terms = [RELIEF_TERMS[k] for k in map(hardship_kind, kinds) if k in RELIEF_TERMS] or [RELIEF_TERMS["UNEMPLOYED"]]
    kind, first_days, count = max(terms, key=lambda t: (t[1], t[2]))
    count = max(1, min(count, total))
    share, rest = divmod(total, count)
    instalments = [{"seq": n + 1, "due_date": today + timedelta(days=first_days + n * MONTH_DAYS),
                    "amount_cents": share + (rest if n == count - 1 else 0)} for n in range(count)]
    return {"kind": kind, "total_cents": total, "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": instalments}


def apply_payment(plan: dict, amount_cents: int) -> tuple[dict, list[dict], int]:
    """Pay instalments in order. Returns (new plan, instalments now fully paid, amount left over)."""
    items = [dict(i) for i in plan["instalments"]]
    left, done = amount_cents, []
    for item in items:
        owed = item["amount_cents"] - item["paid_cents"]
        if owed <= 0 or left <= 0:
            continue
        pay = min(owed, left)
        item["paid_cents"] += pay
        left -= pay
        if item["paid_cents"] == item["amount_cents"]:
            done.append(item)
    return {**plan, "instalments": items}, done, left


def fully_paid(plan: dict) -> bool:
    return all(i["paid_cents"] >= i["amount_cents"] for i in plan["instalments"])


def outstanding(plan: dict) -> int:
    return sum(i["amount_cents"] - i["paid_cents"] for i in plan["instalments"])


def due_for_reminder(plan: dict, today: date, reminder_days: int) -> list[dict]:
    return [i for i in plan["instalments"] if not i["reminded"] and i["paid_cents"] < i["amount_cents"]
            and today >= date.fromisoformat(i["due_date"]) - timedelta(days=reminder_days)]


def next_change_day(plan: dict, reminder_days: int, grace_days: int) -> date | None:
    """The first plan day on which a reminder is due or an instalment counts as missed (None: fully paid)."""
    days = []
    for i in plan["instalments"]:
        if i["paid_cents"] < i["amount_cents"]:
            due = date.fromisoformat(i["due_date"])
            days.append(due + timedelta(days=grace_days + 1))
            if not i["reminded"]:
                days.append(due - timedelta(days=reminder_days))
    return min(days, default=None)


def first_missed(plan: dict, today: date, grace_days: int) -> dict | None:
    """The first unpaid instalment whose grace period has run out (``today`` is after due + grace)."""
    for i in plan["instalments"]:
        if i["paid_cents"] < i["amount_cents"] and today > date.fromisoformat(i["due_date"]) + timedelta(days=grace_days):
            return i
    return None


def _iso(d) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)
