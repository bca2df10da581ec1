"""A ``Paper`` laid out as an A4 PDF with reportlab's platypus, in the embedded (subset) CJK font. Pure:
bytes in memory. ``invariant`` output: no creation date, a fixed document id, so the same paper always
gives the same bytes and the same sha256 (a re-send carries the same proof of service).

Top to bottom: title; document number, date of issue and case; the parties (name, address); the body; the
table of amounts in figures and in Chinese capitals; the legal basis; signature lines where the kind has
them; then the debtor portal's QR code with its text beside the seal area (盖章处, the issuer, the date).
"""
from __future__ import annotations

import io
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaFrag
from xml.sax.saxutils import escape

from services.notify.fonts import Font
from services.notify.paper import Paper
from services.notify.qr import SIZE as QR_SIZE, QrCode

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN                     # 481.9 points
PARTY_COLUMNS = (70, 180, WIDTH - 250)         # role, name, address
AMOUNT_COLUMNS = (90, 120, WIDTH - 210)        # item, figures, capitals
SEAL_WIDTH = 190
GRID = colors.HexColor("#555555")
HEADER = colors.HexColor("#EEEEEE")
SEAL = colors.HexColor("#B22222")
_MARKUP = frozenset("&<>")   # characters reportlab's paragraph parser splits text at


@lru_cache(maxsize=8)
def styles(font: str) -> dict:
    """The paragraph and table styles of documents in ``font``: built once (neither is changed by a document)."""
    base = ParagraphStyle("body", fontName=font, bulletFontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    grid = [("GRID", (0, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("FONTNAME", (0, 0), (-1, -1), font)]
    return {"body": base, "indent": ParagraphStyle("indent", base, firstLineIndent=21),
            "title": ParagraphStyle("title", base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6),
            "meta": ParagraphStyle("meta", base, fontSize=9.5, leading=14, alignment=TA_RIGHT),
            "head": ParagraphStyle("head", base, fontSize=11, leading=18, spaceBefore=6),
            "cell": ParagraphStyle("cell", base, fontSize=9.5, leading=13),
            "small": ParagraphStyle("small", base, fontSize=8.5, leading=12),
            "grid": TableStyle(grid), "grid_header": TableStyle(grid + [("BACKGROUND", (0, 0), (-1, 0), HEADER)]),
            "seal": TableStyle([("BOX", (0, 0), (-1, -1), 0.8, SEAL), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                ("FONTNAME", (0, 0), (-1, -1), font)]),
            "foot": TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), font)])}


@lru_cache(maxsize=32)
def _plain(style: ParagraphStyle) -> ParaFrag:
    return Paragraph("x", style).frags[0]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph, given as the one fragment reportlab's parser would make of it (the style's, the
    text cleaned of line breaks and runs of spaces) without an XML parse per paragraph: a tenth of a document's CPU.
    Empty text, and text with ``&``, ``<`` or ``>`` (which the parser cuts into several fragments), is parsed."""
    clean = cleanBlockQuotedText(text)
    if not clean or _MARKUP.intersection(clean):
        return Paragraph(escape(text), style)
    return Paragraph(clean, style, frags=[_plain(style).clone(text=clean, link=[], us_lines=[])])


def _grid(rows: list, widths, style: TableStyle) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(style)
    return table


def _head(paper: Paper, s: dict) -> list:
    w = paper.labels
    colon, gap = ("：", "　") if paper.language == "zh" else (": ", "   ")
    meta = gap.join(f"{w[k]}{colon}{v}" for k, v in (("number", paper.document_no), ("issued_on", paper.issued_on),
                                                      ("case", paper.case_id)))
    parties = [[_p(role, s["cell"]), _p(name, s["cell"]), _p(address, s["cell"]) if address else ""]
               for role, name, address in paper.parties]
    return [_p(paper.title, s["title"]), _p(meta, s["meta"]), Spacer(1, 6), _p(w["parties"], s["head"]),
            _grid(parties, PARTY_COLUMNS, s["grid"]), Spacer(1, 8)]


def _middle(paper: Paper, s: dict) -> list:
    w = paper.labels
    out = [_p(text, s["indent"] if i else s["body"]) for i, text in enumerate(paper.body)]
    if paper.amounts:
        rows = [[_p(w["item"], s["cell"]), _p(w["figures"], s["cell"]), _p(w["capitals"], s["cell"])]]
        rows += [[_p(a, s["cell"]), _p(b, s["cell"]), _p(c, s["cell"])] for a, b, c in paper.amounts]
        out += [_p(w["amounts"], s["head"]), _grid(rows, AMOUNT_COLUMNS, s["grid_header"])]
    if paper.basis:
        out += [_p(w["basis"], s["head"])] + [_p(b, s["body"]) for b in paper.basis]
    if paper.signatures:
        lines = [w["sign_lender"], w["sign_debtor"], w["sign_mediator"]]
        out += [Spacer(1, 10)] + [_p(f"{line}＿＿＿＿＿＿＿＿　{w['date_blank']}＿＿＿＿＿＿", s["body"]) for line in lines]
    return out


def _foot(paper: Paper, s: dict) -> list:
    w = paper.labels
    seal = Table([[_p(w["seal"], s["cell"])], [""], [_p(f"{paper.issuer}{w['seal_note']}", s["cell"])],
                  [_p(paper.issued_on, s["cell"])]], colWidths=[SEAL_WIDTH], rowHeights=[16, 40, None, None])
    seal.setStyle(s["seal"])
    portal = [_p(w["portal"], s["head"]), _p(paper.portal_text, s["small"])]
    row = Table([[QrCode(paper.qr_payload), portal, seal]], colWidths=[QR_SIZE + 8, WIDTH - QR_SIZE - SEAL_WIDTH - 18, SEAL_WIDTH + 10])
    row.setStyle(s["foot"])
    return [Spacer(1, 14), row]   # one row: never split, moved whole to the next page when it does not fit


def pdf(paper: Paper, font: Font) -> bytes:
    """The paper as PDF bytes; the same paper gives the same bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=f"{paper.title} {paper.document_no}", author=paper.issuer,
                            creator="Remedy", producer="Remedy", subject=paper.kind, invariant=1,
                            initialFontName=font.name)
    s = styles(font.name)
    doc.build(_head(paper, s) + _middle(paper, s) + _foot(paper, s))
    return buffer.getvalue()
