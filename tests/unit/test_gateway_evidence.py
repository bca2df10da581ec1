"""Evidence files through the gateway, in-process (a read model, a recording producer, a real evidence store on
disk): a lender uploads the files of its own cases only, PDF or images only, within the size limit and with the
hash its default declared; the store keeps each file once by its hash and refuses a damaged one; a court downloads
its filing batch as one ZIP whose manifest's hashes are its files', the same bytes every time."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from datetime import datetime, timezone

import pytest
import requests
from aiohttp import web

from remedy.kernel.clock import FrozenClock
from remedy.kernel.pii import ContactSealer
from remedy.kernel.settings import Settings
from remedy.runtime.broker import free_port
from services.gateway import party_views
from services.gateway.app import build_app
from services.gateway.core import Gateway
from services.gateway.evidence_store import EvidenceDamaged, EvidenceStore
from services.gateway.keys import Keys
from services.gateway.projection import Projection
from services.gateway.settings import GatewaySettings
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import LENDER_KEYS, bearer, court_headers, event, keys_text

NOW = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
PDF = b"%PDF-1.4\n" + b"evidence " * 200 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DECLARED = {"doc_type": "contract", "uri": "s3://lender/L-1.pdf", "sha256": hashlib.sha256(PDF).hexdigest()}
A, B = bearer(LENDER_KEYS["LENDER-A"]), bearer(LENDER_KEYS["LENDER-B"])


class Producer:
    """Records what the gateway publishes (decoded), as a broker would take it."""

    def __init__(self, codec):
        self.codec, self.sent = codec, []

    async def send(self, topic, value, key, headers):
        self.sent.append((topic, self.codec.decode(value)[1]))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@pytest.fixture
async def gateway(tmp_path, codec):
    p = Projection()
    cases = {}
    for loan, evidence in (("L-1", [DECLARED, {"doc_type": "statement", "uri": "s3://lender/st.pdf", "sha256": None}]),
                           ("L-2", [])):
        e = opened("LENDER-A", loan, f"D-{loan}", NOW)
        e["event"]["facts"]["evidence"] = evidence
        p.apply_event(e)
        cases[loan] = e["case_id"]
    p.commit()
    own = GatewaySettings.from_env({"REMEDY_GATEWAY_EVIDENCE_DIR": str(tmp_path / "evidence"),
                                    "REMEDY_GATEWAY_EVIDENCE_MAX_MB": "1", "REMEDY_GATEWAY_MAX_BODY_KB": "64"})
    producer = Producer(codec)
    gw = Gateway(Settings.from_env({}), own, FrozenClock(NOW), codec, Keys.parse(keys_text()), p, producer=producer)
    runner = web.AppRunner(build_app(gw))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield {"url": f"http://127.0.0.1:{port}", "cases": cases, "p": p, "sent": producer.sent,
           "store": EvidenceStore(tmp_path / "evidence")}
    await runner.cleanup()
    p.close()


def post(world, case_id, data, ctype="application/pdf", headers=A, **query):
    return asyncio.to_thread(requests.post, f"{world['url']}/v1/lender/cases/{case_id}/evidence", data=data,
                             params={"doc_type": "contract", **query}, timeout=10,
                             headers={**headers, "Content-Type": ctype, "Accept-Language": "zh-CN"})


async def test_a_lender_uploads_a_declared_file_once_and_it_is_announced_and_kept_by_its_hash(gateway):
    w, cid = gateway, gateway["cases"]["L-1"]
    r = await post(w, cid, PDF, uri=DECLARED["uri"])
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == DECLARED["sha256"] and r.json()["uri"] == DECLARED["uri"]
    (topic, update), = w["sent"]
    assert topic == "lender.updates" and update["kind"] == "EVIDENCE_ADDED" and update["lender_id"] == "LENDER-A"
    assert update["evidence"]["sha256"] == DECLARED["sha256"] and update["evidence"]["content_type"] == "application/pdf"
    assert w["store"].get(DECLARED["sha256"]) == PDF
    w["p"].evidence.apply(update)                         # as every gateway reads it back from lender.updates
    again = await post(w, cid, PDF, uri=DECLARED["uri"])
    assert again.status_code == 200 and again.json()["update_id"] == update["update_id"] and len(w["sent"]) == 1
    listed = await asyncio.to_thread(requests.get, f"{w['url']}/v1/lender/cases/{cid}/evidence", headers=A, timeout=10)
    rows = listed.json()["evidence"]
    assert [(e["uri"], e["file"] and e["file"]["sha256"]) for e in rows] == [
        (DECLARED["uri"], DECLARED["sha256"]), ("s3://lender/st.pdf", None)]
    png = await post(w, cid, PNG, "image/png")             # evidence the default did not declare
    assert png.status_code == 201 and png.json()["uri"] == "remedy:evidence/" + hashlib.sha256(PNG).hexdigest()
    scan = b"\xff\xd8\xff\xe0" + bytes(512 * 1024)       # over the JSON body limit (64 KiB here), under the file limit
    big = await post(w, cid, scan, "image/jpeg", doc_type="photo")
    assert big.status_code == 201 and big.json()["size_bytes"] == len(scan) and w["store"].get(big.json()["sha256"]) == scan


async def test_uploads_are_refused_with_a_reason_in_the_lenders_language(gateway):
    w, cid = gateway, gateway["cases"]["L-1"]
    other = PDF + b"changed"
    cases = [
        (post(w, cid, PDF, headers=B), 404, None),                                   # another lender's case
        (post(w, cid, PDF, headers={}), 401, None),
        (post(w, cid, b"GIF89a....", "image/gif"), 415, "Content-Type"),
        (post(w, cid, b"not a pdf at all", "application/pdf"), 415, "body"),          # the bytes are checked too
        (post(w, cid, b"%PDF-" + b"x" * (1024 * 1024)), 413, "body"),
        (post(w, cid, other, uri=DECLARED["uri"]), 422, "body"),                      # not the hash declared
        (post(w, cid, PDF, uri="s3://lender/never-declared.pdf"), 422, "uri"),
        (post(w, cid, PDF, doc_type="Contract!"), 400, "doc_type"),
        (post(w, cid, b"", "application/pdf"), 400, "body"),
    ]
    for call, status, field in cases:
        r = await call
        assert r.status_code == status, (status, r.text)
        if field:
            assert r.json()["field"] == field and r.headers["Content-Language"] == "zh"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["error"]), r.json()   # Chinese first
    assert w["sent"] == [] and not (w["store"].root / "sha256").exists()


def test_the_store_keeps_a_file_once_writes_atomically_and_refuses_a_damaged_one(tmp_path):
    store = EvidenceStore(tmp_path)
    sha = store.put(PDF)
    assert store.put(PDF) == sha and store.get(sha) == PDF and store.has(sha)
    assert [p.name for p in (tmp_path / "sha256").rglob("*") if p.is_file()] == [sha]   # no stray temporary file
    store.path(sha).write_bytes(PDF[:-1] + b"!")
    with pytest.raises(EvidenceDamaged):
        store.get(sha)
    assert store.put(PDF) == sha and store.get(sha) == PDF                              # a fresh upload repairs it
    with pytest.raises(FileNotFoundError):
        store.get("0" * 64)


def court_document(cid: str, kind: str, pdf: bytes, evidence: list, *, did: str, supersedes=None) -> dict:
    return {"document_id": did, "case_id": cid, "lender_id": "LENDER-A", "court": "CT-350502", "kind": kind,
            "document_no": f"{kind[:2]}-2026-{did[-6:].upper()}", "bundle_id": "FB-CT-350502-20261201",
            "causation_id": "E-1", "sha256": hashlib.sha256(pdf).hexdigest(),
            "sealed_content": ContactSealer(Settings.from_env({}).pii_key).seal_document(pdf), "evidence": evidence,
            "issued_at": NOW, "supersedes": supersedes}


async def test_a_court_downloads_its_filing_batch_as_one_deterministic_zip_whose_manifest_hashes_are_its_files(gateway):
    w, cid = gateway, gateway["cases"]["L-1"]
    assert (await post(w, cid, PDF, uri=DECLARED["uri"])).status_code == 201
    w["p"].evidence.apply(w["sent"][0][1])
    items = [DECLARED, {"doc_type": "statement", "uri": "s3://lender/st.pdf", "sha256": None},
             {"doc_type": "receipt", "uri": "s3://lender/r.pdf", "sha256": "not-a-hash"}]
    docs = [court_document(cid, "COMPLAINT", b"%PDF-complaint v1", [], did="D-old-complaint"),
            court_document(cid, "COMPLAINT", b"%PDF-complaint v2", [], did="D-new-complaint", supersedes="D-old-complaint"),
            court_document(cid, "EVIDENCE_LIST", b"%PDF-evidence list", items, did="D-evidence-list")]
    for d in docs:
        w["p"].documents.apply(d)
    w["p"].commit()
    path = "/v1/courts/bundles/FB-CT-350502-20261201/package"

    def fetch(court="CT-350502"):
        return requests.get(w["url"] + path, timeout=10, headers=court_headers(court, f"GET {path}".encode(),
                                                                               NOW))
    first, second = await asyncio.to_thread(fetch), await asyncio.to_thread(fetch)
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/zip", first.text
    assert first.content == second.content                                          # deterministic
    assert hashlib.sha256(first.content).hexdigest() == first.headers["X-Content-SHA256"]
    z = zipfile.ZipFile(io.BytesIO(first.content))
    manifest = json.loads(z.read("manifest.json"))
    assert hashlib.sha256(z.read("manifest.json")).hexdigest() == first.headers["X-Manifest-SHA256"]
    assert sorted(z.namelist()) == sorted([f["path"] for f in manifest["files"]] + ["manifest.json"])
    for f in manifest["files"]:
        assert hashlib.sha256(z.read(f["path"])).hexdigest() == f["sha256"] and len(z.read(f["path"])) == f["size_bytes"]
    assert [(f["kind"], f.get("document_id")) for f in manifest["files"]] == [
        ("COMPLAINT", "D-new-complaint"), ("EVIDENCE_LIST", "D-evidence-list"), ("EVIDENCE", None)]   # the old one replaced
    assert z.read(manifest["files"][2]["path"]) == PDF
    assert [(m["uri"], m["reason"]) for m in manifest["missing"]] == [("s3://lender/st.pdf", "NOT_SUPPLIED"),
                                                                      ("s3://lender/r.pdf", "NOT_SUPPLIED")]
    listing = await asyncio.to_thread(requests.get, w["url"] + "/v1/courts/bundles/FB-CT-350502-20261201", timeout=10,
                                      headers=court_headers("CT-350502", b"GET /v1/courts/bundles/FB-CT-350502-20261201",
                                                            NOW))
    assert manifest["documents_sha256"] == listing.json()["sha256"]
    assert (await asyncio.to_thread(fetch, "CT-110105")).status_code == 404          # another court's batch
    w["store"].path(DECLARED["sha256"]).write_bytes(b"%PDF-tampered")
    damaged = json.loads(zipfile.ZipFile(io.BytesIO((await asyncio.to_thread(fetch)).content)).read("manifest.json"))
    assert [m["reason"] for m in damaged["missing"]] == ["DAMAGED", "NOT_SUPPLIED", "NOT_SUPPLIED"]   # never served


async def test_the_lender_sees_its_case_withheld_for_want_of_evidence_then_filed_and_the_court_only_once_filed(gateway):
    w, cid = gateway, gateway["cases"]["L-2"]

    def apply(type_: str, body: dict) -> None:
        w["p"].apply_event(event(type_, body, cid, "LENDER-A", NOW, cause=type_))
        w["p"].commit()

    def filing():
        return requests.get(f"{w['url']}/v1/lender/cases/{cid}", headers=A, timeout=10).json()["filing"]

    def before_court() -> list[str]:
        return [c["case_id"] for c in party_views.court_view(w["p"].settled(), w["p"].case, "CT-350502", 0)["filings"]]

    apply("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [], "score": 1,
                          "mediation_centre": "MC-350502", "court": "CT-350502", "cross_region": False})
    apply("CaseEscalated", {"from_stage": "COURT_MEDIATION", "to_stage": "LITIGATION", "reason": "COURT_MEDIATION_FAILED"})
    assert await asyncio.to_thread(filing) is None
    apply("FilingWithheld", {"court": "CT-350502", "reason": "NO_EVIDENCE"})
    assert await asyncio.to_thread(filing) == {"status": "WITHHELD", "court": "CT-350502", "reason": "NO_EVIDENCE",
                                               "at_ms": int(NOW.timestamp() * 1000)}
    assert cid not in before_court()                                      # nothing before the court while withheld
    apply("LitigationFiled", {"court": "CT-350502", "filing_batch_id": "FB-1", "claim_cents": 1, "evidence_bundle": []})
    assert (await asyncio.to_thread(filing))["status"] == "FILED" and cid in before_court()
    listed = await asyncio.to_thread(requests.get, f"{w['url']}/v1/lender/cases", headers=A, timeout=10)
    assert {c["case_id"]: (c["filing"] or {}).get("status") for c in listed.json()["cases"]}[cid] == "FILED"
