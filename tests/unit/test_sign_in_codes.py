"""notify's side of the one-time sign-in codes (the phone it holds, never the gateway's), and the portal's page."""
from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from remedy.kernel.clock import FrozenClock
from remedy.kernel.pii import ContactSealer
from remedy.kernel.portal import sms_code
from remedy.kernel.settings import Settings
from services.gateway import sign_in_code_page
from services.notify.channels import Result
from services.notify.sign_in_codes import SignInCodes
from sim.defaults import utc

NOW = utc(2026, 11, 28, 4)
SEALER = ContactSealer(Settings().pii_key)


class Sms:
    def __init__(self):
        self.sent = []

    async def send(self, out):
        self.sent.append(out)
        return Result("SENT")


class Host:
    clock = FrozenClock(NOW)


def codes(cases: dict, sms) -> SignInCodes:
    found = object.__new__(SignInCodes)   # no metrics registry needed for send()
    found.host, found.secret, found.cases, found.sms, found.sealer = Host(), "portal-secret", cases, sms, SEALER
    return found


def request(**kw) -> dict:
    return {"request_id": "SC-1", "case_id": "C1", "language": "zh", "valid_minutes": 10, "requested_at": NOW, **kw}


def sealed(phone: str) -> str:
    return base64.b64encode(SEALER.seal({"name": "张三", "national_id": "x", "phone": phone, "email": ""})).decode()


def test_the_code_goes_to_the_phone_on_file_in_the_debtors_language():
    sms = Sms()
    assert asyncio.run(codes({"C1": {"sealed": sealed("138 0013 8000")}}, sms).send(request())) == "SENT"
    (out,) = sms.sent
    code = sms_code("portal-secret", "C1", "SC-1")
    assert (out.to, out.key) == ("+8613800138000", "SC-1") and code in out.text and "10分钟" in out.text
    assert "SC-1" in out.meta and "138" not in out.meta, "the receipt's metadata names the request, no number"
    asyncio.run(codes({"C1": {"sealed": sealed("13800138000")}}, sms).send(request(language="en")))
    assert "works once, within 10 minutes" in sms.sent[-1].text


def test_no_text_without_a_case_a_phone_or_time_left():
    sms = Sms()
    assert asyncio.run(codes({}, sms).send(request())) == "NO_CASE"
    assert asyncio.run(codes({"C1": {"sealed": sealed("12345")}}, sms).send(request())) == "NO_PHONE"
    late = request(requested_at=NOW - timedelta(minutes=11))
    assert asyncio.run(codes({"C1": {"sealed": sealed("13800138000")}}, sms).send(late)) == "EXPIRED"
    assert sms.sent == []


def test_the_page_offers_the_code_to_a_locked_client_escapes_what_it_echoes_and_carries_no_script():
    zh = sign_in_code_page.form("zh", "C1<x>", locked=True)
    assert "短信" in zh and "错误验证码次数过多" in zh and "C1&lt;x&gt;" in zh and "C1<x>" not in zh
    en = sign_in_code_page.sent("en", 10)
    assert "within 10 minutes" in en and 'href="/portal?lang=en"' in en
    assert "<script" not in zh + en and "style=" not in zh + en
