"""Legal documents as PDF: they open, carry the case's figures in Chinese, and hash the same every time."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.documents import FONT, pdf, sha256, wrap
from services.notify.pdfwriter import WIDTHS
from services.notify.render import render
from tests.notify_cases import Case, contact

CAT = Catalogue.load()


def legal_notices() -> dict[str, dict]:
    case = Case("LENDER-A", "L-1", contact())
    memory = plan.react(None, case.opened(), CAT).state
    out = {}
    for e in case.every_notice_event():
        decision = plan.react(memory, e, CAT)
        memory = decision.state
        out.update({i["notice"]["kind"]: i["notice"] for i in plan.intents(decision) if i["notice"]["legal"]})
    return out


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_each_legal_document_opens_and_contains_the_case_figures():
    notices = legal_notices()
    assert set(notices) == {"demand_letter", "litigation_risk_notice", "confirmation_notice", "credit_repair_certificate",
                            "record_correction_notice"}
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


def test_a4_pages_title_then_number_then_body_then_issuer():
    n = legal_notices()["demand_letter"]
    t = render(CAT, n["kind"], "zh", n["lender_id"], n["context"], debtor_name="张三", strict=True)
    data = pdf(t.title, t.body, n["document_no"], issuer="LENDER-A · Remedy")
    reader = PdfReader(io.BytesIO(data), strict=True)
    long = PdfReader(io.BytesIO(pdf("长文", "债务人应当按期还款。" * 600, "X-1", "i")), strict=True)
    for page in [*reader.pages, *long.pages]:
        assert [float(v) for v in page.mediabox] == pytest.approx([0, 0, 595.2756, 841.8898], abs=1e-3)   # A4
    lines = [line.strip() for line in text_of(data).splitlines() if line.strip()]
    assert lines[0] == t.title and lines[1] == f"文书编号 No.: {n['document_no']}"
    assert lines[2] == t.body.splitlines()[0] and lines[-1] == "LENDER-A · Remedy"
    assert reader.metadata.title == f"{t.title} {n['document_no']}"


def test_xref_points_at_each_object_and_characters_outside_the_bmp_print_as_question_marks():
    data = pdf("标题😀", "正文 😀 body", "N-1", "i")
    start = int(data.rsplit(b"startxref\n", 1)[1].split()[0])
    assert data[start:].startswith(b"xref\n") and data.endswith(b"%%EOF\n")
    rows = data[start:].split(b"trailer")[0].split(b"\n")[2:-1]
    assert rows[0] == b"0000000000 65535 f "
    for number, row in enumerate(rows[1:], 1):
        assert len(row) == 19 and data[int(row[:10]):].startswith(b"%d 0 obj\n" % number), number
    text = text_of(data)
    assert "标题?" in text and "正文 ? body" in text


def test_wrap_breaks_where_measuring_with_reportlab_breaks():
    pdfmetrics = pytest.importorskip("reportlab.pdfbase.pdfmetrics")
    from reportlab.pdfbase._cidfontdata import widthsByUnichar
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    from bench.bench_pdf import reportlab_wrap as reference   # the wrap documents.py had, token by token

    assert WIDTHS == widthsByUnichar[FONT]
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))

    texts = [render(CAT, kind, lang, n["lender_id"], n["context"], debtor_name=name, strict=True).body
             for kind, n in legal_notices().items() for lang, name in (("zh", "张三"), ("en", "Zhang San"))]
    texts += ["债务人应当按期还款。" * 60, "  lead and   inner  spaces\t\ttabs \u3000全角\xa0nbsp ",
              "Supercalifragilisticexpialidocious-1234567890-overlong-token then short", "", "\n\n元12元 ¥5 a元"]
    for text in texts:
        for size, width in ((11, 467.2755905511812), (18, 200), (9.5, 33.3), (10, 50)):   # (10, 50): exact ties
            assert wrap(text, width, size) == reference(text, width, size), (text, size, width)
