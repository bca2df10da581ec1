"""The gateway against a real Tansu: every endpoint, every authorisation boundary, a streamed
100,000-row upload with bounded memory, and a property-based run of its OpenAPI document.

Stage services are simulated by publishing case.events directly; intake is real where batches matter.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from datetime import timedelta

import pytest
import requests

from remedy.kernel.portal import notice_code
from remedy.runtime.publish import Publisher
from sim.defaults import batch, utc, valid_default
from tests.conftest import read_topic
from tests.gateway_helpers import (BUREAU_KEYS, CENTRE_KEYS, DEPARTMENT_KEYS, LENDER_KEYS, MEDIATOR_KEYS, PAYER_KEY, PORTAL_SECRET,
                                   bearer, court_headers, event, keys_text, notice_sent, wait_until)

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
A, B = bearer(LENDER_KEYS["LENDER-A"]), bearer(LENDER_KEYS["LENDER-B"])
M1, M2 = bearer(MEDIATOR_KEYS["PM-3505-01"]), bearer(MEDIATOR_KEYS["PM-3505-02"])
PAYER = bearer(PAYER_KEY)
QZ, BJ = bearer(BUREAU_KEYS["JB-3505"]), bearer(BUREAU_KEYS["JB-1101"])


def start_gateway(services, tmp_path, **env):
    path = tmp_path / "keys.json"
    path.write_text(keys_text())
    gw = services("gateway", REMEDY_GATEWAY_KEYS=str(path), REMEDY_PORTAL_SECRET=PORTAL_SECRET, **CLOCK, **env)
    return gw, f"http://127.0.0.1:{gw.port}"


def jsonl(defaults) -> bytes:
    return "".join(json.dumps(d, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n" for d in defaults).encode()


def as_csv(defaults) -> bytes:
    out = io.StringIO()
    cols = ["loan_id", "product", "principal_cents", "interest_cents", "penalty_cents", "contract_date", "due_date",
            "debtor_name", "debtor_national_id", "debtor_phone", "debtor_region_code", "debtor_is_student", "evidence"]
    w = csv.writer(out)
    w.writerow(cols)
    for d in defaults:
        w.writerow([d["loan_id"], d["product"], d["principal_cents"], d["interest_cents"], d["penalty_cents"],
                    d["contract_date"].isoformat(), d["due_date"].isoformat(), d["debtor"]["name"], d["debtor"]["national_id"],
                    d["debtor"]["phone"], d["debtor"]["region_code"], "true" if d["debtor"]["is_student"] else "false",
                    "contract|s3://x/c.pdf;statement|s3://x/s.pdf"])
    return out.getvalue().encode()


def test_every_endpoint_and_every_boundary(broker, services, codec, tmp_path):
    services("intake", **CLOCK)
    gw, url = start_gateway(services, tmp_path, REMEDY_GATEWAY_PORTAL_RATE_PER_MINUTE="1000")

    # --- lenders upload (JSON lines with two unreadable rows; CSV) and poll ------------------------
    defaults, reasons = batch("LENDER-A", "ignored", 20, 4, NOW)
    body = jsonl(defaults) + b"{not json\n" + jsonl([{k: v for k, v in defaults[0].items() if k != "due_date"}])
    r = requests.post(f"{url}/v1/lender/batches?batch_id=B-A-1", data=iter([body[:1000], body[1000:]]), headers=A)
    assert r.status_code == 202, r.text
    assert (r.json()["published"], r.json()["refused"]) == (24, 2)
    assert [x["line"] for x in r.json()["refusals"]] == [25, 26] and "due_date" in r.json()["refusals"][1]["message"]
    assert requests.post(f"{url}/v1/lender/batches", data=body, headers={}).status_code == 401
    assert requests.post(f"{url}/v1/lender/batches", data=body, headers=M1).status_code == 403

    status = wait_until(lambda: (s := requests.get(f"{url}/v1/lender/batches/B-A-1", headers=A).json())["complete"]
                        and s["report"] and s, timeout=90)
    assert (status["accepted"], status["rejected"], status["refused_at_gateway"]) == (20, 4, 2)
    assert {x["loan_id"]: x["reason_codes"] for x in status["rejections"]} == {k: [v] for k, v in reasons.items()}
    assert status["report"]["declared_size"] == 24, "the last row carried the batch size to intake"
    assert requests.get(f"{url}/v1/lender/batches/B-A-1", headers=B).status_code == 404

    b_defaults, _ = batch("LENDER-B", "x", 3, 0, NOW, seed=99, first_loan=500)
    r = requests.post(f"{url}/v1/lender/batches?format=csv&batch_id=B-B-1", data=as_csv(b_defaults), headers=B)
    assert r.status_code == 202 and r.json()["published"] == 3, r.text
    wait_until(lambda: requests.get(f"{url}/v1/lender/batches/B-B-1", headers=B).json()["accepted"] == 3)

    # --- lenders read their own cases only --------------------------------------------------------
    listed = requests.get(f"{url}/v1/lender/cases?limit=1000", headers=A).json()
    assert listed["total"] == 20 and {c["lender_id"] for c in listed["cases"]} == {"LENDER-A"}
    b_cases = requests.get(f"{url}/v1/lender/cases", headers=B).json()["cases"]
    assert len(b_cases) == 3
    x, y, z, w = (c["case_id"] for c in listed["cases"][:4])
    assert requests.get(f"{url}/v1/lender/cases/{x}", headers=B).status_code == 404
    assert requests.get(f"{url}/v1/lender/cases/{b_cases[0]['case_id']}", headers=A).status_code == 404
    region = listed["cases"][0]["region_code"]
    by_region = requests.get(f"{url}/v1/lender/cases?region={region}&limit=1000", headers=A).json()
    assert by_region["total"] == sum(c["region_code"] == region for c in listed["cases"]) > 0
    assert requests.get(f"{url}/v1/lender/cases?stage=OPENED", headers=A).json()["total"] == 20
    assert requests.get(f"{url}/v1/lender/cases?stage=CLOSED", headers=A).json()["total"] == 0
    day = (NOW + timedelta(hours=8)).date()
    assert requests.get(f"{url}/v1/lender/cases?opened_from={day}&opened_to={day}", headers=A).json()["total"] == 20
    assert requests.get(f"{url}/v1/lender/cases?opened_from={day + timedelta(days=1)}", headers=A).json()["total"] == 0
    bad = requests.get(f"{url}/v1/lender/cases?stage=NOPE", headers=A)
    assert bad.status_code == 400 and bad.json()["field"] == "stage"

    # --- stage services move case x (simulated on case.events) ------------------------------------
    pub = Publisher(broker, codec)
    session_at = NOW + timedelta(days=3)
    for type_, ev in [("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [], "score": 700,
                                        "mediation_centre": "MC-350502", "court": "CT-350502", "cross_region": False}),
                      ("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-3505-01", "queue_wait_ms": 0}),
                      ("SessionScheduled", {"tier": "PEOPLES", "mediator_id": "PM-3505-01", "mode": "VIDEO",
                                            "scheduled_at": session_at, "location": None, "video_link": "https://v/1"})]:
        pub.send("case.events", x, "CaseEvent", event(type_, ev, x, "LENDER-A", NOW))
    for case_id in (x, y):  # the notices whose codes sign their debtors in
        pub.send("notice.log", case_id, "NoticeLogEntry", notice_sent(case_id, "LENDER-A", f"N-{case_id}", NOW))
    pub.flush()
    detail = wait_until(lambda: (d := requests.get(f"{url}/v1/lender/cases/{x}", headers=A).json())["stage"]
                        == "PEOPLES_MEDIATION" and len(d["timeline"]) == 4 and d)
    assert [t["type"] for t in detail["timeline"]] == ["CaseOpened", "CaseTriaged", "MediatorAssigned", "SessionScheduled"]
    assert detail["next_deadline"]["kind"] == "SESSION"

    # --- the centre and the court see the cases before them, no other ----------------------------------
    queue = requests.get(f"{url}/v1/centres/queue", headers=bearer(CENTRE_KEYS["MC-350502"])).json()
    assert queue["waiting"] == [] and [(a["case_id"], a["mediator_id"]) for a in queue["assigned"]] == [(x, "PM-3505-01")]
    other = requests.get(f"{url}/v1/centres/queue", headers=bearer(CENTRE_KEYS["MC-110105"])).json()
    assert other["waiting"] == other["assigned"] == []
    assert requests.get(f"{url}/v1/centres/queue", headers=A).status_code == 403
    signed = court_headers("CT-350502", b"GET /v1/courts/cases", NOW)
    court = requests.get(f"{url}/v1/courts/cases", headers=signed)
    assert court.status_code == 200 and court.json()["counts"] == {"confirmations": 0, "filings": 0, "judgments": 0,
                                                                   "enforcements": 0}
    assert requests.get(f"{url}/v1/courts/cases", headers=signed).status_code == 200, "reading twice is no replay"
    forged = court_headers("CT-350502", b"GET /v1/courts/cases", NOW, secret="not-the-secret")
    assert requests.get(f"{url}/v1/courts/cases", headers=forged).status_code == 401

    # --- mediators see and act only on their cases -----------------------------------------------
    mine = requests.get(f"{url}/v1/mediator/cases", headers=M1).json()["cases"]
    assert [c["case_id"] for c in mine] == [x] and mine[0]["sessions"][0]["video_link"] == "https://v/1"
    assert requests.get(f"{url}/v1/mediator/cases", headers=M2).json()["cases"] == []
    plan = {"kind": "INSTALMENTS", "total_cents": 30000,
            "instalments": [{"due_date": "2026-12-10", "amount_cents": 10000}, {"due_date": "2027-01-10", "amount_cents": 20000}]}
    assert requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "SETTLED", "plan": plan}, headers=M2).status_code == 404
    assert requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "FAILED"}, headers=A).status_code == 403
    assert requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "FAILED"}).status_code == 401
    r = requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "SETTLED"}, headers=M1)
    assert r.status_code == 400 and r.json()["field"] == "plan"
    wrong_sum = {**plan, "total_cents": 30001}
    r = requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "SETTLED", "plan": wrong_sum}, headers=M1)
    assert r.status_code == 400 and r.json()["field"] == "plan.instalments"
    r = requests.post(f"{url}/v1/mediator/cases/{y}/outcomes", json={"outcome": "FAILED"}, headers=M1)
    assert r.status_code == 404
    r = requests.post(f"{url}/v1/mediator/cases/{x}/outcomes", json={"outcome": "SETTLED", "plan": plan}, headers=M1)
    assert r.status_code == 202, r.text
    (key, outcome), = read_topic(broker, "mediation.outcomes", codec, until=1, idle=1)
    assert key.decode() == x and (outcome["mediator_id"], outcome["tier"], outcome["plan"]["total_cents"]) == ("PM-3505-01", "PEOPLES", 30000)

    # --- courts: signed, fresh, new, and only their own cases ------------------------------------
    decision = json.dumps({"decision_id": "D-1", "case_id": x, "kind": "CONFIRMATION_GRANTED", "court_case_no": "(2026)闽0502民特1号"}).encode()
    signed = court_headers("CT-350502", decision, NOW)
    assert requests.post(f"{url}/v1/courts/decisions", data=decision, headers=signed).status_code == 202
    replay = requests.post(f"{url}/v1/courts/decisions", data=decision, headers=signed)
    assert replay.status_code == 401 and "replay" in replay.json()["error"]
    stale = requests.post(f"{url}/v1/courts/decisions", data=decision, headers=court_headers("CT-350502", decision, NOW - timedelta(minutes=6)))
    assert stale.status_code == 401 and "window" in stale.json()["error"]
    forged = court_headers("CT-350502", decision, NOW + timedelta(seconds=1), secret="guess")
    assert requests.post(f"{url}/v1/courts/decisions", data=decision, headers=forged).status_code == 401
    other = requests.post(f"{url}/v1/courts/decisions", data=decision, headers=court_headers("CT-110105", decision, NOW))
    assert other.status_code == 403
    incomplete = json.dumps({"decision_id": "D-2", "case_id": x, "kind": "JUDGMENT", "court_case_no": "1"}).encode()
    r = requests.post(f"{url}/v1/courts/decisions", data=incomplete, headers=court_headers("CT-350502", incomplete, NOW))
    assert r.status_code == 400 and r.json()["field"] == "awarded_cents"
    (_, court_record), = read_topic(broker, "court.decisions", codec, until=1, idle=1)
    assert (court_record["court"], court_record["kind"], court_record["case_id"]) == ("CT-350502", "CONFIRMATION_GRANTED", x)

    # --- payments: idempotent by reference --------------------------------------------------------
    pay = {"payment_ref": "P-1", "case_id": x, "amount_cents": 10000}
    first = requests.post(f"{url}/v1/payments", json=pay, headers=PAYER)
    again = requests.post(f"{url}/v1/payments", json=pay, headers=PAYER)
    assert (first.status_code, again.status_code) == (202, 200) and first.json() == again.json()
    assert requests.post(f"{url}/v1/payments", json={**pay, "amount_cents": 1}, headers=PAYER).status_code == 409
    assert requests.post(f"{url}/v1/payments", json=pay, headers=A).status_code == 403
    assert requests.post(f"{url}/v1/payments", json={**pay, "payment_ref": "P-9", "case_id": "C-nope"}, headers=PAYER).status_code == 404
    r = requests.post(f"{url}/v1/payments", json={**pay, "amount_cents": "100"}, headers=PAYER)
    assert r.status_code == 400 and r.json()["field"] == "amount_cents"

    # --- lenders report payments and withdraw -----------------------------------------------------
    assert requests.post(f"{url}/v1/lender/cases/{y}/payments", json={"amount_cents": 500, "payment_ref": "P-2"}, headers=A).status_code == 202
    assert requests.post(f"{url}/v1/lender/cases/{z}/payments", json={"amount_cents": 9000, "paid_in_full": True}, headers=A).status_code == 202
    assert requests.post(f"{url}/v1/lender/cases/{z}/payments", json={"amount_cents": 9000, "paid_in_full": True}, headers=B).status_code == 404
    assert requests.post(f"{url}/v1/lender/cases/{w}/withdraw", json={"note": "sold"}, headers=B).status_code == 404
    assert requests.post(f"{url}/v1/lender/cases/{w}/withdraw", json={"note": "settled privately"}, headers=A).status_code == 202
    payments = [p for _, p in read_topic(broker, "payments", codec, until=2, idle=1)]
    assert sorted((p["payment_ref"], p["case_id"]) for p in payments) == [("P-1", x), ("P-2", y)]
    updates = [u for _, u in read_topic(broker, "lender.updates", codec, until=2, idle=1)]
    assert sorted((u["kind"], u["case_id"], u["lender_id"]) for u in updates) == [("PAID_IN_FULL", z, "LENDER-A"), ("WITHDRAWN", w, "LENDER-A")]

    # --- debtors: their own case only, with the code on their notices -----------------------------
    code_x, code_y = notice_code(PORTAL_SECRET, x, f"N-{x}"), notice_code(PORTAL_SECRET, y, f"N-{y}")
    mine = requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": x, "X-Verification-Code": code_x})
    assert mine.status_code == 200 and mine.json()["stage"] == "PEOPLES_MEDIATION"
    assert mine.json()["total_due_cents"] == detail["total_due_cents"] and mine.json()["next_deadline"]["kind"] == "SESSION"
    assert "lender_id" in mine.json() and "mediator_id" not in mine.json()
    assert requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": y, "X-Verification-Code": code_x}).status_code == 401
    debtor_x = {"X-Case-Id": x, "X-Verification-Code": code_x}
    r = requests.post(f"{url}/v1/debtor/requests", json={"kind": "OBJECTION"}, headers=debtor_x)
    assert r.status_code == 400 and r.json()["field"] == "ground"
    assert requests.post(f"{url}/v1/debtor/requests", json={"kind": "OBJECTION", "ground": "WRONG_AMOUNT", "detail": "paid 300"},
                         headers=debtor_x).status_code == 202
    assert requests.post(f"{url}/v1/debtor/requests", json={"kind": "ACCEPT_OFFER"}, headers=debtor_x).status_code == 409
    portal = requests.Session()  # a browser: the sign-in sets the session cookie the other pages read
    page = portal.post(f"{url}/portal/case", data={"case_id": x, "code": code_x, "lang": "zh"})
    assert page.status_code == 200 and "人民调解" in page.text and "下一期限" in page.text
    page = portal.get(f"{url}/portal/case?lang=en")
    assert "people&#x27;s mediation" in page.text or "people's mediation" in page.text
    assert requests.get(f"{url}/portal?lang=en").status_code == 200
    done = portal.post(f"{url}/portal/requests", data={"lang": "zh", "kind": "HARDSHIP_CLAIM",
                                                       "hardship_kinds": ["unemployed", "serious_illness"]})
    assert done.status_code == 202 and "已收到" in done.text
    assert portal.post(f"{url}/portal/requests", data={"kind": "OPT_OUT", "channel": "SMS"}).status_code == 202
    assert requests.post(f"{url}/portal/requests", data={"case_id": x, "code": code_x, "kind": "OPT_OUT",
                                                         "channel": "SMS"}).status_code == 401, "no cookie, no session"
    asks = [q for _, q in read_topic(broker, "debtor.requests", codec, until=3, idle=1)]
    assert sorted(q["kind"] for q in asks) == ["HARDSHIP_CLAIM", "OBJECTION", "OPT_OUT"] and {q["case_id"] for q in asks} == {x}
    assert next(q for q in asks if q["kind"] == "HARDSHIP_CLAIM")["hardship_kinds"] == ["serious_illness", "unemployed"]

    wrong = [requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": y, "X-Verification-Code": "00000000"}).status_code
             for _ in range(4)]
    assert wrong == [401, 401, 401, 429], "x's code tried on y earlier was this client's first of five wrong codes"
    assert requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": y, "X-Verification-Code": code_y}).status_code == 429
    assert requests.post(f"{url}/portal/case", data={"case_id": y, "code": code_y}).status_code == 429, \
        "the client is throttled (per client, never per case: test_gateway_hostile.py)"
    pub.close()


def rows(n: int):
    import random
    rng = random.Random(3)
    for i in range(n):
        d = valid_default(rng, "LENDER-A", i, "x", 0, NOW)
        yield (json.dumps(d, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n").encode()


def rss_kb(pid: int, field: str) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def test_streamed_upload_of_100000_rows_keeps_memory_bounded(broker, services, codec, tmp_path):
    gw, url = start_gateway(services, tmp_path)
    pid = gw.proc.pid
    requests.get(f"{url}/openapi.json")  # warm up what a first request loads
    small = requests.post(f"{url}/v1/lender/batches?batch_id=WARM", data=b"".join(rows(200)), headers=A)
    assert small.status_code == 202
    before = rss_kb(pid, "VmRSS")
    sent = {"bytes": 0}

    def body():
        for chunk in rows(100_000):
            sent["bytes"] += len(chunk)
            yield chunk

    started = time.monotonic()
    r = requests.post(f"{url}/v1/lender/batches?batch_id=BIG", data=body(), headers=A, timeout=600)
    elapsed = time.monotonic() - started
    assert r.status_code == 202 and r.json()["published"] == 100_000 and r.json()["refused"] == 0, r.text
    peak = rss_kb(pid, "VmHWM")
    growth_mb = (peak - before) / 1024
    print(f"100,000 rows ({sent['bytes'] / 2**20:.0f} MiB) in {elapsed:.1f}s; gateway RSS {before / 1024:.0f} MiB, "
          f"peak {peak / 1024:.0f} MiB (+{growth_mb:.0f})")
    assert sent["bytes"] > 60 * 2**20
    assert growth_mb < 40, f"peak RSS grew {growth_mb:.0f} MiB for a {sent['bytes'] / 2**20:.0f} MiB upload"
    published = read_topic(broker, "loan.defaults", codec, until=100_200, timeout=240, idle=2)
    big = [d for _, d in published if d["batch_id"] == "BIG"]
    assert len(big) == 100_000 and len({d["loan_id"] for d in big}) == 100_000
    assert [d["batch_size"] for d in big if d["batch_size"]] == [100_000], "one row declares the size"
    assert {d["lender_id"] for d in big} == {"LENDER-A"}


def court_document(case_id: str) -> dict:
    """A document sent to CT-350502 (a real PDF is not needed to serve one: the gateway serves the bytes sealed)."""
    from remedy.kernel.pii import ContactSealer
    from remedy.kernel.settings import Settings
    pdf = b"%PDF-1.4 test"
    return {"document_id": "D-prop", "case_id": case_id, "lender_id": "LENDER-A", "court": "CT-350502",
            "kind": "COMPLAINT", "document_no": "QS-2026-PROP", "bundle_id": "FB-prop", "causation_id": "E-prop",
            "sha256": hashlib.sha256(pdf).hexdigest(), "sealed_content": ContactSealer(Settings.from_env({}).pii_key)
            .seal_document(pdf), "evidence": [], "issued_at": NOW}


def test_property_based_run_of_the_openapi_document_finds_no_server_error(broker, services, codec, tmp_path):
    """schemathesis generates requests from /openapi.json (valid and invalid), with each party's real
    credentials and with real case ids as well as made-up ones; no answer may be a 5xx."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    from tests.broker.funnel_helpers import opened
    from tests.gateway_helpers import COURT_SECRETS
    from services.gateway.guards import sign

    gw, url = start_gateway(services, tmp_path, REMEDY_GATEWAY_PORTAL_RATE_PER_MINUTE="100000")
    pub = Publisher(broker, codec)
    cases = []
    for n in range(3):
        e = opened("LENDER-A", f"L-{n}", f"D-{n}", NOW)
        cases.append(e["case_id"])
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.send("case.events", cases[0], "CaseEvent", event("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-3505-01",
                                                                              "queue_wait_ms": 0}, cases[0], "LENDER-A", NOW))
    pub.send("notice.log", cases[1], "NoticeLogEntry", notice_sent(cases[1], "LENDER-A", "N-1", NOW))
    pub.send("court.documents", cases[2], "CourtDocument", court_document(cases[2]))
    pub.flush()
    pub.close()
    wait_until(lambda: requests.get(f"{url}/v1/lender/cases", headers=A).json()["total"] == 3)

    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    credentials = {"/v1/lender": A, "/v1/mediator": M1, "/v1/payments": PAYER, "/v1/roster": QZ,
                   "/v1/departments": bearer(DEPARTMENT_KEYS["DEPT-CBIRC-350500"]), "/v1/webhooks": B,
                   "/v1/centres": bearer(CENTRE_KEYS["MC-350502"])}
    seen_statuses: dict[str, set] = {}
    server_errors = []

    def headers_for(case) -> dict:
        path = case.operation.path
        out = next((v for k, v in credentials.items() if path.startswith(k)), {})
        if path == "/v1/courts/decisions":
            body = case.body if isinstance(case.body, bytes) else json.dumps(case.body, default=str).encode()
            ts = str(int(NOW.timestamp()))
            return {"X-Remedy-Court": "CT-350502", "X-Remedy-Timestamp": ts, "Content-Type": "application/json",
                    "X-Remedy-Signature": sign(COURT_SECRETS["CT-350502"].encode(), ts, body)}, body
        if path.startswith("/v1/courts/") and case.method.upper() == "GET":   # the court's view and its documents
            from urllib.parse import urlencode
            query = urlencode(case.query or {}, doseq=True)
            signed = f"GET {case.formatted_path}{'?' + query if query else ''}".encode()
            ts = str(int(NOW.timestamp()))
            return {"X-Remedy-Court": "CT-350502", "X-Remedy-Timestamp": ts,
                    "X-Remedy-Signature": sign(COURT_SECRETS["CT-350502"].encode(), ts, signed)}, None
        if path.startswith("/v1/debtor"):
            out = {"X-Case-Id": cases[1], "X-Verification-Code": notice_code(PORTAL_SECRET, cases[1], "N-1")}
        return out, None

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            real = {"case_id": cases[0], "document_id": "D-prop", "bundle_id": "FB-prop"}
            fixed = {k: v for k, v in real.items() if "{" + k + "}" in operation.path} or None
            fixed = fixed if mode is GenerationMode.POSITIVE else None

            @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            def run(case):
                headers, raw = headers_for(case)
                kwargs = {"data": raw} if raw is not None else {}
                response = case.call(base_url=url, headers={**(case.headers or {}), **headers}, timeout=30, **kwargs)
                seen_statuses.setdefault(operation.label, set()).add(response.status_code)
                if response.status_code >= 500:
                    server_errors.append((operation.label, mode.value, response.status_code, response.text[:200]))

            try:
                run()
            except schemathesis.errors.SerializationNotPossible:
                continue
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing invalid to send (no inputs)
    print({k: sorted(v) for k, v in seen_statuses.items()})
    assert not server_errors, server_errors[:5]
    assert len(seen_statuses) >= 20, "every documented operation was exercised"
    assert any(s < 300 for k, v in seen_statuses.items() if "lender/cases" in k for s in v), "real data was reached"


def test_a_judicial_bureau_designates_changes_and_withdraws_its_own_mediators_and_reads_its_changes(broker, services, codec,
                                                                                                   tmp_path):
    from services.mediation.roster import check

    gw, url = start_gateway(services, tmp_path)
    body = {"regions": ["350502", "350503"], "modes": ["ON_SITE", "VIDEO"], "daily_capacity": 12}
    r = requests.put(f"{url}/v1/roster/mediators/PM-3505-77", json=body, headers=QZ)
    assert r.status_code == 202, r.text
    assert (r.json()["designated_by"], r.json()["tier"], r.json()["active"]) == ("JB-3505", "PEOPLES", True)
    mine = wait_until(lambda: requests.get(f"{url}/v1/roster", headers=QZ).json()["mediators"])
    assert [(m["mediator_id"], m["daily_capacity"], m["regions"]) for m in mine] == [("PM-3505-77", 12, ["350502", "350503"])]
    assert requests.get(f"{url}/v1/roster", headers=BJ).json()["total"] == 0, "a bureau sees only its own mediators"

    refused = {  # (who, body) → (status, field)
        "another bureau's mediator": (BJ, {"regions": ["110101"], "daily_capacity": 1}, 403),
        "a region outside the area": (QZ, {"regions": ["110101"], "daily_capacity": 1}, 403),
        "a court-appointed mediator": (QZ, {"tier": "COURT", "regions": ["3505"], "daily_capacity": 1}, 403),
        "no such division": (QZ, {"regions": ["359999"], "daily_capacity": 1}, 400),
        "a negative capacity": (QZ, {"regions": ["3505"], "daily_capacity": -1}, 400),
    }
    for why, (who, bad, status) in refused.items():
        r = requests.put(f"{url}/v1/roster/mediators/PM-3505-77", json=bad, headers=who)
        assert r.status_code == status and r.json()["error"], (why, r.status_code, r.text)
    assert requests.put(f"{url}/v1/roster/mediators/PM-X", json=body, headers=A).status_code == 403, "lenders designate no one"
    assert requests.delete(f"{url}/v1/roster/mediators/PM-3505-77", headers=BJ).status_code == 403
    assert requests.delete(f"{url}/v1/roster/mediators/PM-NOBODY", headers=QZ).status_code == 404

    assert requests.put(f"{url}/v1/roster/mediators/PM-3505-77", json={**body, "daily_capacity": 5}, headers=QZ).status_code == 202
    wait_until(lambda: requests.get(f"{url}/v1/roster", headers=QZ).json()["mediators"][0]["daily_capacity"] == 5)
    assert requests.delete(f"{url}/v1/roster/mediators/PM-3505-77", headers=QZ).status_code == 202
    changes = wait_until(lambda: len(c := requests.get(f"{url}/v1/roster/changes", headers=QZ).json()["changes"]) == 3 and c)
    assert [(c["daily_capacity"], c["active"]) for c in changes] == [(12, True), (5, True), (5, False)]
    assert all(c["designated_by"] == "JB-3505" and c["ref"].startswith("mediation.roster/") for c in changes)

    records = [rec for _, rec in read_topic(broker, "mediation.roster", codec, until=3, idle=1.0)]
    assert [(rec["mediator_id"], rec["active"]) for rec in records] == [("PM-3505-77", True)] * 2 + [("PM-3505-77", False)]
    assert all(check(rec)["designated_by"] == "JB-3505" for rec in records), "mediation accepts what the bureau sent"


def test_a_restarted_gateway_reads_only_what_is_new_and_answers_from_its_store_at_once(broker, services, codec, tmp_path):
    """The read model is on disk with the offsets it covers: after a restart the gateway answers for the cases it
    knew before reading anything, reads only the records published since, and ignores a redelivered one. A store
    the broker no longer matches is discarded, with a line in the log, and rebuilt from offset 0."""
    from services.gateway.store import Store
    from tests.broker.funnel_helpers import opened
    from tests.conftest import metric_value

    gw, url = start_gateway(services, tmp_path)
    consumed = lambda: metric_value(gw.port, "remedy_gateway_consumed_total")  # noqa: E731 - since this process started
    total = lambda: requests.get(f"{url}/v1/lender/cases?limit=1", headers=A).json()["total"]  # noqa: E731
    pub = Publisher(broker, codec)
    first = [opened("LENDER-A", f"L-{n}", f"D-{n}", NOW) for n in range(400)]
    cid = first[0]["case_id"]
    for e in first + [event("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-3505-01", "queue_wait_ms": 0},
                            cid, "LENDER-A", NOW)]:
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    paid = lambda ref: {"payment_ref": ref, "case_id": cid, "amount_cents": 100, "paid_at": NOW, "channel": "bank_transfer"}  # noqa: E731
    pub.send("payments", cid, "Payment", paid("P-before"))
    pub.flush()
    wait_until(lambda: total() == 400 and consumed() == 402)
    gw.stop()

    later = [opened("LENDER-A", f"L-{n}", f"D-{n}", NOW) for n in range(400, 405)]
    for e in later + [first[7]]:  # five new cases, and an opening delivered again
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.send("payments", cid, "Payment", paid("P-while-down"))
    pub.flush()
    gw.start().wait_ready()
    detail = requests.get(f"{url}/v1/lender/cases/{cid}", headers=A)
    assert detail.status_code == 200 and [t["type"] for t in detail.json()["timeline"]] == ["CaseOpened", "MediatorAssigned"]
    assert [c["case_id"] for c in requests.get(f"{url}/v1/mediator/cases", headers=M1).json()["cases"]] == [cid]
    wait_until(lambda: total() == 405 and requests.get(f"{url}/healthz").json()["caught_up"])
    assert requests.get(f"{url}/readyz").status_code == 200
    time.sleep(1.5)
    assert consumed() == 7, "only the records published while it was down were read"
    for ref in ("P-before", "P-while-down"):  # known from the store, and from the topic read after the restart
        again = requests.post(f"{url}/v1/payments", json={"payment_ref": ref, "case_id": cid, "amount_cents": 100}, headers=PAYER)
        assert again.status_code == 200, (ref, again.text)
    assert requests.get(f"{url}/healthz").json()["cases"] == 405
    assert "read model resumed at" in gw.tail(200)
    gw.stop()

    store = Store(tmp_path / "gateway" / "gateway" / "read-model")
    store.commit({("case.events", 0): {"next": 1_000_000, "last": "0"}})  # as if written against another broker
    store.close()
    gw.start().wait_ready()
    wait_until(lambda: total() == 405 and consumed() == 409, timeout=90)
    assert "case.events[0]" in gw.tail(200) and "rebuilding it from offset 0" in gw.tail(200)
    assert requests.get(f"{url}/v1/lender/cases/{cid}", headers=A).json()["mediator_id"] == "PM-3505-01"
    pub.close()
