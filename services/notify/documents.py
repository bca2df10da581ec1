"""A text-only PDF writer: the baseline ``bench/bench_documents.py`` measures notify's documents (``printer``,
docs/documents.md) against, and ``bench/bench_pdf.py`` measures. ``sha256`` is the content hash. Pure.

The PDF (``pdfwriter``, a small hand-written PDF 1.4 writer) uses the non-embedded CID font
``STSong-Light`` (Adobe-GB1; readers supply the glyphs, no font file needed) and carries no
timestamp or random id, so the same notice always renders to the same bytes and the same sha256 —
a re-send after a crash carries the same proof of service.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from itertools import accumulate, islice

from services.notify import pdfwriter
from services.notify.pdfwriter import A4, FONT

__all__ = ["FONT", "pdf", "sha256", "wrap"]

# a Latin word or figure (an amount keeps its 元), else any one character; the same tokens as
# ``[...]+元?|\s|.`` (each whitespace character is a token either way), found sooner
_TOKENS = re.compile(r"[A-Za-z0-9.,:;()\-/@_'%¥+]+元?|.", re.DOTALL)


class _Widths(dict):
    """Token -> width in points at one size, computed as reportlab's ``stringWidth`` computes it
    (``size * 0.001 * units``, the same float); a token met is kept, up to ``_KEEP`` of them."""

    def __init__(self, size: float):
        super().__init__()
        self.scale = size * 0.001

    def __missing__(self, token: str) -> float:
        w = self.scale * pdfwriter.units(token)
        if len(self) < _KEEP:
            self[token] = w
        return w


_KEEP = 50_000                       # tokens kept per size: CJK characters and recurring words; bounded
_BY_SIZE: dict[float, _Widths] = {}
_WINDOW = 64                         # tokens summed at a time while looking for a line's end (> a line's worth)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking: Latin words stay whole, CJK breaks between any two characters.

    A token goes on the line while the line's width plus the token's is <= ``width`` (or the line is empty);
    the width is the running float sum of token widths, in token order, so the breaks match measuring with
    reportlab's ``stringWidth`` token by token, to the last bit. The running sums of a stretch of tokens
    are taken at once (``accumulate``: the same left-to-right additions) and the first one over ``width``
    found by bisection (widths are >= 0, the sums never decrease).
    """
    widths = _BY_SIZE.get(size)
    if widths is None:
        widths = _Widths(size)
        if len(_BY_SIZE) < 8:
            _BY_SIZE[size] = widths
    lines: list[str] = []
    for para in text.split("\n"):
        tokens = _TOKENS.findall(para)
        ws = list(map(widths.__getitem__, tokens))
        n = len(tokens)
        head, s, i, used = "", 0, 0, 0.0   # the line so far is head + tokens[s:i], ``used`` points wide
        while i < n:
            if not head and s == i:        # an empty line takes the next token whatever its width
                used, i = used + ws[i], i + 1
                continue
            sums = list(accumulate(islice(ws, i, i + _WINDOW), initial=used))
            k = bisect_right(sums, width, 1)
            if k == len(sums):             # all of this stretch fits
                used, i = sums[-1], i + k - 1
                continue
            j = i + k - 1                  # tokens[j] does not fit: the line ends before it
            lines.append((head + "".join(tokens[s:j])).rstrip())
            head = tokens[j].lstrip()      # the next line starts with it, leading space dropped
            used = ws[j] if head == tokens[j] else widths.scale * pdfwriter.units(head)
            s = i = j + 1
        lines.append((head + "".join(tokens[s:])).rstrip())
    return lines


def pdf(title: str, body: str, document_no: str, issuer: str) -> bytes:
    """One A4 document: title, document number, body, issuer line."""
    bmp = pdfwriter.bmp   # UCS-2 only: a character outside the BMP prints as '?'
    title, body, document_no, issuer = bmp(title), bmp(body), bmp(document_no), bmp(issuer)
    page_w, page_h = A4
    margin, size, leading = 64, 11, 17
    number = f"文书编号 No.: {document_no}"
    runs = [(18, page_w / 2 - 0.5 * pdfwriter.string_width(title, 18), page_h - margin - 10, title),   # centred
            (size, page_w - margin - pdfwriter.string_width(number, size), page_h - margin - 36, number)]  # right
    pages = []
    y = page_h - margin - 70
    for line in wrap(body, page_w - 2 * margin, size) + ["", issuer]:
        if y < margin:
            pages.append(pdfwriter.page(runs))
            runs, y = [], page_h - margin
        if line:
            runs.append((size, margin, y, line))
        y -= leading
    pages.append(pdfwriter.page(runs))
    return pdfwriter.document(pages, f"{title} {document_no}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
