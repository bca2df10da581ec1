"""A lockout cannot keep a debtor out, on a real Tansu with notify, the gateway and the SMS provider double: an
attacker's wrong codes lock the client out (even the debtor's right notice code is refused from it), the debtor asks
for a one-time code, notify texts it to the phone on file (the gateway never sees the number, the topic carries
neither number nor code), and that code opens the portal, once. The lender finds the case by its loan id."""
from __future__ import annotations

import re

import pytest
import requests

from remedy.kernel.portal import notice_code
from remedy.kernel.settings import Settings
from remedy.runtime.publish import Publisher
from tests.conftest import read_topic, wait_for_metric
from tests.gateway_helpers import LENDER_KEYS, bearer, keys_text, notice_sent, wait_until
from tests.notify_cases import Case, china, contact

pytestmark = pytest.mark.broker
NOW = china(2026, 11, 28, 10)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
PHONE = "+8613800138000"


def test_a_locked_out_debtor_gets_in_with_a_code_sent_by_sms(broker, services, codec, sms, tmp_path):
    notify = services("notify", REMEDY_SMS_URL=sms.url, **CLOCK)
    keys = tmp_path / "keys.json"
    keys.write_text(keys_text())
    gateway = services("gateway", REMEDY_GATEWAY_KEYS=str(keys), **CLOCK)
    url = f"http://127.0.0.1:{gateway.port}"
    case = Case("LENDER-A", "L-sms-1", contact())
    pub = Publisher(broker, codec)
    pub.send("case.events", case.case_id, "CaseEvent", case.opened())
    pub.send("notice.log", case.case_id, "NoticeLogEntry", notice_sent(case.case_id, "LENDER-A", "N-sms-1", NOW))
    pub.flush()
    pub.close()
    wait_for_metric(notify, "remedy_notify_consumed_total", 1, labels={"topic": "case.events"})
    wait_until(lambda: requests.get(f"{url}/readyz").json()["cases"] == 1, timeout=60)

    found = requests.get(f"{url}/v1/lender/cases", params={"loan_id": "L-sms-1"}, headers=bearer(LENDER_KEYS["LENDER-A"]))
    assert [c["case_id"] for c in found.json()["cases"]] == [case.case_id], "the lender finds its case by loan id"
    other = requests.get(f"{url}/v1/lender/cases", params={"loan_id": "L-sms-1"}, headers=bearer(LENDER_KEYS["LENDER-B"]))
    assert other.json() == {"total": 0, "offset": 0, "cases": []}, "and no other lender does"

    right = notice_code(Settings().portal_secret, case.case_id, "N-sms-1")
    wrong = f"{(int(right) + 1) % 10 ** 8:08d}"
    for _ in range(5):   # the attacker, from the debtor's address (a shared NAT, a proxy)
        requests.post(f"{url}/portal/case", data={"case_id": case.case_id, "code": wrong}, allow_redirects=False)
    locked = requests.post(f"{url}/portal/case", data={"case_id": case.case_id, "code": right}, allow_redirects=False)
    assert locked.status_code == 429, "the debtor's own notice code is refused from the locked client"
    assert 'action="/portal/sign-in-code"' in locked.text and "短信" in locked.text, "the page offers a code by SMS"

    asked = requests.post(f"{url}/portal/sign-in-code", data={"case_id": case.case_id, "lang": "zh"})
    assert asked.status_code == 202 and "10分钟" in asked.text
    texts = wait_until(lambda: [m for m in sms.delivered if m["to"] == PHONE], timeout=60)
    (code,) = re.findall(r"\d{8}", texts[0]["text"])
    assert code not in (right, wrong)

    session = requests.Session()
    signed_in = session.post(f"{url}/portal/case", data={"case_id": case.case_id, "code": code}, allow_redirects=False)
    assert signed_in.status_code == 303 and "remedy_portal" in signed_in.cookies, signed_in.text
    page = session.get(f"{url}/portal/case")
    assert page.status_code == 200 and case.case_id in page.text, "the code opens the portal despite the lockout"
    again = requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": case.case_id, "X-Verification-Code": code})
    assert again.status_code == 429, "the code is used: single use, and the client is still locked"

    requests_on_topic = read_topic(broker, "portal.codes", None, until=1, timeout=20, idle=0.5)
    raw = b"".join(value for _, value in requests_on_topic)
    assert len(requests_on_topic) == 1 and b"13800138000" not in raw and code.encode() not in raw
    assert wait_for_metric(notify, "remedy_notify_sign_in_codes_total", 1) == 1

    ask = f"{url}/v1/debtor/sign-in-codes"
    assert requests.post(ask, json={"case": case.case_id}).status_code == 400
    unknown = requests.post(ask, json={"case_id": "C" + "0" * 24})
    assert unknown.status_code == 202, "the same answer for a case that does not exist"
    for _ in range(2):
        assert requests.post(ask, json={"case_id": case.case_id, "language": "en"}).status_code == 202
    refused = requests.post(ask, json={"case_id": case.case_id})
    assert refused.status_code == 429 and "this case" in refused.json()["error"], "at most 3 texts a case an hour"
    wait_until(lambda: len([m for m in sms.delivered if m["to"] == PHONE]) == 3, timeout=60)
    assert "works once, within 10 minutes" in [m for m in sms.delivered if m["to"] == PHONE][-1]["text"]
