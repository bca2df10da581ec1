"""Complaints (docs/rules.md C1 – C4): each routed by its category to the department that answers it, with
that department's term; its answer, and its overdue. Pure.

- COMPLAINT → ``ComplaintRouted`` (complaint_id, category, department, department_id, due_at), whatever the
  case's state: a complaint is never refused, and outlives the case. No text: the complaint stays on
  ``debtor.requests``; the department reads it in the gateway, where the webhooks of ``department_id`` lead.
- COMPLAINT_ANSWER (the department, through the gateway) → ``ComplaintAnswered`` (outcome, late). An answer
  to a complaint never routed here, from another department, or a second answer: a dead letter.
- Unanswered at due_at → ``ComplaintOverdue``, once; a late answer is still taken (``late``).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from remedy.kernel.clock import CHINA_TZ, china_date
from remedy.kernel.deadlines import ms
from remedy.kernel.emit import Emit
from remedy.kernel.workdays import add_working_days
from services.objections.docket import Docket
from services.objections.rules import (ASSOCIATION, CENTRE, LENDER_DESK, REGULATOR, ComplaintRules, InvalidRequest,
                                       OutOfOrder, Term, event)

DEPARTMENTS = (REGULATOR, ASSOCIATION, LENDER_DESK, CENTRE)
# category -> the department that answers it (C1)
ROUTES = {"COLLECTION_CONDUCT": REGULATOR, "PRIVACY": REGULATOR, "FEES_AND_CHARGES": LENDER_DESK,
          "CONTRACT_TERMS": ASSOCIATION, "MEDIATION_PROCESS": CENTRE, "OTHER": LENDER_DESK}
CATEGORIES = tuple(ROUTES)
OUTCOMES = ("UPHELD", "PARTLY_UPHELD", "NOT_UPHELD", "NOT_COMPETENT")
ROUTED, OVERDUE, ANSWERED = "ROUTED", "OVERDUE", "ANSWERED"


def route(category: str, docket: Docket) -> tuple[str, str]:
    """(department, department_id) for a complaint of ``category`` on this case (C1, C3)."""
    department = ROUTES[category]
    if department == CENTRE and not docket.mediation_centre:
        department = REGULATOR   # no mediation centre was named: the regulator's office takes it
    prefecture = (docket.region_code[:4] + "00") if len(docket.region_code) == 6 else "000000"
    return department, {REGULATOR: f"DEPT-CBIRC-{prefecture}", ASSOCIATION: f"DEPT-CA-{prefecture}",
                        LENDER_DESK: f"DEPT-LENDER-{docket.lender_id}",
                        CENTRE: f"DEPT-{docket.mediation_centre}"}[department]


def answer_by(today: date, term: Term) -> date:
    return add_working_days(today, term.days) if term.working else today + timedelta(days=term.days)


def end_of(day: date) -> datetime:
    """The first instant after ``day`` ends in China."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA_TZ)


def file_complaint(docket: Docket, request: dict, cause: str, now: datetime, rules: ComplaintRules) -> list[Emit]:
    category = request.get("category") or "OTHER"
    if category not in ROUTES:
        raise InvalidRequest(f"COMPLAINT category must be one of {', '.join(CATEGORIES)}")
    cid = request["request_id"]
    department, department_id = route(category, docket)
    due = end_of(answer_by(china_date(now), rules.term(department)))
    docket.complaints[cid] = {"category": category, "department": department, "department_id": department_id,
                              "due_at": ms(due), "status": ROUTED, "cause": cause}
    return [event(docket, "ComplaintRouted", {"complaint_id": cid, "category": category, "department": department,
                                              "department_id": department_id, "due_at": due}, cause, now)]


def answer_complaint(docket: Docket, request: dict, cause: str, now: datetime) -> list[Emit]:
    cid, outcome = request.get("complaint_id"), request.get("answer_outcome")
    complaint = docket.complaints.get(cid or "")
    if complaint is None:
        raise InvalidRequest("COMPLAINT_ANSWER names no complaint routed on this case")
    if request.get("department_id") != complaint["department_id"]:
        raise InvalidRequest("COMPLAINT_ANSWER from a department the complaint was not routed to")
    if complaint["status"] == ANSWERED:
        raise OutOfOrder("COMPLAINT_ANSWER for a complaint already answered")
    if outcome not in OUTCOMES:
        raise InvalidRequest(f"COMPLAINT_ANSWER answer_outcome must be one of {', '.join(OUTCOMES)}")
    complaint["status"] = ANSWERED
    return [event(docket, "ComplaintAnswered", {
        "complaint_id": cid, "department": complaint["department"], "department_id": complaint["department_id"],
        "outcome": outcome, "late": ms(now) >= complaint["due_at"]}, cause, now)]


def due_ms(docket: Docket) -> list[int]:
    return [c["due_at"] for c in docket.complaints.values() if c["status"] == ROUTED]


def on_tick(docket: Docket, now: datetime) -> list[Emit]:
    """``ComplaintOverdue`` for each routed complaint whose term has run out."""
    out = []
    for cid, c in sorted(docket.complaints.items()):
        if c["status"] == ROUTED and ms(now) >= c["due_at"]:
            c["status"] = OVERDUE
            out.append(event(docket, "ComplaintOverdue", {
                "complaint_id": cid, "department": c["department"], "department_id": c["department_id"],
                "due_at": datetime.fromtimestamp(c["due_at"] / 1000, CHINA_TZ)}, c["cause"], now))
    return out
