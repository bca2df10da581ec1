"""From the case log to notice intents. Pure: (case memory, CaseEvent) → Decision (state: the case memory,
internal: intents for ``notify.intents``).

notify remembers per case what its notices need: the debtor_ref, the figures, the sealed contact
(ciphertext only — it is opened at send time, never logged) and the settlement plan. Each
CaseEvent that the catalogue lists becomes one notice intent with a deterministic ``notice_id``
per (case, kind, occasion); hold, release, close become guard controls. Intents are keyed by
``debtor_ref`` so the guard sees every lender's notices to one debtor in one place.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import ms
from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from services.notify.catalogue import Catalogue

INTENTS = "notify.intents"
CONTROLS = {"CaseHeld": "hold", "CaseReleased": "release", "CaseClosed": "close"}
REMEMBERED = ("CaseOpened", "CaseAmended", "CaseTriaged", "MediationSettled", "ConfirmationRequested")  # kept in the case memory
FACTS = ("loan_id", "principal_cents", "interest_cents", "penalty_cents")
FREE_TEXT = ("detail",)  # debtor-written text may hold PII: never copied into a notice


class UnknownCase(LookupError):
    """An event or request for a case notify has not seen opened."""


class BadRequest(ValueError):
    """A debtor request notify cannot act on."""


def notice_id(case_id: str, kind: str, occasion: str) -> str:
    return "N" + hashlib.blake2b("\x1f".join((case_id, kind, occasion)).encode(), digest_size=16).hexdigest()


def document_no(prefix: str, issued_on: date, nid: str) -> str:
    return f"{prefix}-{issued_on.year}-{nid[1:13].upper()}"


def scalars(body: dict) -> dict:
    """An event body's scalar fields as JSON values: dates ISO, instants epoch ms."""
    out = {}
    for key, value in body.items():
        if key in FREE_TEXT or isinstance(value, (dict, list, bytes)):
            continue
        if isinstance(value, datetime):
            value = ms(value)
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def remember_facts(memory: dict | None, envelope: dict) -> dict:
    facts = envelope["event"]["facts"]
    memory = dict(memory or {})
    memory.update({k: facts[k] for k in FACTS})
    memory.update(debtor_ref=facts["debtor_ref"], lender_id=envelope["lender_id"],
                  sealed=base64.b64encode(facts["sealed_contact"]).decode())
    return memory


def plan_figures(plan: dict) -> dict:
    instalments = sorted(plan["instalments"], key=lambda i: i["seq"])
    return {"plan_total_cents": plan["total_cents"],
            "waived_cents": plan.get("waived_penalty_cents", 0) + plan.get("waived_interest_cents", 0),
            "instalment_count": len(instalments),
            "first_due": instalments[0]["due_date"].isoformat() if instalments else None}


def intent(debtor_ref: str, record: dict) -> Emit:
    """An intent (a dict with ``op``) as a record for ``notify.intents``, keyed by the debtor."""
    return Emit(INTENTS, debtor_ref, "NoticeIntent", record)


def intents(decision: Decision) -> list[dict]:
    """The intents a decision sends to ``notify.intents``."""
    return [out.record for out in decision.internal]


def reads(catalogue: Catalogue) -> frozenset[str]:
    """The CaseEvent types ``react`` may act on: every other type is ignored whatever the case memory and the
    body, so the worker counts those off the header without decoding them (``Codec.case_event_type``)."""
    return frozenset(REMEMBERED) | frozenset(CONTROLS) | {kind.on for kind in catalogue.kinds.values()}


def react(memory: dict | None, envelope: dict, catalogue: Catalogue) -> Decision[dict]:
    """One CaseEvent → Decision: ``state`` the case memory after it (None before CaseOpened), ``internal``
    the intents for notify.intents, ``outcome`` remembered | planned | noted (memory only) | ignored."""
    type_, body = envelope["type"], envelope["event"]
    if type_ in ("CaseOpened", "CaseAmended"):
        return Decision(remember_facts(memory, envelope), outcome="remembered")
    kinds = catalogue.triggered_by(type_, body)
    if not kinds and type_ not in CONTROLS and type_ not in REMEMBERED:
        return Decision(memory, outcome="ignored")
    if memory is None:
        raise UnknownCase(f"{type_} for case {envelope['case_id']} before CaseOpened")
    memory = dict(memory)
    fields = scalars(body)
    if type_ == "CaseTriaged":
        memory.update(court=body["court"], mediation_centre=body["mediation_centre"])
    if type_ == "MediationSettled":
        memory["plan"] = {**plan_figures(body["plan"]), "tier": body["tier"]}
    if type_ in ("LitigationFiled", "JudgmentEntered", "EnforcementApplied", "ConfirmationGranted",
                 "ConfirmationRequested"):
        memory["court"] = body["court"]
    out: list[dict] = []
    if type_ in CONTROLS:
        out.append({"op": CONTROLS[type_], "case_id": envelope["case_id"]})
    for kind in kinds:
        out.append({"op": "notice", "notice": _notice(memory, envelope, fields, kind, catalogue)})
    return Decision(memory, outcome="planned" if out else "noted",
                    internal=[intent(memory["debtor_ref"], i) for i in out])


def _notice(memory: dict, envelope: dict, fields: dict, kind, catalogue: Catalogue) -> dict:
    case_id, lender = envelope["case_id"], envelope["lender_id"]
    occasion = kind.occasion.format_map(fields)
    nid = notice_id(case_id, kind.name, occasion)
    issued_on = china_date(envelope["occurred_at"])
    context = {"case_id": case_id, "loan_id": memory["loan_id"], "principal_cents": memory["principal_cents"],
               "interest_cents": memory["interest_cents"], "penalty_cents": memory["penalty_cents"],
               "total_due_cents": memory["principal_cents"] + memory["interest_cents"] + memory["penalty_cents"],
               "court": memory.get("court"), "mediation_centre": memory.get("mediation_centre"),
               "issued_on": issued_on.isoformat(), **memory.get("plan", {}), **fields}
    if envelope["type"] == "SessionScheduled":
        context["place"] = fields.get("video_link") or fields.get("location")
    if envelope["type"] == "ObjectionResolved":
        context["reason"] = (fields.get("reason") or "") + (" " if fields.get("reason") else "")
    doc = document_no(kind.doc_prefix, issued_on, nid) if kind.legal else None
    context["document_no"] = doc or ""
    return {"notice_id": nid, "case_id": case_id, "lender_id": lender, "debtor_ref": memory["debtor_ref"],
            "kind": kind.name, "occasion": occasion, "legal": kind.legal, "channels": list(kind.channels),
            "on_hold": kind.on_hold, "after_close": kind.after_close, "proof": kind.proof, "language": catalogue.language(lender),
            "document_no": doc, "context": context, "sealed": memory["sealed"],
            "at": ms(envelope["occurred_at"]), "event_id": envelope["event_id"]}


def opt_out(memory: dict | None, request: dict) -> Decision[dict]:
    """A debtor's OPT_OUT request → Decision: ``internal`` a guard control for the debtor (all lenders);
    the case memory (``state``) stays as it is."""
    if memory is None:
        raise UnknownCase(f"OPT_OUT for case {request['case_id']} notify has not seen")
    channel = request.get("channel")
    channels = [channel] if channel else ["EMAIL", "SMS"]
    if not set(channels) <= {"EMAIL", "SMS", "LETTER"}:
        raise BadRequest(f"OPT_OUT names unknown channel {channel!r}")
    control = {"op": "opt_out", "case_id": request["case_id"], "channels": channels, "request_id": request["request_id"]}
    return Decision(memory, outcome="opted_out", internal=[intent(memory["debtor_ref"], control)])
