"""Every notice kind, in Chinese and English, filled from the case: the figures a debtor reads."""
from __future__ import annotations

import pytest

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.render import money, render
from tests.notify_cases import Case, contact

CAT = Catalogue.load()


def notices_for(case: Case, events: list[dict]) -> dict[str, dict]:
    memory = plan.react(None, case.opened(), CAT).state
    found = {}
    for e in events:
        decision = plan.react(memory, e, CAT)
        memory = decision.state
        found.update({i["notice"]["kind"]: i["notice"] for i in plan.intents(decision) if i["op"] == "notice"})
    return found


CASE = Case("LENDER-A", "L-1", contact())
ALL = notices_for(CASE, CASE.every_notice_event())


def test_the_catalogue_covers_every_kind_the_issue_names():
    assert set(ALL) == set(CAT.kinds) == {
        "mediation_invitation", "demand_letter", "session_notice", "litigation_risk_notice", "settlement_notice",
        "confirmation_notice", "instalment_reminder", "missed_payment_warning", "filing_notice", "judgment_notice",
        "enforcement_notice", "pre_report_notice", "credit_repair_certificate", "record_correction_notice", "objection_ack",
        "objection_decision"}
    assert {k for k, v in CAT.kinds.items() if v.legal} == {
        "demand_letter", "litigation_risk_notice", "confirmation_notice", "credit_repair_certificate", "record_correction_notice"}
    assert {k for k, v in CAT.kinds.items() if v.proof} == {"pre_report_notice"}, "repair waits for its proof of delivery"


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", sorted(CAT.kinds))
def test_every_template_fills_from_the_case(kind, language):
    n = ALL[kind]
    text = render(CAT, kind, language, n["lender_id"], n["context"], debtor_name="张三", strict=True)
    for part in (text.title, text.body, text.sms):
        assert part and "{" not in part and "—" not in part and "None" not in part
    assert n["case_id"] in text.body
    assert "张三" in text.body
    if n["legal"]:
        assert n["document_no"] in text.body and n["document_no"].startswith(CAT.kinds[kind].doc_prefix + "-2026-")


@pytest.mark.parametrize("language,principal,total", [("zh", "12,345.67元", "12,901.45元"),
                                                      ("en", "CNY 12,345.67", "CNY 12,901.45")])
def test_amounts_are_formatted_from_fen(language, principal, total):
    for kind in ("mediation_invitation", "demand_letter", "litigation_risk_notice"):
        body = render(CAT, kind, language, "LENDER-A", ALL[kind]["context"], debtor_name="x", strict=True).body
        assert principal in body and total in body, kind
    assert money(5, "zh") == "0.05元" and money(123_456_789_01, "en") == "CNY 123,456,789.01" and money(-150, "zh") == "-1.50元"


def test_kind_specific_figures_zh():
    def body(kind):
        return render(CAT, kind, "zh", "LENDER-A", ALL[kind]["context"], debtor_name="张三", strict=True).body
    assert "2026年12月3日 15:00" in body("session_notice") and "视频" in body("session_notice")
    assert "https://meet.example/r/abc" in body("session_notice")
    assert "电子诉讼" in body("litigation_risk_notice") and "北京互联网法院" in body("litigation_risk_notice")
    assert "10,000.00元" in body("settlement_notice") and "分2期" in body("settlement_notice")
    assert "(2026)京0491民特123号" in body("confirmation_notice") and "10,000.00元" in body("confirmation_notice")
    assert "第1期" in body("instalment_reminder") and "5,000.00元" in body("instalment_reminder") and "2027年1月10日" in body("instalment_reminder")
    assert "尚欠10,000.00元" in body("missed_payment_warning")
    assert "12,901.45元" in body("filing_notice")
    assert "12,500.00元" in body("judgment_notice") and "2027年4月1日" in body("judgment_notice")
    assert "生效判决" in body("enforcement_notice")
    assert "2027年1月15日" in body("pre_report_notice") and "征信" in body("pre_report_notice")
    assert "2032年5月20日更正" in body("record_correction_notice") and "保存期限" in body("record_correction_notice")
    assert "2027年5月20日" in body("credit_repair_certificate") and "已移除" in body("credit_repair_certificate")
    assert "OBJ-1" in body("objection_ack") and "金额有误" in body("objection_ack") and "2026年12月18日" in body("objection_ack")
    assert "异议不成立" in body("objection_decision")


def test_kind_specific_figures_en():
    def body(kind):
        return render(CAT, kind, "en", "LENDER-A", ALL[kind]["context"], debtor_name="Zhang San", strict=True).body
    assert "03 Dec 2026 15:00 (UTC+8)".lstrip("0") in body("session_notice") and "by video" in body("session_notice")
    assert "electronic litigation platform" in body("litigation_risk_notice")
    assert "CNY 10,000.00" in body("confirmation_notice")
    assert "Instalment 1" in body("instalment_reminder") and "10 Jan 2027" in body("instalment_reminder")
    assert "dismissed" in body("objection_decision")


def test_lender_overrides_language_and_templates():
    en_case = Case("DEMO-EN", "L-9", contact())
    n = notices_for(en_case, [en_case.triaged()])["mediation_invitation"]
    assert n["language"] == "en"
    assert ALL["mediation_invitation"]["language"] == "zh"
    custom = Case("DEMO-CUSTOM", "L-9", contact())
    n = notices_for(custom, [custom.triaged()])["mediation_invitation"]
    text = render(CAT, n["kind"], "zh", "DEMO-CUSTOM", n["context"], debtor_name="张三", strict=True)
    assert text.sms.startswith("【DEMO-CUSTOM】张三您好") and "12,901.45元" in text.sms
    assert text.body == render(CAT, n["kind"], "zh", "LENDER-A", n["context"], debtor_name="张三").body.replace("LENDER-A", "DEMO-CUSTOM")
