"""Documents for the court: what notify prints for a court, and when. Pure: (case memory, CaseEvent) → jobs.

- ``ConfirmationRequested`` → the judicial confirmation application (司法确认申请书) and the settlement
  agreement (调解协议书), from the plan remembered at ``MediationSettled``;
- ``LitigationFiled`` → the complaint (民事起诉状: the claim in figures and in capitals) and the evidence
  list (证据清单: the case's ``evidence_bundle`` with their hashes), in the filing batch (``bundle_id``).

A job's ``document_id`` is deterministic from the case, the kind and the causing event, and printing is
deterministic, so a redelivered event re-emits the same record (the same id, the same sha256); only the
sealed bytes differ (a fresh nonce). The worker prints the jobs (``Printer.pdf``) and seals the PDFs.
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


def document_id(case_id: str, kind: str, causation_id: str) -> str:
    return "D" + hashlib.blake2b("\x1f".join((case_id, kind, causation_id)).encode(), digest_size=16).hexdigest()


def number(kind: str, issued_on: date, did: str) -> str:
    return document_no(PAPERS[kind][1], issued_on, did)


def evidence_lines(evidence: list[dict]) -> str:
    return "\n".join(f"{i}. {e['doc_type']}：{e['uri']}（SHA-256 {e.get('sha256') or '—'}）"
                     for i, e in enumerate(evidence, 1)) or "—"


def jobs(memory: dict, envelope: dict) -> list[Job]:
    """The court documents a CaseEvent calls for (none for any other type)."""
    type_, body, case_id = envelope["type"], envelope["event"], envelope["case_id"]
    kinds = FOR_EVENT.get(type_, ())
    if not kinds:
        return []
    cause, issued_on = envelope["event_id"], china_date(envelope["occurred_at"])
    ids = {k: document_id(case_id, k, cause) for k in kinds}
    nos = {k: number(k, issued_on, ids[k]) for k in kinds}
    total = memory["principal_cents"] + memory["interest_cents"] + memory["penalty_cents"]
    context = {"case_id": case_id, "loan_id": memory["loan_id"], "principal_cents": memory["principal_cents"],
               "interest_cents": memory["interest_cents"], "penalty_cents": memory["penalty_cents"],
               "total_due_cents": total, "court": body["court"], "mediation_centre": memory.get("mediation_centre"),
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
                evidence if type_ == "LitigationFiled" else ()) for k in kinds]


def record(job: Job, envelope: dict, pdf_sha256: str, sealed: bytes) -> dict:
    """The ``CourtDocument`` record of a printed job."""
    return {"document_id": job.document_id, "case_id": envelope["case_id"], "lender_id": envelope["lender_id"],
            "court": job.court, "kind": job.kind, "document_no": job.document_no, "bundle_id": job.bundle_id,
            "causation_id": envelope["event_id"], "sha256": pdf_sha256, "sealed_content": sealed,
            "evidence": [dict(e) for e in job.evidence], "issued_at": envelope["occurred_at"]}
