"""The courts' documents, pure parts: notify's jobs and ids, webhooks' routing of a document, the gateway's
views and a filing batch's manifest (docs/documents.md#documents-for-the-court)."""
from __future__ import annotations

import base64
import hashlib
import io
import json
from datetime import datetime, timezone

import pypdf

from remedy.kernel.pii import ContactSealer
from services.gateway.court_documents import CourtDocumentViews, canonical, manifest
from services.gateway.store import Store
from services.notify import courtdocs
from services.notify.catalogue import Catalogue
from services.notify.paper import Inputs
from services.notify.printer import default
from services.webhooks import documents as hook_docs

AT = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
KEY = base64.b64encode(b"k" * 32).decode()
MEMORY = {"loan_id": "L-1", "principal_cents": 1_234_567, "interest_cents": 1_000, "penalty_cents": 0,
          "lender_id": "LENDER-A", "debtor_ref": "d1", "sealed": "", "mediation_centre": "MC-350502",
          "plan": {"plan_total_cents": 1_200_000, "waived_cents": 35_567, "instalment_count": 3,
                   "first_due": "2027-01-01", "tier": "PEOPLES"}}
EVIDENCE = [{"doc_type": "contract", "uri": "s3://lender-a/L-1.pdf", "sha256": "ab" * 32}]


def envelope(type_: str, body: dict, event_id: str = "E1") -> dict:
    return {"type": type_, "event": body, "case_id": "C1", "lender_id": "LENDER-A", "event_id": event_id,
            "occurred_at": AT}


def filed(event_id: str = "E2") -> dict:
    return envelope("LitigationFiled", {"court": "CT-350502", "filing_batch_id": "FB-CT-350502-20261201",
                                        "claim_cents": 1_235_567, "evidence_bundle": EVIDENCE}, event_id)


def text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_the_events_that_print_for_a_court_and_the_ids_they_get():
    confirm = courtdocs.jobs(MEMORY, envelope("ConfirmationRequested", {"court": "CT-350502"}))
    assert [j.kind for j in confirm] == ["CONFIRMATION_APPLICATION", "SETTLEMENT_AGREEMENT"]
    assert {j.bundle_id for j in confirm} == {None} and all(j.evidence == () for j in confirm)
    again = courtdocs.jobs(MEMORY, envelope("ConfirmationRequested", {"court": "CT-350502"}))
    assert [j.document_id for j in again] == [j.document_id for j in confirm]           # redelivery: same ids
    other = courtdocs.jobs(MEMORY, envelope("ConfirmationRequested", {"court": "CT-350502"}, "E9"))
    assert not {j.document_id for j in other} & {j.document_id for j in confirm}       # another request: new ones
    complaint, listing = courtdocs.jobs(MEMORY, filed())
    assert (complaint.kind, listing.kind) == ("COMPLAINT", "EVIDENCE_LIST")
    assert complaint.bundle_id == listing.bundle_id == "FB-CT-350502-20261201"
    assert complaint.document_no.startswith("QS-2026-") and listing.document_no.startswith("ZJ-2026-")
    assert complaint.context["evidence_list_no"] == listing.document_no and listing.evidence == tuple(EVIDENCE)
    assert courtdocs.jobs(MEMORY, envelope("CaseTriaged", {"court": "CT-350502"})) == []


def test_the_complaint_names_the_court_and_the_claim_in_figures_and_capitals_and_prints_the_same_bytes():
    complaint, listing = courtdocs.jobs(MEMORY, filed())

    def pdf(job):
        return default().pdf(Inputs(job.paper, "zh", job.context, "LENDER-A", job.document_no, debtor_name="张三",
                                    enum_labels=Catalogue.load().labels))
    first = pdf(complaint)
    assert pdf(complaint) == first                                      # deterministic: the same sha256 on redelivery
    words = text(first)
    for wanted in ("民事起诉状", "泉州市鲤城区人民法院", "张三", "12,355.67元", "人民币壹万贰仟叁佰伍拾伍元陆角柒分",
                   complaint.document_no, "FB-CT-350502-20261201"):
        assert wanted in words, wanted
    listed = text(pdf(listing))
    assert "证据清单" in listed and "s3://lender-a/L-1.pdf" in listed and complaint.document_no in listed


def test_a_record_carries_the_pdf_sealed_and_its_hash():
    sealer = ContactSealer(KEY)
    job = courtdocs.jobs(MEMORY, filed())[1]
    record = courtdocs.record(job, filed(), hashlib.sha256(b"%PDF").hexdigest(), sealer.seal_document(b"%PDF"))
    assert record["causation_id"] == "E2" and record["evidence"] == EVIDENCE and record["issued_at"] == AT
    assert b"%PDF" not in record["sealed_content"] and sealer.unseal_document(record["sealed_content"]) == b"%PDF"


def court_record(doc_id="D1", court="CT-350502", kind="COMPLAINT", case_id="C1", bundle="FB-1", pdf=b"%PDF-1"):
    return {"document_id": doc_id, "case_id": case_id, "lender_id": "LENDER-A", "court": court, "kind": kind,
            "document_no": f"QS-{doc_id}", "bundle_id": bundle, "causation_id": "E2",
            "sha256": hashlib.sha256(pdf).hexdigest(), "sealed_content": ContactSealer(KEY).seal_document(pdf),
            "evidence": [], "issued_at": AT}


def test_webhooks_delivers_a_document_to_its_court_only_and_opens_it_at_the_attempt():
    record = court_record()
    (intent,) = hook_docs.decide(record).internal
    assert intent.key == "COURT:CT-350502" and intent.record["event"] == {"event_id": "D1", "type": "CourtDocument",
                                                                          "case_id": "C1"}
    stored = intent.record["body"]
    assert "%PDF" not in stored and "content_base64" not in stored            # sealed on the topic and in the table
    d = {"event_type": "CourtDocument", "body": stored}
    sent = json.loads(hook_docs.opened(d, ContactSealer(KEY).unseal_document)["body"])
    assert base64.b64decode(sent["content_base64"]) == b"%PDF-1" and sent["sha256"] == record["sha256"]
    assert sent["document_id"] == "D1" and sent["bundle_id"] == "FB-1" and "sealed_content" not in sent
    assert hook_docs.opened(d, ContactSealer(KEY).unseal_document) == hook_docs.opened(d, ContactSealer(KEY).unseal_document)
    plain = {"event_type": "CaseTriaged", "body": "{}"}
    assert hook_docs.opened(plain, ContactSealer(KEY).unseal_document) is plain


def test_the_manifest_lists_a_batch_in_order_with_a_hash_over_its_canonical_json():
    docs = [court_record("D2", kind="EVIDENCE_LIST", case_id="C2"), court_record("D1", case_id="C2"),
            court_record("D3", case_id="C1")]
    m = manifest("CT-350502", "FB-1", docs)
    assert [(d["case_id"], d["kind"]) for d in m["documents"]] == [("C1", "COMPLAINT"), ("C2", "COMPLAINT"),
                                                                   ("C2", "EVIDENCE_LIST")]
    body = {k: v for k, v in m.items() if k != "sha256"}
    assert m["sha256"] == hashlib.sha256(canonical(body)).hexdigest() and m["count"] == 3
    assert manifest("CT-350502", "FB-1", list(reversed(docs))) == m


def test_the_gateway_keeps_each_courts_documents_apart():
    views = CourtDocumentViews(Store.temporary())
    views.apply(court_record("D1"))
    views.apply(court_record("D1"))                                            # redelivered: nothing new
    views.apply(court_record("D2", kind="EVIDENCE_LIST"))
    views.apply(court_record("D9", court="CT-110105", case_id="C9", bundle="FB-9"))
    views.apply(court_record("D5", kind="CONFIRMATION_APPLICATION", case_id="C5", bundle=None))
    views.store.commit()
    assert views.document("CT-350502", "D1")["sha256"] == hashlib.sha256(b"%PDF-1").hexdigest()
    assert views.document("CT-110105", "D1") is None and views.document("CT-350502", "D9") is None
    assert [d["kind"] for d in views.of_case("CT-350502", "C1")] == ["COMPLAINT", "EVIDENCE_LIST"]
    assert views.of_case("CT-110105", "C1") == []
    assert [d["document_id"] for d in views.bundle("CT-350502", "FB-1")["documents"]] == ["D1", "D2"]
    assert views.bundle("CT-110105", "FB-1") is None and views.bundle("CT-350502", "FB-9") is None
