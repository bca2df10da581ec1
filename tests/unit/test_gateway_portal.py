"""The portal's pages in both languages, and notices printing the portal's verification code."""
from __future__ import annotations

import asyncio

from remedy.kernel.portal import verification_code
from services.gateway import portal_page
from services.notify.catalogue import Catalogue
from services.notify.dispatch import dispatch
from services.notify.render import render

VIEW = {"case_id": "C1<x>", "stage": "PEOPLES_MEDIATION", "principal_cents": 1_000_000, "interest_cents": 5, "penalty_cents": 0,
        "total_due_cents": 1_000_005, "paid_cents": 0, "next_deadline": {"kind": "SESSION", "at_ms": 1_796_000_000_000},
        "offer": None}


def test_case_page_in_chinese_and_english_escapes_what_it_echoes():
    zh = portal_page.case(VIEW, "123", "zh")
    assert "人民调解" in zh and "10,000.05元" in zh and "C1&lt;x&gt;" in zh and "C1<x>" not in zh and "下一期限" in zh
    en = portal_page.case(VIEW, "123", "en")
    assert "people's mediation" in en and "CNY 10,000.05" in en and 'name="kind" value="OBJECTION"' in en
    assert "Accept" not in en and "Accept the settlement offer" in portal_page.case(
        {**VIEW, "offer": {"plan": {"kind": "LUMP_SUM", "total_cents": 5}}}, "1", "en")


def test_notices_print_the_portal_code():
    cat = Catalogue.load()
    ctx = {"case_id": "C1", "loan_id": "L", "principal_cents": 1, "interest_cents": 1, "penalty_cents": 1, "total_due_cents": 3,
           "route": "PEOPLES_MEDIATION", "mediation_centre": "MC"}
    code = verification_code("s", "C1")
    zh = render(cat, "mediation_invitation", "zh", "LENDER-A", ctx, debtor_name="张三", verification_code=code)
    en = render(cat, "mediation_invitation", "en", "LENDER-A", ctx, debtor_name="Zhang", verification_code=code)
    assert f"验证码{code}" in zh.body and f"verification code {code}" in en.body


def test_dispatch_asks_for_the_code_of_the_notices_case():
    sent = []

    class Letter:
        name = "LETTER"

        async def send(self, out):
            from services.notify.channels import Result
            sent.append(out.text)
            return Result("SENT", "")

    from services.notify import plan
    from tests.notify_cases import Case, contact
    case, cat = Case("LENDER-A", "L-1", contact()), Catalogue.load()
    memory = plan.react(None, case.opened(), cat).state
    intents = plan.intents(plan.react(memory, case.triaged(), cat))
    notice = next(i["notice"] for i in intents if i["op"] == "notice")
    notice = {**notice, "channels": ["LETTER"]}
    status, _ = asyncio.run(dispatch(notice, {"name": "Z"}, {"LETTER": Letter()}, cat, None,
                                     is_debtor=lambda c: True, verification_code=lambda cid: verification_code("s", cid)))
    code = verification_code("s", notice["case_id"])
    assert status == "SENT" and (f"验证码{code}" in sent[0] or f"verification code {code}" in sent[0])
