"""Issue 7's "done when" on the real funnel: the gateway and intake, triage, mediation, enforcement, repair
and objections as separate workers on a real broker and one clock running a simulated day per real second.

The outside world speaks only HTTP to the gateway (this test never publishes to Kafka; it reads topics
only to assert): a lender uploads a batch and watches its cases move; mediators record outcomes; a court
signs webhooks; a payment processor reports a payment; a debtor logs into the portal with the code on
their notices and objects. Each change is asserted as the lender sees it through the gateway and on
``case.events``, and every credential is tried on another party's data and refused.
"""
from __future__ import annotations

import json
import random
import time
from itertools import groupby
from datetime import timedelta

import pytest
import requests

from remedy.runtime.broker import free_port
from remedy.kernel.clock import ScaledClock, china_date, parse_instant
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id
from remedy.kernel.portal import notice_code
from remedy.ops.procs import ServiceProcess
from remedy.runtime.publish import Publisher
from services.gateway.keys import key_hash
from sim.defaults import INVALID_KINDS, valid_default
from tests.broker.funnel_helpers import CaseLog
from tests.conftest import read_topic
from tests.e2e.test_funnel_full import dead_letters, is_subsequence
from tests.gateway_helpers import (COURT_SECRETS, LENDER_KEYS, PAYER_KEY, PORTAL_SECRET, bearer, court_headers, notice_sent,
                                   wait_until)

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 86_400.0                       # one simulated day per real second
SERVICES = ("intake", "triage", "mediation", "enforcement", "repair", "objections", "gateway")
LENDER, OTHER_LENDER = "LENDER-A", "LENDER-B"
A, B = bearer(LENDER_KEYS[LENDER]), bearer(LENDER_KEYS[OTHER_LENDER])
PAYER = bearer(PAYER_KEY)
# every mediator on the roster who could be given a case in 350502, each with a key
MEDIATORS = {m: f"key-{m.lower()}-0123456789" for m in ("PM-3505-01", "PM-3505-02", "PM-NAT-01", "CM-3505-01", "CM-NAT-01")}
HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
COURT_ROUTE = 5_000_000                # a claim this large starts in court mediation (triage's threshold)
AWARD = 5_050_000


def keys_text() -> str:
    entries = [{"kind": "lender", "id": k, "key_sha256": key_hash(v)} for k, v in LENDER_KEYS.items()]
    entries += [{"kind": "mediator", "id": k, "key_sha256": key_hash(v)} for k, v in MEDIATORS.items()]
    entries += [{"kind": "payer", "id": "PSP-1", "key_sha256": key_hash(PAYER_KEY)}]
    entries += [{"kind": "court", "id": k, "hmac_secret": v} for k, v in COURT_SECRETS.items()]
    return json.dumps({"principals": entries})


def start_all(broker: str, tmp_path, env: dict[str, str]) -> dict[str, ServiceProcess]:
    procs = {}
    for name in SERVICES:
        full = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / name),
                f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}
        proc = ServiceProcess(name, full, tmp_path / "logs")
        proc.port = int(full[f"REMEDY_{name.upper()}_PORT"])
        procs[name] = proc.start()
    for p in procs.values():
        p.wait_ready(timeout=150)
    return procs


def test_the_funnel_driven_through_the_gateway_alone(broker, codec, tmp_path):
    anchor = time.time()
    clock = ScaledClock(parse_instant(EPOCH), anchor, SCALE)
    keys = tmp_path / "keys.json"
    keys.write_text(keys_text())
    env = {"REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": str(SCALE), "REMEDY_CLOCK_ANCHOR": repr(anchor),
           "REMEDY_GATEWAY_KEYS": str(keys), "REMEDY_PORTAL_SECRET": PORTAL_SECRET,
           # a court's timestamp is checked against the gateway's (scaled) clock: 300 simulated seconds
           # would be 3.5 real milliseconds, so the window here is 20 simulated days (20 real seconds)
           "REMEDY_GATEWAY_REPLAY_WINDOW_SECONDS": str(20 * 86_400),
           # likewise a notice's code, on the scaled clock, would last about a minute
           "REMEDY_GATEWAY_PORTAL_CODE_DAYS": "100000",
           **{f"REMEDY_{s.upper()}_SWEEP_SECONDS": "0.25" for s in ("mediation", "enforcement", "repair", "objections")}}
    procs: dict[str, ServiceProcess] = {}
    log = CaseLog(broker, codec)
    try:
        procs = start_all(broker, tmp_path, env)
        drive(broker, codec, clock, log, f"http://127.0.0.1:{procs['gateway'].port}")
    finally:
        for p in procs.values():
            p.stop()
        log.close()


def jsonl(defaults) -> bytes:
    return "".join(json.dumps(d, ensure_ascii=False, default=lambda v: v.isoformat()) + "\n" for d in defaults).encode()


def drive(broker, codec, clock, log: CaseLog, url: str) -> None:
    started = time.monotonic()
    today = lambda: china_date(clock.now())   # noqa: E731

    def get(path: str, headers: dict) -> requests.Response:
        return requests.get(url + path, headers=headers, timeout=30)

    def post(path: str, headers: dict, **kw) -> requests.Response:
        return requests.post(url + path, headers=headers, timeout=30, **kw)

    def case(cid: str) -> dict:
        r = get(f"/v1/lender/cases/{cid}", A)
        assert r.status_code == 200, r.text
        return r.json()

    def reaches(cid: str, type_: str, stage: str | None = None, timeout: float = 60.0) -> dict:
        """The lender's view of a case once its timeline shows ``type_`` (and the stage is ``stage``)."""
        return wait_until(lambda: (c := case(cid)) and any(t["type"] == type_ for t in c["timeline"])
                          and (stage is None or c["stage"] == stage) and c, timeout=timeout)

    def court(kind: str, cid: str, n: int, court_id: str = "CT-350502", **fields) -> requests.Response:
        body = json.dumps({"decision_id": f"D-{kind}-{n}", "case_id": cid, "kind": kind,
                           "court_case_no": f"(2026)闽0502民初{n}号", **fields}).encode()
        return post("/v1/courts/decisions", court_headers(court_id, body, clock.now()), data=body)

    # --- a lender uploads a batch over HTTP and polls it until intake answers ---------------------
    rng = random.Random(7)
    rows = []
    for n, principal in enumerate((1_000_000, COURT_ROUTE, 1_000_000, 1_000_000)):
        d = valid_default(rng, LENDER, n, "ignored", 0, clock.now(), region="350502")
        d["debtor"].update({h: False for h in HARDSHIP})
        d.update(principal_cents=principal, interest_cents=80_000, penalty_cents=20_000, agreed_jurisdiction=None,
                 due_date=today() - timedelta(days=90), last_payment_date=None)
        d["contract_date"] = d["due_date"] - timedelta(days=365)
        rows.append(d)
    INVALID_KINDS["NATIONAL_ID_CHECKSUM"](rows[3])
    settled, litigated, objected = (case_id(LENDER, d["loan_id"], key=DEV_CASE_ID_KEY) for d in rows[:3])
    bad_loan = rows[3]["loan_id"]

    up = post("/v1/lender/batches?batch_id=GW-E2E-1", A, data=jsonl(rows))
    assert up.status_code == 202 and (up.json()["published"], up.json()["refused"]) == (4, 0), up.text
    assert post("/v1/lender/batches?batch_id=GW-E2E-X", {}, data=jsonl(rows)).status_code == 401
    status = wait_until(lambda: (s := get("/v1/lender/batches/GW-E2E-1", A).json())["complete"] and s["report"] and s,
                        timeout=90)
    assert (status["accepted"], status["rejected"]) == (3, 1), status
    assert status["rejections"] == [{"loan_id": bad_loan, "reason_codes": ["NATIONAL_ID_CHECKSUM"],
                                     "message": status["rejections"][0]["message"],
                                     "problems": [{"field": "debtor.national_id", "code": "NATIONAL_ID_CHECKSUM",
                                                   "message_zh": "身份证号码的校验码不符合 GB 11643",
                                                   "message_en": "debtor.national_id fails the GB 11643 check digit"}]}]
    assert get("/v1/lender/batches/GW-E2E-1", B).status_code == 404, "another lender's batch"

    # --- the lender lists its cases and watches them reach mediation -------------------------------
    listed = get("/v1/lender/cases?batch_id=GW-E2E-1", A).json()
    assert sorted(c["case_id"] for c in listed["cases"]) == sorted([settled, litigated, objected])
    assert get("/v1/lender/cases", B).json()["total"] == 0, "another lender sees none of these cases"
    for cid in (settled, litigated, objected):
        assert get(f"/v1/lender/cases/{cid}", B).status_code == 404
    s_view = reaches(settled, "SessionScheduled", "PEOPLES_MEDIATION")
    l_view = reaches(litigated, "SessionScheduled", "COURT_MEDIATION")
    o_view = reaches(objected, "SessionScheduled", "PEOPLES_MEDIATION")
    assert [t["type"] for t in s_view["timeline"]][:2] == ["CaseOpened", "CaseTriaged"]
    assert [x["mediator_id"] for x in s_view["sessions"]] == [s_view["mediator_id"]]
    by_stage = get("/v1/lender/cases?stage=COURT_MEDIATION", A).json()
    assert [c["case_id"] for c in by_stage["cases"]] == [litigated]

    # --- the debtor of one case logs into the portal and objects: the case goes ON_HOLD -----------
    notices = Publisher(broker, codec)  # notify is not running here: the notices whose codes the debtors hold
    for cid in (objected, settled):
        notices.send("notice.log", cid, "NoticeLogEntry", notice_sent(cid, LENDER, f"N-{cid}", clock.now()))
    notices.flush()
    notices.close()
    code = notice_code(PORTAL_SECRET, objected, f"N-{objected}")
    wait_until(lambda: get("/v1/debtor/case", {"X-Case-Id": objected, "X-Verification-Code": code}).status_code == 200)
    wrong = post("/portal/case", {}, data={"case_id": objected, "code": "00000000", "lang": "en"})
    assert wrong.status_code == 401 and objected not in wrong.text
    assert get("/v1/debtor/case", {"X-Case-Id": objected,
                                   "X-Verification-Code": notice_code(PORTAL_SECRET, settled, f"N-{settled}")}).status_code == 401, \
        "another case's code opens nothing"
    before = get("/v1/debtor/case", {"X-Case-Id": objected, "X-Verification-Code": code})
    assert before.status_code == 200 and before.json()["stage"] == "PEOPLES_MEDIATION" == o_view["stage"]
    assert before.json()["case_id"] == objected and "mediator_id" not in before.json()
    browser = requests.Session()  # the portal keeps its session in a cookie
    page = browser.post(url + "/portal/case", data={"case_id": objected, "code": code, "lang": "zh"}, timeout=30)
    assert page.status_code == 200 and "人民调解" in page.text, page.text[:300]
    filed = browser.post(url + "/portal/requests", data={"lang": "zh", "kind": "OBJECTION", "ground": "WRONG_AMOUNT",
                                                         "detail": "已还 3000 元"}, timeout=30)
    assert filed.status_code == 202 and "已收到" in filed.text, filed.text[:300]

    # --- mediators: each sees only the cases assigned to them, and records an outcome ---------------
    s_med, l_med = s_view["mediator_id"], l_view["mediator_id"]
    assert s_med in MEDIATORS and l_med in MEDIATORS and l_med.startswith("CM-")
    intruder = next(m for m in MEDIATORS if m.startswith("PM-") and m != s_med)
    assert settled in [c["case_id"] for c in get("/v1/mediator/cases", bearer(MEDIATORS[s_med])).json()["cases"]]
    assert settled not in [c["case_id"] for c in get("/v1/mediator/cases", bearer(MEDIATORS[intruder])).json()["cases"]]
    first_due = today() + timedelta(days=10)
    plan = {"kind": "INSTALMENTS", "total_cents": 600_000,
            "instalments": [{"due_date": first_due.isoformat(), "amount_cents": 200_000},
                            {"due_date": (today() + timedelta(days=120)).isoformat(), "amount_cents": 400_000}]}
    assert post(f"/v1/mediator/cases/{settled}/outcomes", bearer(MEDIATORS[intruder]),
                json={"outcome": "SETTLED", "plan": plan}).status_code == 404, "a mediator not on this case"
    assert post(f"/v1/mediator/cases/{settled}/outcomes", bearer(MEDIATORS[l_med]),
                json={"outcome": "FAILED"}).status_code == 404, "the court mediator of another case"
    assert post(f"/v1/mediator/cases/{settled}/outcomes", A, json={"outcome": "FAILED"}).status_code == 403
    r = post(f"/v1/mediator/cases/{settled}/outcomes", bearer(MEDIATORS[s_med]), json={"outcome": "SETTLED", "plan": plan})
    assert r.status_code == 202, r.text
    r = post(f"/v1/mediator/cases/{litigated}/outcomes", bearer(MEDIATORS[l_med]), json={"outcome": "FAILED"})
    assert r.status_code == 202, r.text

    held = reaches(objected, "CaseHeld", "ON_HOLD")
    assert any(t["type"] == "ObjectionFiled" and t["detail"]["ground"] == "WRONG_AMOUNT" for t in held["timeline"])
    mine = get("/v1/debtor/case", {"X-Case-Id": objected, "X-Verification-Code": code})
    assert mine.status_code == 200 and mine.json()["stage"] == "ON_HOLD"

    # --- a court confirms the settlement; a payment processor pays the first instalment ------------
    reaches(settled, "ConfirmationRequested", "CONFIRMATION")
    assert court("CONFIRMATION_GRANTED", settled, 1, court_id="CT-110105").status_code == 403, "another court"
    body = json.dumps({"decision_id": "D-FORGED", "case_id": settled, "kind": "CONFIRMATION_GRANTED",
                       "court_case_no": "x"}).encode()
    forged = post("/v1/courts/decisions", court_headers("CT-350502", body, clock.now(), secret="guess"), data=body)
    assert forged.status_code == 401
    body = json.dumps({"decision_id": "D-CONFIRM-1", "case_id": settled, "kind": "CONFIRMATION_GRANTED",
                       "court_case_no": "(2026)闽0502民特1号"}).encode()
    signed = court_headers("CT-350502", body, clock.now())
    assert post("/v1/courts/decisions", signed, data=body).status_code == 202
    replay = post("/v1/courts/decisions", signed, data=body)
    assert replay.status_code == 401 and "replay" in replay.json()["error"]
    reaches(settled, "ConfirmationGranted", "PERFORMING")
    due = reaches(settled, "InstalmentDue", "PERFORMING", timeout=30)
    pay = {"payment_ref": "PSP-E2E-1", "case_id": settled, "amount_cents": 200_000}
    assert post("/v1/payments", A, json=pay).status_code == 403, "a lender's key is not a payment processor's"
    first, again = post("/v1/payments", PAYER, json=pay), post("/v1/payments", PAYER, json=pay)
    assert (first.status_code, again.status_code) == (202, 200), (first.text, again.text)
    paid = reaches(settled, "InstalmentPaid", "PERFORMING")
    assert paid["paid_cents"] == 200_000
    assert [t["detail"]["seq"] for t in due["timeline"] if t["type"] == "InstalmentDue"] == [1]
    assert post(f"/v1/lender/cases/{settled}/payments", B, json={"amount_cents": 1, "payment_ref": "X"}).status_code == 404
    assert post(f"/v1/lender/cases/{settled}/withdraw", B, json={}).status_code == 404

    # --- the litigated case: the court accepts the filing, then enters judgment ---------------------
    reaches(litigated, "LitigationFiled", "LITIGATION")
    assert court("FILING_ACCEPTED", litigated, 2).status_code == 202
    reaches(litigated, "FilingAccepted", "LITIGATION")
    r = court("JUDGMENT", litigated, 3, awarded_cents=AWARD, performance_due=(today() + timedelta(days=60)).isoformat())
    assert r.status_code == 202, r.text
    judged = reaches(litigated, "JudgmentEntered", "JUDGMENT")
    assert judged["next_deadline"]["kind"] == "PERFORMANCE_DUE"

    # --- case.events says the same thing the gateway showed --------------------------------------
    time.sleep(2)
    for cid in (settled, litigated, objected):
        wait_until(lambda: (log.poll() or True) and [t["type"] for t in case(cid)["timeline"]] == log.types(cid),
                   timeout=20)
    stages = {cid: [k for k, _ in groupby(t["stage_after"] for t in case(cid)["timeline"])]
              for cid in (settled, litigated, objected)}
    assert stages == {settled: ["OPENED", "PEOPLES_MEDIATION", "CONFIRMATION", "PERFORMING"],
                      litigated: ["OPENED", "COURT_MEDIATION", "LITIGATION", "JUDGMENT"],
                      objected: ["OPENED", "PEOPLES_MEDIATION", "ON_HOLD"]}, stages
    body = lambda cid, type_: next(e for e in log.by_case[cid] if e["type"] == type_)["event"]   # noqa: E731
    assert is_subsequence(["CaseOpened", "CaseTriaged", "MediatorAssigned", "SessionScheduled", "MediationSettled",
                           "ConfirmationRequested", "ConfirmationGranted", "InstalmentDue", "InstalmentPaid"],
                          log.types(settled)), log.types(settled)
    s_settled = body(settled, "MediationSettled")
    assert (s_settled["mediator_id"], s_settled["tier"], s_settled["plan"]["total_cents"]) == (s_med, "PEOPLES", 600_000)
    assert body(settled, "InstalmentPaid")["amount_cents"] == 200_000
    assert is_subsequence(["CaseOpened", "CaseTriaged", "SessionScheduled", "MediationFailed", "CaseEscalated",
                           "LitigationFiled", "FilingAccepted", "JudgmentEntered"], log.types(litigated)), log.types(litigated)
    assert body(litigated, "MediationFailed")["tier"] == "COURT"
    assert body(litigated, "JudgmentEntered")["awarded_cents"] == AWARD
    assert is_subsequence(["SessionScheduled", "ObjectionFiled", "CaseHeld"], log.types(objected)), log.types(objected)
    assert log.types(objected)[-1] == "CaseHeld", f"a held case moved: {log.types(objected)}"
    assert body(objected, "ObjectionFiled")["ground"] == "WRONG_AMOUNT"
    every = [e for events in log.by_case.values() for e in events]
    assert len({e["event_id"] for e in every}) == len(every), "duplicate event ids"
    assert all(e["causation_id"] for e in every)

    # the refused attempts wrote nothing: exactly what the accepted requests asked for is on the inputs
    outcomes = [o for _, o in read_topic(broker, "mediation.outcomes", codec, until=2, idle=2)]
    assert sorted((o["case_id"], o["outcome"], o["mediator_id"]) for o in outcomes) == \
        sorted([(settled, "SETTLED", s_med), (litigated, "FAILED", l_med)])
    decisions = [d for _, d in read_topic(broker, "court.decisions", codec, until=3, idle=2)]
    assert sorted((d["decision_id"], d["court"]) for d in decisions) == \
        [("D-CONFIRM-1", "CT-350502"), ("D-FILING_ACCEPTED-2", "CT-350502"), ("D-JUDGMENT-3", "CT-350502")]
    assert [p["payment_ref"] for _, p in read_topic(broker, "payments", codec, until=1, idle=2)] == ["PSP-E2E-1"]
    asks = [q for _, q in read_topic(broker, "debtor.requests", codec, until=1, idle=2)]
    assert [(q["case_id"], q["kind"], q["ground"]) for q in asks] == [(objected, "OBJECTION", "WRONG_AMOUNT")]
    letters = dead_letters(broker, codec, at_least=1.0, quiet=1.0)
    assert {t: rs for t, rs in letters.items() if rs} == {}, "no service dead-lettered anything the gateway sent"
    print(f"driven through the gateway in {time.monotonic() - started:.0f}s")
