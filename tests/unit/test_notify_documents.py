"""Legal documents as PDF: they open, carry the case's figures in Chinese, and hash the same every time."""
from __future__ import annotations

import io

from pypdf import PdfReader

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.documents import pdf, sha256
from services.notify.render import render
from tests.notify_cases import Case, contact

CAT = Catalogue.load()


def legal_notices() -> dict[str, dict]:
    case = Case("LENDER-A", "L-1", contact())
    memory, _ = plan.react(None, case.opened(), CAT)
    out = {}
    for e in case.every_notice_event():
        memory, intents = plan.react(memory, e, CAT)
        out.update({i["notice"]["kind"]: i["notice"] for i in intents if i["notice"]["legal"]})
    return out


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_each_legal_document_opens_and_contains_the_case_figures():
    notices = legal_notices()
    assert set(notices) == {"demand_letter", "litigation_risk_notice", "confirmation_notice", "credit_repair_certificate"}
    for kind, n in notices.items():
        t = render(CAT, kind, "zh", n["lender_id"], n["context"], debtor_name="张三", strict=True)
        data = pdf(t.title, t.body, n["document_no"], issuer="LENDER-A · Remedy")
        assert data.startswith(b"%PDF-")
        text = text_of(data).replace("\n", "")
        assert t.title in text and n["document_no"] in text and n["case_id"] in text and "张三" in text, kind
        if kind in ("demand_letter", "litigation_risk_notice"):
            assert "12,345.67元" in text and "12,901.45元" in text, kind
        if kind == "confirmation_notice":
            assert "10,000.00元" in text
        if kind == "credit_repair_certificate":
            assert "2027年5月20日" in text
    assert "电子诉讼风险告知书" in text_of(pdf("电子诉讼风险告知书", "x", "FX-1", "i"))


def test_same_notice_same_bytes_same_hash_and_long_text_wraps_onto_pages():
    n = legal_notices()["litigation_risk_notice"]
    t = render(CAT, n["kind"], "en", n["lender_id"], n["context"], debtor_name="Zhang San", strict=True)
    one, two = (pdf(t.title, t.body, n["document_no"], "i") for _ in range(2))
    assert sha256(one) == sha256(two) and len(sha256(one)) == 64
    assert "electronic litigation platform" in text_of(one).replace("\n", " ")
    long = pdf("长文", "债务人应当按期还款。" * 600, "X-1", "i")
    assert len(PdfReader(io.BytesIO(long)).pages) > 1
