"""Legal documents as PDF, with a CJK font and a content hash. Pure: bytes in memory, no files.

The PDF uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1; no font file needed) and
``invariant`` mode, so the same notice always renders to the same bytes and the same sha256 — a
re-send after a crash carries the same proof of service.
"""
from __future__ import annotations

import hashlib
import io
import re

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
_TOKENS = re.compile(r"[A-Za-z0-9.,:;()\-/@_'%¥+]+元?|\s|.")  # an amount keeps its 元
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking: Latin words stay whole, CJK breaks between any two characters."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0   # glyph widths add up (no kerning): no re-measuring the growing line
        for token in _TOKENS.findall(para):
            w = pdfmetrics.stringWidth(token, FONT, size)
            if used + w <= width or not line:
                line, used = line + token, used + w
            else:
                lines.append(line.rstrip())
                line = token.lstrip()
                used = pdfmetrics.stringWidth(line, FONT, size)
        lines.append(line.rstrip())
    return lines


def pdf(title: str, body: str, document_no: str, issuer: str) -> bytes:
    """One A4 document: title, document number, body, issuer line."""
    font = _font()
    buf = io.BytesIO()
    page_w, page_h = A4
    margin, size, leading = 64, 11, 17
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(f"{title} {document_no}")
    c.setFont(font, 18)
    c.drawCentredString(page_w / 2, page_h - margin - 10, title)
    c.setFont(font, size)
    c.drawRightString(page_w - margin, page_h - margin - 36, f"文书编号 No.: {document_no}")
    y = page_h - margin - 70
    for line in wrap(body, page_w - 2 * margin, size) + ["", issuer]:
        if y < margin:
            c.showPage()
            c.setFont(font, size)
            y = page_h - margin
        c.drawString(margin, y, line)
        y -= leading
    c.showPage()
    c.save()
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
