"""Legal-document PDFs per second on one core: notify's hand-written writer beside the reportlab Canvas it replaced.

Both render the same demand letter (zh, built as tests/unit/test_notify_documents.py builds it) to the same
lines at the same coordinates. The reportlab path (its wrap measuring token by token with
``pdfmetrics.stringWidth``, then the Canvas) is kept here as it was in services/notify/documents.py: the
baseline, measured in the same run. The two are timed in alternating rounds and the best round of each is
kept, so a busy machine slows both alike: read the ratio.
"""
from __future__ import annotations

import io
import re
import sys
import time

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.documents import FONT, pdf
from services.notify.render import render
from tests.notify_cases import Case, contact

ROUNDS = 5


_TOKENS = re.compile(r"[A-Za-z0-9.,:;()\-/@_'%¥+]+元?|\s|.")


def reportlab_wrap(text: str, width: float, size: float) -> list[str]:
    """The wrap documents.py had, measuring token by token (the font must be registered). Also the
    reference tests/unit/test_notify_documents.py checks the current wrap against."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
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


def reportlab_pdf(title: str, body: str, document_no: str, issuer: str) -> bytes:
    """The previous documents.pdf: reportlab Canvas, CID font STSong-Light, invariant, uncompressed."""
    buf = io.BytesIO()
    page_w, page_h = A4
    margin, size, leading = 64, 11, 17
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(f"{title} {document_no}")
    c.setFont(FONT, 18)
    c.drawCentredString(page_w / 2, page_h - margin - 10, title)
    c.setFont(FONT, size)
    c.drawRightString(page_w - margin, page_h - margin - 36, f"文书编号 No.: {document_no}")
    y = page_h - margin - 70
    for line in reportlab_wrap(body, page_w - 2 * margin, size) + ["", issuer]:
        if y < margin:
            c.showPage()
            c.setFont(FONT, size)
            y = page_h - margin
        c.drawString(margin, y, line)
        y -= leading
    c.showPage()
    c.save()
    return buf.getvalue()


def demand_letter() -> tuple[str, str, str, str]:
    cat = Catalogue.load()
    case = Case("LENDER-A", "L-1", contact())
    memory = plan.react(None, case.opened(), cat).state
    for e in case.every_notice_event():
        decision = plan.react(memory, e, cat)
        memory = decision.state
        for i in plan.intents(decision):
            n = i["notice"]
            if n["kind"] == "demand_letter":
                t = render(cat, n["kind"], "zh", n["lender_id"], n["context"], debtor_name="张三", strict=True)
                return t.title, t.body, n["document_no"], "LENDER-A · Remedy"
    raise LookupError("no demand letter in the scripted case")


def per_doc(fn, args, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn(*args)
    return (time.perf_counter() - start) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    args = demand_letter()
    old, new = reportlab_pdf(*args), pdf(*args)
    assert old.startswith(b"%PDF-") and new.startswith(b"%PDF-") and pdf(*args) == new
    baseline = ours = float("inf")
    for _ in range(ROUNDS):   # alternate, keep the best of each
        baseline = min(baseline, per_doc(reportlab_pdf, args, max(1, n // 10)))
        ours = min(ours, per_doc(pdf, args, n))
    print(f"pdf: reportlab Canvas (previous)    {baseline * 1e3:8.3f} ms/document  {1 / baseline:10,.0f}/s "
          f"(baseline, same run; {len(old):,} bytes)")
    print(f"pdf: notify pdfwriter               {ours * 1e3:8.3f} ms/document  {1 / ours:10,.0f}/s "
          f"({baseline / ours:.0f}x faster; {len(new):,} bytes)")


if __name__ == "__main__":
    main()
