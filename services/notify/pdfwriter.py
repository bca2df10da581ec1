"""A small PDF 1.4 writer: text-only pages in the non-embedded CID font ``STSong-Light``. Pure, deterministic.

Every document has the same first four objects (the font, its CIDFont and FontDescriptor, the
Catalog), so they are built once at import as a byte prefix with known offsets. A document adds the
Pages tree, an Info dictionary, one page and one uncompressed content stream per page, a classic
xref table and a trailer whose /ID is an MD5 of the bytes before it: no clock, no randomness, so the
same input always gives the same bytes.

The font is what reportlab emits for ``UnicodeCIDFont('STSong-Light')``: a Type0 font over the
CIDFontType0 ``STSong-Light`` with the predefined CMap ``UniGB-UCS2-H`` (text shown as UTF-16BE
hex strings), same FontDescriptor and /W widths; /CIDSystemInfo says Adobe-GB1-2, the collection
that CMap addresses (reportlab writes Supplement 0). Readers supply the glyphs; nothing is embedded.

Object numbers: 1 Type0 font, 2 CIDFont, 3 FontDescriptor, 4 Catalog, 5 Pages, 6 Info, then for
page i (from 0) 7 + 2i the page and 8 + 2i its content stream.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

INCH = 72.0
CM = INCH / 2.54
MM = CM * 0.1
A4 = (210 * MM, 297 * MM)   # computed as reportlab does, so layout arithmetic matches it to the bit
FONT = "STSong-Light"

# /W of the CIDFont, as reportlab has it: CIDs 1..95 are Adobe-GB1's proportional ASCII (U+0020..U+007E);
# every other CID (all of CJK) is /DW 1000 wide.
W: list = [1, [207, 270, 342, 467, 462, 797, 710, 239, 374],
           10, [374, 423, 605, 238, 375, 238, 334, 462],
           18, 26, 462, 27, 28, 238, 29, 31, 605,
           32, [344, 748, 684, 560, 695, 739, 563, 511, 729, 793, 318, 312, 666, 526, 896, 758, 772, 544, 772, 628,
                465, 607, 753, 711, 972, 647, 620, 607, 374, 333, 374, 606, 500, 239, 417, 503, 427, 529, 415, 264,
                444, 518, 241, 230, 495, 228, 793, 527, 524],
           81, [524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407, 370, 258, 370, 605]]
DW = 1000


def _cid_widths(w: list) -> dict[int, int]:
    """Expand a /W array (``c [w1 w2 ...]`` and ``c_first c_last w`` forms) to {cid: width}."""
    out: dict[int, int] = {}
    i = 0
    while i < len(w):
        if isinstance(w[i + 1], list):
            out.update(zip(range(w[i], w[i] + len(w[i + 1])), w[i + 1]))
            i += 2
        else:
            out.update(dict.fromkeys(range(w[i], w[i + 1] + 1), w[i + 2]))
            i += 3
    return out


# Width in 1/1000 em by character: the table reportlab's ``stringWidth`` uses (CID c <-> U+001F + c).
WIDTHS: dict[str, int] = {chr(0x1F + cid): width for cid, width in _cid_widths(W).items() if 1 <= cid <= 95}
_NOT_BMP = re.compile("[^\u0000-\ud7ff\ue000-\uffff]")   # astral characters and lone surrogates


def bmp(text: str) -> str:
    """``text`` with every character UCS-2 cannot carry (outside the BMP, or a lone surrogate) as '?'."""
    return text if text.isascii() else _NOT_BMP.sub("?", text)


def units(text: str) -> int:
    """Advance width of ``text`` in 1/1000 em (no kerning)."""
    get = WIDTHS.get
    return sum([get(ch, DW) for ch in text])


def string_width(text: str, size: float) -> float:
    """Width in points, computed exactly as reportlab's ``stringWidth`` for this font (same float result)."""
    return size * 0.001 * units(text)


def num(v: float) -> str:
    """A PDF number: at most 4 decimals, no trailing zeros (64, 707.8898)."""
    s = f"{v:.4f}".rstrip("0")
    return s[:-1] if s[-1] == "." else s


def page(runs: Iterable[tuple[float, float, float, str]]) -> bytes:
    """One page's content stream: each run is (font size, x, y, text), the baseline starting at (x, y).

    Text must already be BMP-only (see ``bmp``); it is shown as a UTF-16BE hex string.
    """
    ops = ["BT"]
    current = None
    for size, x, y, text in runs:
        if size != current:
            ops.append(f"/F1 {num(size)} Tf")
            current = size
        ops.append(f"1 0 0 1 {num(x)} {num(y)} Tm <{text.encode('utf-16-be').hex()}> Tj")
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def text_string(text: str) -> bytes:
    """A PDF text string: a literal when printable ASCII, else UTF-16BE with a byte order mark, in hex."""
    if text.isascii() and text.isprintable():
        return b"(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii") + b")"
    return b"<feff" + bmp(text).encode("utf-16-be").hex().encode("ascii") + b">"


def _pdf_value(v) -> str:
    if isinstance(v, list):
        return "[" + " ".join(_pdf_value(x) for x in v) + "]"
    return str(v)


def _obj(n: int, body: bytes) -> bytes:
    return b"%d 0 obj\n%s\nendobj\n" % (n, body)


_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
_FIXED = [
    (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [2 0 R] >>"),
    (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
     b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >>"
     b" /FontDescriptor 3 0 R /DW %d\n/W %s >>" % (DW, _pdf_value(W).encode("ascii"))),
    (b"<< /Type /FontDescriptor /FontName /STSongStd-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0"
     b" /Ascent 752 /Descent -271 /CapHeight 737 /XHeight 553 /StemV 58 /StemH 91 /Leading 148 /MaxWidth 1000"
     b" /MissingWidth 500 >>"),
    b"<< /Type /Catalog /Pages 5 0 R >>",
]
_PREFIX_OFFSETS: list[int] = []
_prefix = [_HEADER]
_at = len(_HEADER)
for _n, _body in enumerate(_FIXED, 1):
    _PREFIX_OFFSETS.append(_at)
    _prefix.append(_obj(_n, _body))
    _at += len(_prefix[-1])
_PREFIX = b"".join(_prefix)
del _prefix, _at, _n, _body

_PAGE = (b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 " + num(A4[0]).encode() + b" " + num(A4[1]).encode()
         + b"] /Resources << /Font << /F1 1 0 R >> /ProcSet [/PDF /Text] >> /Contents %d 0 R >>")


def document(pages: Sequence[bytes], title: str) -> bytes:
    """A whole PDF file: ``pages`` are content streams (see ``page``), one A4 page each; ``title`` goes in /Info."""
    if not pages:
        pages = [page(())]
    kids = " ".join(f"{7 + 2 * i} 0 R" for i in range(len(pages))).encode("ascii")
    chunks = [_PREFIX]
    offsets = list(_PREFIX_OFFSETS)
    at = len(_PREFIX)

    def add(body: bytes) -> None:
        nonlocal at
        chunk = b"%d 0 obj\n%s\nendobj\n" % (len(offsets) + 1, body)
        offsets.append(at)
        chunks.append(chunk)
        at += len(chunk)

    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)))
    add(b"<< /Title %s /Producer (Remedy) >>" % text_string(title))
    for i, content in enumerate(pages):
        add(_PAGE % (8 + 2 * i))
        add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    size = len(offsets) + 1
    xref = b"xref\n0 %d\n0000000000 65535 f \n%s" % (size, b"".join(b"%010d 00000 n \n" % o for o in offsets))
    body = b"".join(chunks)
    doc_id = hashlib.md5(body, usedforsecurity=False).hexdigest().encode("ascii")
    trailer = b"trailer\n<< /Size %d /Root 4 0 R /Info 6 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, doc_id, doc_id, at)
    return body + xref + trailer
