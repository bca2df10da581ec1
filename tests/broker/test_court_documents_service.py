"""Courts receive their documents, against a real Tansu with mediation, enforcement, notify, webhooks and the
gateway (one stack for the module): a settled case's court gets the confirmation application and the settlement
agreement by webhook, verifies them and confirms; a filed case's court gets the complaint and the evidence list,
reads its filing batch's manifest and fetches the PDFs it lists, and accepts the filing with its 案号; another
court reaches none of it. A case without evidence is withheld and its lender told (case view, webhook); the
lender's upload through the gateway files it, and the court downloads the batch as one ZIP whose manifest's
hashes are its files'. An amended claim reissues the filing's documents, the old ones marked superseded."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import zipfile
from datetime import date, datetime, timedelta, timezone

import pypdf
import pytest
import requests

from remedy.contract.codec import Codec
from remedy.kernel.pii import ContactSealer
from remedy.kernel.settings import REPO_ROOT, Settings
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from services.webhooks import signing
from tests.broker.funnel_helpers import CaseLog, opened, other_event, outcome, plan
from tests.broker.test_webhooks_service import FAST, Receiver, stop_stack
from tests.gateway_helpers import LENDER_KEYS, bearer, court_headers, keys_text, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("court-documents-world")]
COURT, OTHER, LENDER = "CT-350502", "CT-110105", "LENDER-A"
COURT_NAME = "泉州市鲤城区人民法院"
ROSTER = {"mediators": [{"mediator_id": "PM-1", "tier": "PEOPLES", "regions": ["3505"], "modes": ["PHONE"],
                         "daily_capacity": 10}]}


def triaged(e: dict, now: datetime) -> dict:
    return other_event("triage", "CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [],
                                                 "score": 600, "mediation_centre": "MC-350502", "court": COURT,
                                                 "cross_region": False}, e["case_id"], e["lender_id"], now, e["event_id"])


def named(e: dict) -> dict:
    """The case opened with a debtor's sealed contact notify can open (the documents name the debtor)."""
    contact = {"name": "张三", "national_id": "350502199001011234", "phone": "13800000000", "email": None}
    e["event"]["facts"]["sealed_contact"] = ContactSealer(Settings.from_env({}).pii_key).seal(contact)
    return e


def get(world, path: str, court: str = COURT) -> requests.Response:
    return requests.get(world["url"] + path, timeout=10,
                        headers=court_headers(court, f"GET {path}".encode(), datetime.now(timezone.utc)))


def text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("court-docs")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    bootstrap, procs, receiver = f"127.0.0.1:{port}", [], Receiver({})
    try:
        provision(bootstrap)
        (tmp / "keys.json").write_text(keys_text())
        (tmp / "roster.json").write_text(json.dumps(ROSTER))
        common = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap}
        own = {"gateway": {"REMEDY_GATEWAY_KEYS": str(tmp / "keys.json")}, "webhooks": FAST, "notify": {},
               "mediation": {"REMEDY_MEDIATION_ROSTER_PATH": str(tmp / "roster.json"),
                             "REMEDY_MEDIATION_SWEEP_SECONDS": "0.5"}, "enforcement": {}}
        for name, env in own.items():
            proc = ServiceProcess(name, {**common, "REMEDY_DATA_DIR": str(tmp / name),
                                         f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}, tmp / "logs")
            proc.port = int(proc.env[f"REMEDY_{name.upper()}_PORT"])
            procs.append(proc.start())
        for proc in procs:
            proc.wait_ready(timeout=90)
        url = f"http://127.0.0.1:{procs[0].port}"
        hook = free_port()
        receiver.listen(hook)
        body = json.dumps({"url": f"http://127.0.0.1:{hook}/court", "event_types": ["CourtDocument"]}).encode()
        answer = requests.post(f"{url}/v1/webhooks/subscriptions", data=body, timeout=10,
                               headers=court_headers(COURT, body, datetime.now(timezone.utc)))
        assert answer.status_code == 201, answer.text
        lender_hook = requests.post(f"{url}/v1/webhooks/subscriptions", timeout=10, headers=bearer(LENDER_KEYS[LENDER]),
                                    json={"url": f"http://127.0.0.1:{hook}/lender", "event_types": ["FilingWithheld"]})
        assert lender_hook.status_code == 201, lender_hook.text
        log = CaseLog(bootstrap, Codec(REPO_ROOT / "schemas"))
        yield {"url": url, "bootstrap": bootstrap, "codec": Codec(REPO_ROOT / "schemas"), "receiver": receiver,
               "secret": answer.json()["secret"].encode(), "log": log}
        log.close()
    finally:
        stop_stack(procs, receiver, tansu)


def documents_of(world, case_id: str, count: int) -> dict[str, tuple[dict, dict, bytes]]:
    """kind → (headers, body, PDF) of the deliveries of the case's documents, each signature verified."""
    def found():
        got = [(h, json.loads(b), b) for h, b in world["receiver"].by("court")]
        mine = {body["kind"]: (h, body, raw) for h, body, raw in got if body["case_id"] == case_id}
        return mine if len(mine) >= count else None
    out = {}
    for kind, (headers, body, raw) in wait_until(found, timeout=45, every=0.3).items():
        signing.verify(headers["Remedy-Signature"], world["secret"], raw, time.time())
        assert headers["Remedy-Event-Id"] == body["document_id"]
        pdf = base64.b64decode(body["content_base64"])
        assert hashlib.sha256(pdf).hexdigest() == body["sha256"]
        out[kind] = (headers, body, pdf)
    return out


def decide(world, body: dict) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode()
    answer = requests.post(world["url"] + "/v1/courts/decisions", data=raw, timeout=10,
                           headers=court_headers(COURT, raw, datetime.now(timezone.utc)))
    assert answer.status_code == 202, answer.text


def test_a_settled_case_s_court_receives_the_application_and_the_agreement_and_confirms(world):
    now, pub, log = datetime.now(timezone.utc), Publisher(world["bootstrap"], world["codec"]), world["log"]
    e = named(opened(LENDER, "L-settled", "D-settled", now))
    cid = e["case_id"]
    for record in (e, triaged(e, now)):
        pub.send("case.events", cid, "CaseEvent", record)
    pub.flush()
    log.wait(cid, "SessionScheduled", timeout=45)
    pub.send("mediation.outcomes", cid, "MediationOutcome",
             outcome(cid, "PM-1", "PEOPLES", "SETTLED", now, plan([100_000], date.today() + timedelta(days=30))))
    pub.flush()
    log.wait(cid, "ConfirmationRequested")
    docs = documents_of(world, cid, 2)
    assert set(docs) == {"CONFIRMATION_APPLICATION", "SETTLEMENT_AGREEMENT"}
    application = text(docs["CONFIRMATION_APPLICATION"][2])
    assert "司法确认申请书" in application and COURT_NAME in application and "张三" in application
    assert "1,000.00元" in application and "人民币壹仟元整" in application
    assert all(body["bundle_id"] is None for _, body, _ in docs.values())
    decide(world, {"decision_id": f"D-conf-{cid}", "case_id": cid, "kind": "CONFIRMATION_GRANTED",
                   "court_case_no": "(2026)闽0502民特1号"})
    assert log.wait(cid, "ConfirmationGranted")["event"]["court"] == COURT
    pub.close()


def escalate(world, pub, e: dict, now: datetime) -> str:
    cid = e["case_id"]
    escalated = other_event("mediation", "CaseEscalated", {"from_stage": "COURT_MEDIATION", "to_stage": "LITIGATION",
                                                           "reason": "COURT_MEDIATION_FAILED"}, cid, LENDER, now)
    for record in (e, triaged(e, now), escalated):
        pub.send("case.events", cid, "CaseEvent", record)
    pub.flush()
    return cid


def test_a_filed_case_s_court_receives_its_bundle_reads_the_manifest_and_accepts_the_filing(world):
    now, pub, log = datetime.now(timezone.utc), Publisher(world["bootstrap"], world["codec"]), world["log"]
    cid = escalate(world, pub, named(opened(LENDER, "L-filed", "D-filed", now)), now)
    filed = log.wait(cid, "LitigationFiled")["event"]
    docs = documents_of(world, cid, 2)
    assert set(docs) == {"COMPLAINT", "EVIDENCE_LIST"}
    bundle = filed["filing_batch_id"]
    assert {body["bundle_id"] for _, body, _ in docs.values()} == {bundle}
    complaint = text(docs["COMPLAINT"][2])
    assert "民事起诉状" in complaint and COURT_NAME in complaint and "11,200.00元" in complaint
    assert "人民币壹万壹仟贰佰元整" in complaint
    assert "s3://lender/L-filed.pdf" in text(docs["EVIDENCE_LIST"][2])

    manifest = wait_until(lambda: (r := get(world, f"/v1/courts/bundles/{bundle}")).status_code == 200 and r.json())
    listed = {row["kind"]: row for row in manifest["documents"] if row["case_id"] == cid}
    assert set(listed) == {"COMPLAINT", "EVIDENCE_LIST"}
    for kind, row in listed.items():
        fetched = get(world, f"/v1/courts/documents/{row['document_id']}")
        assert fetched.status_code == 200 and fetched.headers["Content-Type"] == "application/pdf"
        assert hashlib.sha256(fetched.content).hexdigest() == row["sha256"] == fetched.headers["X-Content-SHA256"]
        assert fetched.content == docs[kind][2]
    view = get(world, "/v1/courts/cases").json()
    (entry,) = [c for c in view["filings"] if c["case_id"] == cid]
    assert {d["kind"]: d["sha256"] for d in entry["documents"]} == {k: r["sha256"] for k, r in listed.items()}

    # Another court reaches none of it.
    assert get(world, f"/v1/courts/bundles/{bundle}", OTHER).status_code == 404
    for row in listed.values():
        assert get(world, f"/v1/courts/documents/{row['document_id']}", OTHER).status_code == 404

    decide(world, {"decision_id": f"D-file-{cid}", "case_id": cid, "kind": "FILING_ACCEPTED",
                   "court_case_no": "(2026)闽0502民初123号"})
    assert log.wait(cid, "FilingAccepted")["event"]["court_case_no"] == "(2026)闽0502民初123号"
    pub.close()


PDF = b"%PDF-1.4\n% the loan contract, scanned\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def test_a_case_without_evidence_is_withheld_its_lender_told_and_filed_once_it_uploads_a_file(world):
    now, pub, log, url = datetime.now(timezone.utc), Publisher(world["bootstrap"], world["codec"]), world["log"], world["url"]
    lender = bearer(LENDER_KEYS[LENDER])
    e = named(opened(LENDER, "L-bare", "D-bare", now))
    e["event"]["facts"]["evidence"] = []
    cid = escalate(world, pub, e, now)
    withheld = log.wait(cid, "FilingWithheld")
    assert withheld["event"] == {"court": COURT, "reason": "NO_EVIDENCE"} and "LitigationFiled" not in log.types(cid)
    told = wait_until(lambda: [json.loads(b) for _, b in world["receiver"].by("lender") if json.loads(b)["case_id"] == cid])
    assert told[0]["type"] == "FilingWithheld" and told[0]["event"]["reason"] == "NO_EVIDENCE"
    view = wait_until(lambda: (r := requests.get(f"{url}/v1/lender/cases/{cid}", headers=lender, timeout=10)).ok and
                      any(t["type"] == "FilingWithheld" for t in r.json()["timeline"]) and r.json())
    assert view["stage"] == "LITIGATION" and view["filing"]["status"] == "WITHHELD"
    assert view["filing"]["reason"] == "NO_EVIDENCE" and view["filing"]["court"] == COURT

    up = requests.post(f"{url}/v1/lender/cases/{cid}/evidence", params={"doc_type": "contract"}, data=PDF, timeout=10,
                       headers={**lender, "Content-Type": "application/pdf"})
    assert up.status_code == 201, up.text
    sha = hashlib.sha256(PDF).hexdigest()
    filed = log.wait(cid, "LitigationFiled")["event"]
    assert filed["evidence_bundle"] == [{"doc_type": "contract", "uri": f"remedy:evidence/{sha}", "sha256": sha}]
    documents_of(world, cid, 2)

    path = f"/v1/courts/bundles/{filed['filing_batch_id']}/package"

    def package():
        r = get(world, path)
        if r.status_code != 200:
            return None
        z = zipfile.ZipFile(io.BytesIO(r.content))
        manifest = json.loads(z.read("manifest.json"))
        return (r, z, manifest) if any(f["case_id"] == cid and f["kind"] == "EVIDENCE" for f in manifest["files"]) else None
    answer, z, manifest = wait_until(package, timeout=30)
    assert hashlib.sha256(answer.content).hexdigest() == answer.headers["X-Content-SHA256"]
    for f in manifest["files"]:                                   # the manifest's hashes are the files'
        assert hashlib.sha256(z.read(f["path"])).hexdigest() == f["sha256"], f["path"]
    mine = [f for f in manifest["files"] if f["case_id"] == cid]
    assert [f["kind"] for f in mine] == ["COMPLAINT", "EVIDENCE_LIST", "EVIDENCE"]
    assert z.read(mine[2]["path"]) == PDF and mine[2]["sha256"] == sha
    assert get(world, path, OTHER).status_code == 404
    pub.close()


def test_an_amended_claim_reissues_the_filing_documents_and_the_court_sees_the_old_ones_superseded(world):
    now, pub, log = datetime.now(timezone.utc), Publisher(world["bootstrap"], world["codec"]), world["log"]
    e = named(opened(LENDER, "L-amended", "D-amended", now))
    cid = escalate(world, pub, e, now)
    log.wait(cid, "LitigationFiled")
    first = documents_of(world, cid, 2)
    facts = {**e["event"]["facts"], "principal_cents": e["event"]["facts"]["principal_cents"] + 100_000}
    pub.send("case.events", cid, "CaseEvent", other_event("intake", "CaseAmended",
                                                          {"facts": facts, "changed_fields": ["principal_cents"]},
                                                          cid, LENDER, now, "loan.defaults/0/amended"))
    pub.flush()

    def reissued():
        got = [(json.loads(b), b) for _, b in world["receiver"].by("court")]
        mine = {body["kind"]: body for body, _ in got if body["case_id"] == cid and body.get("supersedes")}
        return mine if len(mine) == 2 else None
    again = wait_until(reissued, timeout=45)
    assert {k: b["supersedes"] for k, b in again.items()} == {k: first[k][1]["document_id"] for k in first}
    assert all(again[k]["document_no"] != first[k][1]["document_no"] for k in again)
    assert {b["bundle_id"] for b in again.values()} == {first["COMPLAINT"][1]["bundle_id"]}
    complaint = text(base64.b64decode(again["COMPLAINT"]["content_base64"]))
    assert "12,200.00元" in complaint and "人民币壹万贰仟贰佰元整" in complaint     # the amended claim

    def listed():
        (entry,) = [c for c in get(world, "/v1/courts/cases").json()["filings"] if c["case_id"] == cid]
        return entry["documents"] if len(entry["documents"]) == 4 else None
    superseded = {d["document_id"]: d["superseded_by"] for d in wait_until(listed, timeout=30)}
    assert superseded == {**{first[k][1]["document_id"]: again[k]["document_id"] for k in again},
                          **{b["document_id"]: None for b in again.values()}}
    manifest = get(world, f"/v1/courts/bundles/{again['COMPLAINT']['bundle_id']}").json()
    assert {d["document_id"] for d in manifest["documents"] if d["case_id"] == cid} == \
        {b["document_id"] for b in again.values()}
    pub.close()
