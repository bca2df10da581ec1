"""Request bodies → records for the input topics. Pure: ``now`` and ids are passed in.

Every refusal is a ``BadRequest`` naming the field (``plan.instalments[1].amount_cents``) and what
is wrong with it; the wiring turns it into a 400.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

OUTCOMES = ("SETTLED", "OFFERED", "FAILED", "UNREACHABLE", "EXTENDED")
WITH_PLAN = ("SETTLED", "OFFERED")   # outcomes that carry a plan: the one agreed, or the one offered to the debtor
PLAN_KINDS = ("LUMP_SUM", "INSTALMENTS", "DEFERRAL", "REDUCED_INSTALMENTS")
DECISION_KINDS = ("CONFIRMATION_GRANTED", "CONFIRMATION_DENIED", "FILING_ACCEPTED", "FILING_REJECTED", "JUDGMENT",
                  "ENFORCEMENT_RESULT", "ENFORCEMENT_RESUMED")
ENFORCEMENT_RESULTS = ("RECOVERED_FULL", "RECOVERED_PARTIAL", "TERMINATED_NO_ASSETS")
DEBTOR_KINDS = ("OBJECTION", "HARDSHIP_CLAIM", "ACCEPT_OFFER", "OPT_OUT", "COMPLAINT")
COMPLAINT_CATEGORIES = ("COLLECTION_CONDUCT", "FEES_AND_CHARGES", "CONTRACT_TERMS", "MEDIATION_PROCESS", "PRIVACY", "OTHER")
ANSWER_OUTCOMES = ("UPHELD", "PARTLY_UPHELD", "NOT_UPHELD", "NOT_COMPETENT")
GROUNDS = ("WRONG_AMOUNT", "IDENTITY_THEFT", "ALREADY_PAID", "TIME_BARRED", "OTHER")
CHANNELS = ("EMAIL", "SMS", "LETTER")
HARDSHIP_KINDS = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
MAX_TEXT = 2000
MAX_ID = 128
MAX_CENTS = 10 ** 13


class BadRequest(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def parse_json(raw: bytes | str, max_depth: int, name: str = "body"):
    """JSON text as a value, nested at most ``max_depth`` deep; a ``BadRequest`` naming ``name`` otherwise."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest(name, f"is nested more than {max_depth} deep") from None
    except ValueError as exc:  # UnicodeDecodeError too
        raise BadRequest(name, f"is not valid JSON ({str(exc)[:120]})") from None
    if too_deep(value, max_depth):
        raise BadRequest(name, f"is nested more than {max_depth} deep")
    return value


def too_deep(value, max_depth: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _object(body, name: str = "body") -> dict:
    if not isinstance(body, dict):
        raise BadRequest(name, "must be a JSON object")
    return body


def _string(body: dict, name: str, *, required: bool = True, default: str = "", limit: int = MAX_TEXT,
            choices: tuple[str, ...] | None = None, prefix: str = "") -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(prefix + name, "is required")
        return default
    if not isinstance(value, str):
        raise BadRequest(prefix + name, "must be a string")
    if required and not value.strip():
        raise BadRequest(prefix + name, "must not be empty")
    if len(value) > limit:
        raise BadRequest(prefix + name, f"must be at most {limit} characters")
    if choices is not None and value not in choices:
        raise BadRequest(prefix + name, "must be one of " + ", ".join(choices))
    return value


def _cents(body: dict, name: str, *, required: bool = True, positive: bool = True, prefix: str = "") -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(prefix + name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(prefix + name, "must be an integer number of fen")
    if value < (1 if positive else 0) or value > MAX_CENTS:
        raise BadRequest(prefix + name, ("must be greater than zero" if positive else "must not be negative")
                         + f" and at most {MAX_CENTS}")
    return value


def _date(body: dict, name: str, *, required: bool = True, prefix: str = "") -> date | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(prefix + name, "is required")
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(prefix + name, "must be a date YYYY-MM-DD") from None


def _instant(body: dict, name: str, now: datetime) -> datetime:
    value = body.get(name)
    if value is None:
        return now
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        raise BadRequest(name, "must be an ISO-8601 instant, e.g. 2026-03-01T10:00:00Z") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _id(body: dict, name: str, fallback: str) -> str:
    return _string(body, name, required=False, limit=MAX_ID) or fallback


# --- lenders ------------------------------------------------------------------------------------
def withdrawal(body, *, case_id: str, lender_id: str, update_id: str, now: datetime) -> dict:
    body = _object(body)
    return {"update_id": update_id, "case_id": case_id, "lender_id": lender_id, "kind": "WITHDRAWN", "amount_cents": 0,
            "note": _string(body, "note", required=False), "reported_at": now}


def lender_payment(body, *, case_id: str, lender_id: str, new_id: str, now: datetime) -> tuple[str, dict]:
    """("lender.updates", LenderUpdate PAID_IN_FULL) or ("payments", Payment)."""
    body = _object(body)
    amount = _cents(body, "amount_cents")
    paid_in_full = body.get("paid_in_full", False)
    if not isinstance(paid_in_full, bool):
        raise BadRequest("paid_in_full", "must be true or false")
    if paid_in_full:
        return "lender.updates", {"update_id": new_id, "case_id": case_id, "lender_id": lender_id, "kind": "PAID_IN_FULL",
                                  "amount_cents": amount, "note": _string(body, "note", required=False),
                                  "reported_at": _instant(body, "paid_at", now)}
    ref = _string(body, "payment_ref", limit=MAX_ID)
    return "payments", {"payment_ref": ref, "case_id": case_id, "amount_cents": amount,
                        "paid_at": _instant(body, "paid_at", now), "channel": "lender_reported"}


# --- mediators ----------------------------------------------------------------------------------
def plan(body, prefix: str = "plan.") -> dict:
    body = _object(body, prefix.rstrip("."))
    kind = _string(body, "kind", choices=PLAN_KINDS, prefix=prefix)
    total = _cents(body, "total_cents", prefix=prefix)
    waived_p = _cents(body, "waived_penalty_cents", required=False, positive=False, prefix=prefix) or 0
    waived_i = _cents(body, "waived_interest_cents", required=False, positive=False, prefix=prefix) or 0
    items = body.get("instalments")
    if not isinstance(items, list) or not items:
        raise BadRequest(prefix + "instalments", "must be a non-empty list")
    if len(items) > 120:
        raise BadRequest(prefix + "instalments", "must have at most 120 instalments")
    instalments = []
    for n, item in enumerate(items):
        where = f"{prefix}instalments[{n}]."
        item = _object(item, where.rstrip("."))
        seq = item.get("seq", n + 1)
        if seq != n + 1:
            raise BadRequest(where + "seq", f"must be {n + 1} (instalments are numbered from 1 in order)")
        instalments.append({"seq": seq, "due_date": _date(item, "due_date", prefix=where),
                            "amount_cents": _cents(item, "amount_cents", prefix=where)})
    if sum(i["amount_cents"] for i in instalments) != total:
        raise BadRequest(prefix + "instalments", f"amounts must add up to total_cents ({total})")
    if any(a["due_date"] > b["due_date"] for a, b in zip(instalments, instalments[1:])):
        raise BadRequest(prefix + "instalments", "due dates must not go backwards")
    return {"kind": kind, "total_cents": total, "waived_penalty_cents": waived_p, "waived_interest_cents": waived_i,
            "instalments": instalments}


def outcome(body, *, case_id: str, mediator_id: str, tier: str, new_id: str, now: datetime) -> dict:
    body = _object(body)
    result = _string(body, "outcome", choices=OUTCOMES)
    settled_plan = None
    if result in WITH_PLAN:
        if body.get("plan") is None:
            raise BadRequest("plan", f"is required when outcome is {result}")
        settled_plan = plan(body["plan"])
    elif body.get("plan") is not None:
        raise BadRequest("plan", f"must be absent when outcome is {result}")
    return {"outcome_id": _id(body, "outcome_id", new_id), "case_id": case_id, "mediator_id": mediator_id, "tier": tier,
            "outcome": result, "plan": settled_plan, "note": _string(body, "note", required=False), "recorded_at": now}


# --- courts and payment processors -----------------------------------------------------------------
def court_decision(body, *, court: str, now: datetime) -> dict:
    body = _object(body)
    kind = _string(body, "kind", choices=DECISION_KINDS)
    record = {"decision_id": _string(body, "decision_id", limit=MAX_ID), "case_id": _string(body, "case_id", limit=MAX_ID),
              "court": court, "kind": kind, "court_case_no": _string(body, "court_case_no", required=False, limit=MAX_ID),
              "awarded_cents": _cents(body, "awarded_cents", required=kind == "JUDGMENT"),
              "performance_due": _date(body, "performance_due", required=kind == "JUDGMENT"),
              "enforcement_result": _string(body, "enforcement_result", required=kind == "ENFORCEMENT_RESULT",
                                            default=None, choices=ENFORCEMENT_RESULTS),
              "recovered_cents": _cents(body, "recovered_cents", required=False, positive=False) or 0,
              "reason": _string(body, "reason", required=False), "decided_at": _instant(body, "decided_at", now)}
    if kind in ("FILING_ACCEPTED", "JUDGMENT", "CONFIRMATION_GRANTED") and not record["court_case_no"]:
        raise BadRequest("court_case_no", f"is required for {kind}")
    return record


def payment(body, *, now: datetime) -> dict:
    body = _object(body)
    return {"payment_ref": _string(body, "payment_ref", limit=MAX_ID), "case_id": _string(body, "case_id", limit=MAX_ID),
            "amount_cents": _cents(body, "amount_cents"), "paid_at": _instant(body, "paid_at", now),
            "channel": _string(body, "channel", required=False, default="bank_transfer", limit=64)}


# --- debtors ------------------------------------------------------------------------------------
def debtor_request(body, *, case_id: str, new_id: str, now: datetime) -> dict:
    body = _object(body)
    kind = _string(body, "kind", choices=DEBTOR_KINDS)
    record = {"request_id": new_id, "case_id": case_id, "kind": kind, "ground": None,
              "detail": _string(body, "detail", required=False), "channel": None, "objection_id": None,
              "decision": None, "amended_principal_cents": None, "hardship_kinds": [], "category": None,
              "complaint_id": None, "department_id": None, "answer_outcome": None, "submitted_at": now}
    if kind == "COMPLAINT":
        record["category"] = _string(body, "category", choices=COMPLAINT_CATEGORIES)
        record["detail"] = _string(body, "detail")
    elif kind == "OBJECTION":
        record["ground"] = _string(body, "ground", choices=GROUNDS)
        if record["ground"] == "OTHER" and not record["detail"].strip():
            raise BadRequest("detail", "is required when ground is OTHER")
    elif kind == "OPT_OUT":
        record["channel"] = _string(body, "channel", choices=CHANNELS)
    elif kind == "HARDSHIP_CLAIM":
        kinds = body.get("hardship_kinds")
        if not isinstance(kinds, list) or not kinds:
            raise BadRequest("hardship_kinds", "must be a non-empty list")
        for n, k in enumerate(kinds):
            if k not in HARDSHIP_KINDS:
                raise BadRequest(f"hardship_kinds[{n}]", "must be one of " + ", ".join(HARDSHIP_KINDS))
        record["hardship_kinds"] = sorted(set(kinds))
    return record


# --- departments --------------------------------------------------------------------------------
def complaint_answer(body, *, case_id: str, complaint_id: str, department_id: str, new_id: str, now: datetime) -> dict:
    """A department's answer to a complaint routed to it: a COMPLAINT_ANSWER on ``debtor.requests``."""
    body = _object(body)
    return {"request_id": new_id, "case_id": case_id, "kind": "COMPLAINT_ANSWER", "ground": None,
            "detail": _string(body, "text"), "channel": None, "objection_id": None, "decision": None,
            "amended_principal_cents": None, "hardship_kinds": [], "category": None, "complaint_id": complaint_id,
            "department_id": department_id, "answer_outcome": _string(body, "outcome", choices=ANSWER_OUTCOMES),
            "submitted_at": now}
