"""Complaints as the gateway shows them, read from the read model (projection.py): a department's own complaints
(``dc/`` index) and a debtor's, each with its department, deadline, status and answer. Their texts are not in the
case log: the complaint's and the answer's are the ``debtor.requests`` records the routing and the answer were
caused by, kept in the audit store (``a/<case_id>/<ref>``); they are shown only to the debtor and to the
department the complaint was routed to."""
from __future__ import annotations

import orjson

from services.gateway.model import Case
from services.gateway.projection import Projection, key


def text_of(p: Projection, case_id: str, ref: str | None) -> str | None:
    """The free text (``detail``) of the debtor.requests record ``ref`` of the case, if the gateway has it."""
    found = p.store.get(key("a", case_id, ref)) if ref else None
    if found is None:
        return None
    return (found if isinstance(found, dict) else orjson.loads(found)).get("detail")


def shown(p: Projection, case: Case, complaint: dict) -> dict:
    """A complaint with its texts, for the debtor or its department."""
    out = {k: v for k, v in complaint.items() if k not in ("routed_ref", "answer_ref")}
    out["text"] = text_of(p, case.case_id, complaint.get("routed_ref"))
    if complaint["status"] == "ANSWERED":
        out["answer"] = {"outcome": complaint["outcome"], "late": complaint["late"],
                         "answered_at_ms": complaint["answered_at_ms"],
                         "text": text_of(p, case.case_id, complaint.get("answer_ref"))}
    return out


def for_debtor(p: Projection, case: Case) -> list[dict]:
    return [shown(p, case, c) for c in sorted(case.complaints.values(), key=lambda c: (c["routed_at_ms"], c["complaint_id"]))]


def found(p: Projection, department_id: str, complaint_id: str) -> tuple[Case, dict] | None:
    """(case, complaint) when the complaint was routed to this department; None otherwise (another's, or unknown)."""
    case_id = p.store.get(key("dc", department_id, complaint_id))
    case = p.case(case_id.decode() if isinstance(case_id, bytes) else case_id) if case_id else None
    complaint = case.complaints.get(complaint_id) if case else None
    if complaint is None or complaint["department_id"] != department_id:
        return None
    return case, complaint


def for_department(p: Projection, department_id: str, status: str | None = None) -> list[dict]:
    """The complaints routed to the department, oldest deadline first, each with its case's id, lender and stage."""
    p.commit()
    out = []
    for k, _ in p.store.scan(key("dc", department_id) + b"\x00"):
        hit = found(p, department_id, k.rsplit(b"\x00", 1)[1].decode())
        if hit is not None and (status is None or hit[1]["status"] == status):
            case, complaint = hit
            out.append({**shown(p, case, complaint), "case_id": case.case_id, "lender_id": case.lender_id,
                        "stage": case.stage})
    return sorted(out, key=lambda c: (c["due_at_ms"], c["complaint_id"]))
