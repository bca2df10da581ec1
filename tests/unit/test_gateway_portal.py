"""The portal's pages in both languages, and notices printing the portal's verification code."""
from __future__ import annotations

import asyncio
import json
import re

from remedy.kernel.portal import CODE_CHANNELS, notice_code
from services.gateway import portal_page
from services.notify.catalogue import Catalogue
from services.notify.dispatch import dispatch
from services.notify.render import render

VIEW = {"case_id": "C1<x>", "stage": "PEOPLES_MEDIATION", "principal_cents": 1_000_000, "interest_cents": 5, "penalty_cents": 0,
        "total_due_cents": 1_000_005, "paid_cents": 0, "next_deadline": {"kind": "SESSION", "at_ms": 1_796_000_000_000},
        "offer": None}


def test_case_page_in_chinese_and_english_escapes_what_it_echoes():
    zh = portal_page.case(VIEW, "zh")
    assert "人民调解" in zh and "¥10,000.05" in zh and "C1&lt;x&gt;" in zh and "C1<x>" not in zh and "下一期限" in zh
    en = portal_page.case(VIEW, "en")
    assert "people's mediation" in en and "¥10,000.05" in en and 'name="kind" value="OBJECTION"' in en
    assert "Accept" not in en and "Accept the settlement offer" in portal_page.case(
        {**VIEW, "offer": {"plan": {"kind": "LUMP_SUM", "total_cents": 5}}}, "en")
    assert 'name="code"' not in zh + en and 'name="case_id"' not in zh + en, "no secret rides in the page's forms"
    assert "<script" not in zh and "style=" not in zh


def test_every_word_on_the_case_page_is_in_the_debtors_language():
    view = {**VIEW, "offer": {"plan": {"kind": "INSTALMENTS", "total_cents": 500_000}, "expires_at_ms": 1_796_000_000_000},
            "complaints": [{"category": "PRIVACY", "department": "CONSUMER_ASSOCIATION", "due_at_ms": 1_796_000_000_000,
                            "status": "ROUTED"}]}
    zh, en = portal_page.case(view, "zh"), portal_page.case(view, "en")
    for words in ("调解会议", "2026年11月30日", "分期还款：¥5,000.00", "金额有误", "已经还清", "失业", "短信", "电子邮件", "困难情形",
                  "个人信息", "消费者协会"):
        assert words in zh, words
    for words in ("mediation session", "30 Nov 2026", "instalments: ¥5,000.00", "the amount is wrong", "unemployed",
                  "e-mail", "Your circumstances", "personal data", "consumer association"):
        assert words in en, words
    shown = re.sub(r"<[^>]+>", " ", en.replace('<a href="/portal?lang=zh">中文</a>', ""))
    assert not re.search(r"[\u3400-\u9fff\uff00-\uffef]", shown), "no Chinese left on the English page"
    for code in ("WRONG_AMOUNT", "is_student", "LETTER", "SESSION", "INSTALMENTS"):
        assert f">{code}<" not in zh + en, f"{code} shown as a code"


def test_a_refused_form_is_said_in_the_debtors_language():
    zh = portal_page.bad_request("zh", "detail", "is required when ground is OTHER")
    assert "请求有误：说明在异议理由为“其他”时必须填写" in zh and "OTHER" not in zh
    assert "Circumstances needs at least one choice" in portal_page.bad_request("en", "hardship_kinds", "must be a non-empty list")
    assert "不能超过 2000 个字符" in portal_page.bad_request("zh", "detail", "must be at most 2000 characters")
    assert "请检查后重试" in portal_page.bad_request("zh", "nested.field", "something new"), "an unknown problem, in Chinese"
    assert "没有可以接受的调解方案" in portal_page.refused("zh", "there is no open settlement offer to accept")
    assert "objection is examined" in portal_page.refused("en", "the case is on hold while an objection is examined: ...")
    assert "案件已结案" in portal_page.refused("zh", "the case is closed")


def test_the_gateways_refusals_are_the_ones_the_portal_translates():
    """The portal matches the request routes' words: if they change, the debtor would see a generic message."""
    import inspect

    from services.gateway import validation
    from services.gateway.routes import debtor
    source = inspect.getsource(debtor.submit)
    for prefix, _key in portal_page.REFUSALS:
        assert prefix in source, prefix
    checks = inspect.getsource(validation.debtor_request) + inspect.getsource(validation)
    for pattern in ("is required when ground is OTHER", "must be a non-empty list", "must be one of", "must be at most"):
        assert pattern in checks


def test_notices_print_the_portal_code():
    cat = Catalogue.load()
    ctx = {"case_id": "C1", "loan_id": "L", "principal_cents": 1, "interest_cents": 1, "penalty_cents": 1, "total_due_cents": 3,
           "route": "PEOPLES_MEDIATION", "mediation_centre": "MC"}
    code = notice_code("s", "C1", "N-1")
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
                                     is_debtor=lambda c: True,
                                     verification_code=lambda cid: notice_code("s", cid, notice["notice_id"])))
    code = notice_code("s", notice["case_id"], notice["notice_id"])
    assert status == "SENT" and (f"验证码{code}" in sent[0] or f"verification code {code}" in sent[0])


def test_the_portal_shows_a_withheld_report_and_then_the_corrected_record():
    """The debtor sees on the portal what became of their credit record: a report withheld because the notice
    never reached them, and, on its day, the record corrected (5 years after the behaviour ended)."""
    from datetime import date, datetime, timezone

    from remedy.kernel.events import case_event
    from services.gateway.model import Case, apply_event

    case, at = Case("C1", "L1", stage="ENFORCEMENT"), datetime(2026, 3, 6, 2, tzinfo=timezone.utc)

    def apply(type_, body):
        apply_event(case, case_event("repair", type_, body, case_id="C1", lender_id="L1", causation_id=type_, now=at))
        return portal_page.case({**VIEW, "credit": case.credit}, "zh")

    assert "2026年3月13日后报送" in apply("NegativeReportPlanned", {"report_after": date(2026, 3, 13)})
    page = apply("NegativeReportWithheld", {"reason": "NOTICE_SUPPRESSED", "notice_ref": "E1", "report_after": date(2026, 3, 13)})
    assert "暂缓报送" in page and "NEGATIVE_REPORT_AFTER" not in case.deadlines
    page = apply("NegativeRecordCorrected", {"reason": "RECORD_EXPIRED", "corrected_on": date(2031, 3, 24),
                                             "behaviour_end_date": date(2026, 3, 24), "report_ref": None})
    assert "不良记录已于2031年3月24日更正" in page and "保存期限（5年）届满" in page
    assert "corrected on 24 Mar 2031" in portal_page.case({**VIEW, "credit": case.credit}, "en")


def test_the_code_rides_in_the_channels_the_portal_counts_and_only_there():
    """remedy/kernel/portal.py's CODE_CHANNELS: a notice's code is printed in the email and letter text ("body"),
    never in the SMS; so only a notice sent by email or letter replaces the debtor's code."""
    kinds = json.loads(_templates().read_text())["kinds"]
    for kind, langs in kinds.items():
        for lang, text in langs.items():
            assert "{verification_code}" in text["body"], (kind, lang)
            assert "{verification_code}" not in text.get("sms", ""), (kind, lang)
    assert set(CODE_CHANNELS) == {"EMAIL", "LETTER"}


def _templates():
    from pathlib import Path

    import services.notify
    return Path(services.notify.__file__).parent / "templates.json"


def test_the_chinese_page_shows_no_code_or_english_word():
    view = {**VIEW, "case_id": "C1", "offer": {"plan": {"kind": "INSTALMENTS", "total_cents": 500_000}},
            "plan": {"plan": {"kind": "LUMP_SUM", "total_cents": 5}},
            "credit": {"status": "CORRECTED", "on": 1_796_000_000_000, "reason": "PBOC_ONE_OFF"},
            "complaints": [{"category": "PRIVACY", "department": "CONSUMER_ASSOCIATION", "due_at_ms": 1_796_000_000_000,
                            "status": "ANSWERED", "answer": {"outcome": "UPHELD", "text": "已处理"}}]}
    shown = re.sub(r"<[^>]+>", " ", portal_page.case(view, "zh"))
    assert set(re.findall(r"[A-Za-z][A-Za-z_']+", shown)) == {"English"}, "only the switch to English"
    assert "一次性还款：¥0.05" in shown and "投诉成立：已处理" in shown and "适用一次性信用修复政策" in shown


def test_the_sign_in_page_offers_a_code_by_text_in_the_debtors_language():
    zh, en = portal_page.login("zh"), portal_page.login("en")
    assert 'href="/portal/sign-in-code?lang=zh"' in zh and "发送短信验证码" in zh
    assert 'href="/portal/sign-in-code?lang=en"' in en and "Get a code by text" in en
