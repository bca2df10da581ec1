"""The CJK font documents embed: a TrueType font, subset into each PDF so every glyph shows in any reader.

reportlab embeds TrueType outlines only (``TTFont``); Debian's ``fonts-wqy-microhei`` (文泉驿微米黑, a
TrueType collection: subfont 0) is the default, found at its Debian path or wherever
``REMEDY_NOTIFY_FONT_PATH`` points. A character the font has no glyph for is never drawn as a box: the
document is refused naming the field (``missing``). Registered once per process.

Not ``asciiReadable``: reportlab's default reserves codes 32-127 of the first subset for ASCII and embeds all
96 ASCII glyphs in every document, which pushes a Chinese document's glyphs into a second subset (a second
font program, widths and ToUnicode map). Codes given in order of first use fit one subset; the text extracts
the same through the ToUnicode map, and the PDF is about a quarter smaller and cheaper to write.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

NAME = "RemedyCJK"
CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_SPACES = frozenset("\n\r\t")


class FontMissing(RuntimeError):
    """No embeddable CJK font at the configured or the default paths."""


@dataclass(frozen=True)
class Font:
    name: str
    path: str
    glyphs: frozenset[int]

    def missing(self, text: str) -> list[str]:
        """The characters of ``text`` the font cannot draw (each once, in order)."""
        seen: list[str] = []
        for ch in text:
            if ord(ch) not in self.glyphs and ch not in _SPACES and ch not in seen:
                seen.append(ch)
        return seen

    def width(self, text: str, size: float) -> float:
        return pdfmetrics.stringWidth(text, self.name, size)


def find(path: str = "") -> str:
    for candidate in ((path,) if path else CANDIDATES):
        if Path(candidate).is_file():
            return candidate
    where = path or " or ".join(CANDIDATES)
    raise FontMissing(f"no CJK TrueType font at {where}: apt-get install fonts-wqy-microhei (make system-deps), "
                      "or set REMEDY_NOTIFY_FONT_PATH to a TrueType (.ttf/.ttc) CJK font")


@lru_cache(maxsize=4)
def load(path: str = "") -> Font:
    """Register the font (subfont 0 of a collection) under ``NAME`` and return it."""
    found = find(path)
    name = NAME if not path else f"{NAME}-{hashlib.blake2b(found.encode(), digest_size=4).hexdigest()}"
    font = TTFont(name, found, subfontIndex=0, asciiReadable=False)
    pdfmetrics.registerFont(font)
    return Font(name, found, frozenset(font.face.charToGlyph))
