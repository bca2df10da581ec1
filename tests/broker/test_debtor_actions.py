"""The debtor's actions on a real Tansu, through the gateway's HTTP API with mediation and objections running: the
mediator offers a plan, the debtor accepts it and the case settles on it; the debtor complains, the complaint
reaches its department, and the department's answer reaches the debtor's view (docs/rules.md M12, M13, C1 – C4).
One stack, one case, on a frozen clock."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from remedy.kernel.clock import china_date
from remedy.kernel.portal import notice_code
from remedy.runtime.publish import Publisher
from sim.defaults import utc
from tests.broker.funnel_helpers import opened, other_event
from tests.conftest import read_topic
from tests.gateway_helpers import (DEPARTMENT_KEYS, LENDER_KEYS, MEDIATOR_KEYS, PORTAL_SECRET, bearer, keys_text, notice_sent,
                                   wait_until)

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("debtor-actions")]
NOW = utc(2026, 12, 1, 1)   # Tuesday 09:00 in China
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
TEXT, ANSWER = "催收员给我父母打电话", "已约谈贷款机构，责令停止联系第三人"
REGULATOR, ASSOCIATION = (bearer(DEPARTMENT_KEYS[d]) for d in ("DEPT-CBIRC-350500", "DEPT-CA-350500"))


def start(services, tmp_path) -> str:
    keys, roster = tmp_path / "keys.json", tmp_path / "roster.json"
    keys.write_text(keys_text())
    roster.write_text(json.dumps({"mediators": [{"mediator_id": "PM-3505-01", "tier": "PEOPLES", "regions": ["3505"],
                                                 "modes": ["PHONE"], "daily_capacity": 5}]}))
    services("mediation", REMEDY_MEDIATION_ROSTER_PATH=str(roster), **CLOCK)
    services("objections", **CLOCK)
    gw = services("gateway", REMEDY_GATEWAY_KEYS=str(keys), REMEDY_PORTAL_SECRET=PORTAL_SECRET, **CLOCK)
    return f"http://127.0.0.1:{gw.port}"


def test_an_accepted_offer_settles_and_a_complaint_is_answered_to_the_debtor(broker, services, codec, tmp_path):
    url = start(services, tmp_path)
    case = opened("LENDER-A", "L-offer", "D-offer", NOW)
    cid = case["case_id"]
    pub = Publisher(broker, codec)
    pub.send("case.events", cid, "CaseEvent", case)
    pub.send("case.events", cid, "CaseEvent", other_event(
        "triage", "CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": ["DEFAULT_ROUTE"],
                                  "score": 600, "mediation_centre": "MC-350502", "court": "CT-350502", "cross_region": False},
        cid, "LENDER-A", NOW, case["event_id"]))
    pub.send("notice.log", cid, "NoticeLogEntry", notice_sent(cid, "LENDER-A", "N-offer", NOW))   # its code signs in
    pub.flush()
    pub.close()
    debtor = {"X-Case-Id": cid, "X-Verification-Code": notice_code(PORTAL_SECRET, cid, "N-offer")}
    mediator = bearer(MEDIATOR_KEYS["PM-3505-01"])
    view = lambda: requests.get(f"{url}/v1/debtor/case", headers=debtor).json()   # noqa: E731
    ask = lambda body: requests.post(f"{url}/v1/debtor/requests", json=body, headers=debtor)   # noqa: E731

    # --- the offer ---------------------------------------------------------------------------------------------
    wait_until(lambda: requests.get(f"{url}/v1/mediator/cases", headers=mediator).json()["total"] == 1, timeout=60)
    assert ask({"kind": "ACCEPT_OFFER"}).status_code == 409, "nothing offered yet"
    first = (china_date(NOW) + timedelta(days=20)).isoformat()
    plan = {"kind": "LUMP_SUM", "total_cents": 700_000, "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": [{"seq": 1, "due_date": first, "amount_cents": 700_000}]}
    r = requests.post(f"{url}/v1/mediator/cases/{cid}/outcomes", json={"outcome": "OFFERED", "plan": plan}, headers=mediator)
    assert r.status_code == 202, r.text
    offer = wait_until(lambda: view()["offer"])
    assert offer["plan"]["total_cents"] == 700_000 and offer["expires_at_ms"] > NOW.timestamp() * 1000
    assert ask({"kind": "ACCEPT_OFFER"}).status_code == 202
    settled = wait_until(lambda: (v := view())["stage"] == "CONFIRMATION" and v)
    assert settled["offer"] is None and settled["plan"]["plan"]["total_cents"] == 700_000
    assert ask({"kind": "ACCEPT_OFFER"}).status_code == 409, "a second acceptance: nothing left to accept"

    # --- the complaint -----------------------------------------------------------------------------------------
    r = ask({"kind": "COMPLAINT", "category": "COLLECTION_CONDUCT", "detail": TEXT})
    assert r.status_code == 202, r.text
    complaint_id = r.json()["request_id"]
    listed = wait_until(lambda: requests.get(f"{url}/v1/departments/complaints", headers=REGULATOR).json()["complaints"])
    assert [(c["complaint_id"], c["text"], c["status"], c["case_id"]) for c in listed] == [(complaint_id, TEXT, "ROUTED", cid)]
    assert requests.get(f"{url}/v1/departments/complaints", headers=ASSOCIATION).json()["total"] == 0
    assert requests.get(f"{url}/v1/departments/complaints", headers=bearer(LENDER_KEYS["LENDER-A"])).status_code == 403
    answer = {"text": ANSWER, "outcome": "UPHELD"}
    assert requests.post(f"{url}/v1/departments/complaints/{complaint_id}/answer", json=answer,
                         headers=ASSOCIATION).status_code == 404, "another department's complaint"
    assert requests.post(f"{url}/v1/departments/complaints/{complaint_id}/answer", json=answer,
                         headers=REGULATOR).status_code == 202
    (shown,) = wait_until(lambda: [c for c in view()["complaints"] if c["status"] == "ANSWERED"])
    assert (shown["department"], shown["text"], shown["answer"]["text"]) == ("FINANCIAL_REGULATOR", TEXT, ANSWER)
    assert requests.post(f"{url}/v1/departments/complaints/{complaint_id}/answer", json=answer,
                         headers=REGULATOR).status_code == 409, "answered once"
    page = requests.post(f"{url}/portal/case", data={"case_id": cid, "code": debtor["X-Verification-Code"]}).text
    assert ANSWER in page and "国家金融监督管理总局派出机构" in page

    events = [e for _, e in read_topic(broker, "case.events", codec, idle=1) if e["case_id"] == cid]
    kinds = [e["type"] for e in events]
    assert kinds.count("MediationSettled") == 1 and "ConfirmationRequested" in kinds
    assert next(e for e in events if e["type"] == "MediationSettled")["event"]["accepted_by_debtor"]
    assert {"ComplaintRouted", "ComplaintAnswered"} <= set(kinds)
    assert TEXT not in str(events) and ANSWER not in str(events), "no text on the case log"
    assert read_topic(broker, "mediation.dlq", codec, idle=1) == [] and read_topic(broker, "objections.dlq", codec, idle=1) == []
