"""Layout built once per font and paragraphs given without an XML parse print exactly what reportlab's parser
would have made of the same text: every paragraph of every document kind, in both languages, and text with
markup characters, line breaks and runs of spaces."""
from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from services.notify import layout, paper
from services.notify.printer import default
from tests.documents_cases import inputs

AWKWARD = ["a & b < c > d \"q\" 'x'", "&amp;", "  lead  and   trail  ", "line1\nline2\n\n  line3", "tab\there",
           "nb\xa0sp", "{room 1}", "", " ", "\n", "＿＿＿　中文", "¥12,345.67", "人民币壹万贰仟叁佰肆拾伍元陆角柒分"]


def printed_paragraphs(monkeypatch) -> list[tuple[str, object]]:
    """(text, style) of every paragraph the documents of every kind and language print."""
    seen, made = [], layout._p

    def spy(text, style):
        seen.append((text, style))
        return made(text, style)
    monkeypatch.setattr(layout, "_p", spy)
    for kind in paper.kinds():
        for language in ("zh", "en"):
            default().pdf(inputs(kind, language))
    monkeypatch.undo()
    return seen


def fragments(p: Paragraph) -> list[dict]:
    return [dict(f.__dict__) for f in p.frags]


def test_every_paragraph_has_the_fragments_the_parser_makes(monkeypatch):
    styles = layout.styles(default().font.name)
    cases = printed_paragraphs(monkeypatch)
    cases += [(text, styles[name]) for text in AWKWARD for name in ("body", "indent", "title", "meta", "head", "cell", "small")]
    assert len(cases) > 500
    for text, style in cases:
        assert fragments(layout._p(text, style)) == fragments(Paragraph(escape(text), style)), repr(text)


def test_paragraphs_do_not_share_what_layout_may_change():
    style = layout.styles(default().font.name)["body"]
    one, two = layout._p("甲", style), layout._p("乙", style)
    assert one.frags[0] is not two.frags[0]
    assert one.frags[0].link is not two.frags[0].link and one.frags[0].us_lines is not two.frags[0].us_lines


@pytest.mark.parametrize("kind", ["demand_letter", "settlement_agreement"])
def test_a_document_prints_the_same_bytes_after_other_documents(kind):
    first = default().pdf(inputs(kind))
    for other in paper.kinds():
        default().pdf(inputs(other, "en", debtor_name="Zhang San"))
    assert default().pdf(inputs(kind)) == first


def test_the_qr_code_portal_and_seal_stay_together_on_one_page_whatever_the_length():
    """Bodies long enough to push the foot past the first page's end: it moves whole, never split."""
    pages_seen = set()
    for n in range(480, 600, 6):
        pages = [re.sub(r"\s+", "", p.extract_text()) for p in
                 PdfReader(io.BytesIO(default().pdf(inputs("demand_letter", loan_id="长" * n)))).pages]
        pages_seen.add(len(pages))
        holding = [i for i, text in enumerate(pages) if "盖章处" in text or "债务人门户" in text]
        assert len(holding) == 1 and "盖章处" in pages[holding[0]] and "债务人门户" in pages[holding[0]], (n, holding)
    assert pages_seen == {1, 2}
