"""Documents for the court: what notify prints for a court, and when. Pure: (case memory, CaseEvent) → jobs.

- ``ConfirmationRequested`` → the judicial confirmation application (司法确认申请书) and the settlement
  agreement (调解协议书), from the plan remembered at ``MediationSettled``;
- ``LitigationFiled`` → the complaint (民事起诉状: the claim in figures and in capitals) and the evidence
  list (证据清单: the case's ``evidence_bundle`` with their hashes), in the filing batch (``bundle_id``).

A job's ``document_id`` is deterministic from the case, the kind and the causing event, and printing is
deterministic, so a redelivered event re-emits the same record (the same id, the same sha256); only the
sealed bytes differ (a fresh nonce). The worker prints the jobs (``Printer.pdf``) and seals the PDFs.

Issued again: the case memory keeps, per proceeding (``CONFIRMATION``, ``FILING``), what the court was sent
(``court_docs``) until the court ends it (``ENDS``). A ``CaseAmended`` whose ``changed_fields`` touch what those
documents print (``PRINTS``: the debtor's identity, the amounts, for a filing also the evidence) issues the pair
again from the amended facts: new ids (caused by the amendment), new numbers, the same filing batch, each
naming the document it replaces (``supersedes``). Before judgment the claim follows the amendment, as
enforcement's does: the filed claim plus the change in the amount owed.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from remedy.kernel.clock import china_date
from services.notify.capitals import capitals
from services.notify.plan import document_no

TOPIC = "court.documents"
TRIGGERS = ("ConfirmationRequested", "LitigationFiled")
# kind on the topic → (paper template, document-number prefix)
PAPERS = {"CONFIRMATION_APPLICATION": ("confirmation_application", "SQ"),
          "SETTLEMENT_AGREEMENT": ("settlement_agreement", "XY"),
          "COMPLAINT": ("complaint", "QS"), "EVIDENCE_LIST": ("evidence_list", "ZJ")}
FOR_EVENT = {"ConfirmationRequested": ("CONFIRMATION_APPLICATION", "SETTLEMENT_AGREEMENT"),
             "LitigationFiled": ("COMPLAINT", "EVIDENCE_LIST")}
PROCEEDING = {"ConfirmationRequested": "CONFIRMATION", "LitigationFiled": "FILING"}
AMOUNTS = frozenset({"contact", "principal_cents", "interest_cents", "penalty_cents"})
PRINTS = {"CONFIRMATION": AMOUNTS, "FILING": AMOUNTS | {"evidence"}}   # CaseAmended.changed_fields that change the papers
ENDS = {"ConfirmationGranted": ("CONFIRMATION",), "ConfirmationDenied": ("CONFIRMATION",),
        "ConfirmationLapsed": ("CONFIRMATION",), "JudgmentEntered": ("FILING",), "FilingRejected": ("FILING",),
        "CaseClosed": ("CONFIRMATION", "FILING")}
READS = frozenset(TRIGGERS) | {"CaseAmended"} | frozenset(ENDS)   # the CaseEvent types ``react`` acts on
OWN_URI = "remedy:evidence/"   # evidence a lender uploaded that its default did not declare (the gateway's)


@dataclass(frozen=True)
class Job:
    """One court document to print: its record's fields, and the paper's kind and context."""
    document_id: str
    kind: str
    paper: str
    document_no: str
    court: str
    bundle_id: str | None
    context: dict
    evidence: tuple[dict, ...]
    supersedes: str | None = None


def document_id(case_id: str, kind: str, causation_id: str) -> str:
    return "D" + hashlib.blake2b("\x1f".join((case_id, kind, causation_id)).encode(), digest_size=16).hexdigest()


def number(kind: str, issued_on: date, did: str) -> str:
    return document_no(PAPERS[kind][1], issued_on, did)


def evidence_lines(evidence: list[dict]) -> str:
    return "\n".join(f"{i}. {e['doc_type']}：{e['uri']}（SHA-256 {e.get('sha256') or '—'}）"
                     for i, e in enumerate(evidence, 1)) or "—"


def _total(memory: dict) -> int:
    return memory["principal_cents"] + memory["interest_cents"] + memory["penalty_cents"]


def _print(memory: dict, envelope: dict, type_: str, body: dict, replaces: dict | None = None) -> list[Job]:
    """The pair of documents ``type_`` calls for, from ``body`` (the event's, or the one remembered), caused by
    ``envelope``; ``replaces``: kind → the document each one replaces."""
    case_id, kinds = envelope["case_id"], FOR_EVENT[type_]
    cause, issued_on = envelope["event_id"], china_date(envelope["occurred_at"])
    ids = {k: document_id(case_id, k, cause) for k in kinds}
    nos = {k: number(k, issued_on, ids[k]) for k in kinds}
    context = {"case_id": case_id, "loan_id": memory["loan_id"], "principal_cents": memory["principal_cents"],
               "interest_cents": memory["interest_cents"], "penalty_cents": memory["penalty_cents"],
               "total_due_cents": _total(memory), "court": body["court"], "mediation_centre": memory.get("mediation_centre"),
               "issued_on": issued_on.isoformat(), **memory.get("plan", {})}
    evidence: tuple[dict, ...] = ()
    bundle = None
    if type_ == "LitigationFiled":
        evidence = tuple({"doc_type": e["doc_type"], "uri": e["uri"], "sha256": e.get("sha256")}
                         for e in body["evidence_bundle"])
        bundle = body["filing_batch_id"]
        context.update(claim_cents=body["claim_cents"], claim_capitals=capitals(body["claim_cents"]),
                       bundle_id=bundle, evidence_count=len(evidence), evidence_lines=evidence_lines(list(evidence)),
                       complaint_no=nos["COMPLAINT"], evidence_list_no=nos["EVIDENCE_LIST"])
    return [Job(ids[k], k, PAPERS[k][0], nos[k], body["court"], bundle, {**context, "document_no": nos[k]},
                evidence, (replaces or {}).get(k)) for k in kinds]


def _kept(type_: str, body: dict) -> dict:
    """What the memory keeps of the event that sent the court its documents (JSON-friendly)."""
    if type_ == "ConfirmationRequested":
        return {"court": body["court"]}
    return {"court": body["court"], "filing_batch_id": body["filing_batch_id"], "claim_cents": body["claim_cents"],
            "evidence_bundle": [{"doc_type": e["doc_type"], "uri": e["uri"], "sha256": e.get("sha256")}
                                for e in body["evidence_bundle"]]}


def amended_evidence(filed: list[dict], declared: list[dict]) -> list[dict]:
    """The evidence after an amendment: the amended default's, each keeping the hash an upload supplied, then the
    uploaded files the default never declared (as enforcement merges them)."""
    before = {e["uri"]: e for e in filed}
    out = [{"doc_type": e["doc_type"], "uri": e["uri"], "sha256": e.get("sha256") or before.get(e["uri"], {}).get("sha256")}
           for e in declared]
    return out + [e for e in filed if e["uri"].startswith(OWN_URI) and e["uri"] not in {d["uri"] for d in declared}]


def _reissue(memory: dict, envelope: dict) -> tuple[dict, list[Job]]:
    """An amendment that changes what the court holds: the pairs it touches, issued again."""
    changed, issued = set(envelope["event"]["changed_fields"]), dict(memory.get("court_docs", {}))
    out: list[Job] = []
    for proceeding, sent in sorted(issued.items()):
        if not changed & PRINTS[proceeding]:
            continue
        body = dict(sent["body"])
        if proceeding == "FILING":
            body["claim_cents"] = max(0, body["claim_cents"] + _total(memory) - sent["total"])
            body["evidence_bundle"] = amended_evidence(body["evidence_bundle"], list(envelope["event"]["facts"]["evidence"]))
        new = _print(memory, envelope, sent["type"], body, sent["ids"])
        issued[proceeding] = {**sent, "body": body, "total": _total(memory), "ids": {j.kind: j.document_id for j in new}}
        out += new
    return {**memory, "court_docs": issued}, out


def react(memory: dict | None, envelope: dict) -> tuple[dict | None, list[Job]]:
    """(the case memory after the event, the court documents it calls for). Memory is None before CaseOpened."""
    type_, body = envelope["type"], envelope["event"]
    if memory is None or type_ not in READS:
        return memory, []
    if type_ in FOR_EVENT:
        new = _print(memory, envelope, type_, body)
        sent = {"type": type_, "body": _kept(type_, body), "total": _total(memory), "ids": {j.kind: j.document_id for j in new}}
        return {**memory, "court_docs": {**memory.get("court_docs", {}), PROCEEDING[type_]: sent}}, new
    if type_ == "CaseAmended":
        return _reissue(memory, envelope) if memory.get("court_docs") else (memory, [])
    ended = {k: v for k, v in memory.get("court_docs", {}).items() if k not in ENDS[type_]}
    return ({**memory, "court_docs": ended} if ended != memory.get("court_docs", {}) else memory), []


def jobs(memory: dict, envelope: dict) -> list[Job]:
    """The court documents a CaseEvent calls for (none for most types)."""
    return react(memory, envelope)[1]


def record(job: Job, envelope: dict, pdf_sha256: str, sealed: bytes) -> dict:
    """The ``CourtDocument`` record of a printed job."""
    return {"document_id": job.document_id, "case_id": envelope["case_id"], "lender_id": envelope["lender_id"],
            "court": job.court, "kind": job.kind, "document_no": job.document_no, "bundle_id": job.bundle_id,
            "causation_id": envelope["event_id"], "sha256": pdf_sha256, "sealed_content": sealed,
            "evidence": [dict(e) for e in job.evidence], "issued_at": envelope["occurred_at"],
            "supersedes": job.supersedes}
