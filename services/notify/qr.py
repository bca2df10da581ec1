"""The debtor portal's QR code on a document: reportlab's QR encoder (error correction M) with one fixed mask,
drawn as vector squares straight on the canvas (no graphics renderer, so no font but the embedded one enters
the PDF).

The mask. ``QRCode.make`` builds the symbol 8 times to score each mask pattern and keeps the best: a third of a
document's CPU. Every mask gives a valid symbol that every reader decodes (the format information names it); the
score only avoids patterns that look like finder marks or large blocks. Mask 2 (010, a dark module every third
column) is the one the search itself picks for most portal links (78% of 900 links ``<portal>?case=C<24 hex>``
over three portal addresses, and on average within 10 penalty points of the best where it is not), so a document
uses it always: the same symbol quality, built once.

The error correction. reportlab computes each block's Reed-Solomon generator polynomial again for every symbol and
divides by it with polynomial objects; ``codewords`` divides with the generator cached per length and log tables,
to the same codewords (a test compares them with reportlab's ``createData``), in a quarter of the time.
"""
from __future__ import annotations

from functools import lru_cache
from itertools import chain, cycle, zip_longest

from reportlab.graphics.barcode.qrencoder import (EXP_TABLE, LOG_TABLE, QRBitBuffer, QRCode, QRErrorCorrectLevel, QRMaskPattern,
                                                  QRRSBlock, QRUtil)
from reportlab.lib import colors
from reportlab.platypus import Flowable

MASK = QRMaskPattern.PATTERN010
QUIET = 4   # modules of quiet zone each side (ISO/IEC 18004)
SIZE = 80   # points square, quiet zone included


class FixedMaskQRCode(QRCode):
    """reportlab's encoder, built once with ``MASK`` instead of once per mask to pick one, from ``codewords``."""

    def make(self) -> None:
        if self.version is None:
            self.version = self.calculate_version()
        self.dataCache = codewords(self.version, self.errorCorrectLevel, self.dataList)
        self.makeImpl(False, MASK)


@lru_cache(maxsize=None)
def _generator(length: int) -> tuple[int, ...]:
    """The logs of the Reed-Solomon generator's coefficients after the leading 1, for ``length`` EC codewords."""
    return tuple(LOG_TABLE[c] for c in QRUtil.getErrorCorrectPolynomial(length).num[1:])


def _remainder(data: list[int], length: int) -> list[int]:
    """The ``length`` EC codewords of a block: ``data`` times x^length modulo the generator, over GF(256)."""
    generator, rem = _generator(length), [0] * length
    for byte in data:
        factor = byte ^ rem.pop(0)
        rem.append(0)
        if factor:
            log = LOG_TABLE[factor]
            for i, g in enumerate(generator):
                rem[i] ^= EXP_TABLE[(g + log) % 255]
    return rem


def codewords(version: int, level: int, data_list: list) -> list[int]:
    """What ``QRCode.createData`` returns: the data (terminator, padding) and EC codewords, interleaved by block."""
    blocks, buffer = QRRSBlock.getRSBlocks(version, level), QRBitBuffer()
    for data in data_list:
        data.write(buffer, version)
    bits = 8 * sum(b.dataCount for b in blocks)
    if buffer.getLengthInBits() > bits:
        raise ValueError(f"code length overflow ({buffer.getLengthInBits()} > {bits})")
    if buffer.getLengthInBits() + 4 <= bits:
        buffer.put(0, 4)
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = cycle((QRCode.PAD0, QRCode.PAD1))
    while buffer.getLengthInBits() < bits:
        buffer.put(next(pads), 8)
    dc, ec, offset = [], [], 0
    for b in blocks:
        dc.append(buffer.buffer[offset:offset + b.dataCount])
        ec.append(_remainder(dc[-1], b.totalCount - b.dataCount))
        offset += b.dataCount
    return [c for group in chain(zip_longest(*dc), zip_longest(*ec)) for c in group if c is not None]


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
