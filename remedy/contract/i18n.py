"""One message catalogue for every screen, report and document: Simplified Chinese first, English as a switch.

The words live in ``messages/<domain>.json``, one file per screen or product (``dashboard``, ``report``, …),
each key holding its ``zh`` and ``en`` text; a test checks every key has both. Text may carry ``{name}``
placeholders filled by :meth:`Messages.text`. Numbers, money and dates are formatted here, the same way on
every surface: money is integer fen shown as ``¥12,345.67``; a day is ``2026年12月4日`` or ``4 Dec 2026``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
MESSAGES = Path(__file__).resolve().parent / "messages"
CHINA_TZ = timezone(timedelta(hours=8))


class UnknownMessage(KeyError):
    """A key the catalogue does not hold: a bug in the caller, named with its domain."""


def language(value: str | None) -> str:
    """A requested language (``en``, ``en-US``, ``zh-CN``, ``None``) → one the catalogue holds; Chinese first."""
    tag = (value or "").strip().lower()
    return "en" if tag == "en" or tag.startswith("en-") else DEFAULT


def from_accept_language(header: str | None) -> str:
    """The first of ``zh``/``en`` an ``Accept-Language`` header names (by its order, q ignored); Chinese first."""
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag == "zh" or tag.startswith("zh-"):
            return "zh"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return DEFAULT


@dataclass(frozen=True)
class Messages:
    domain: str
    entries: dict[str, dict[str, str]]

    @classmethod
    def load(cls, domain: str) -> "Messages":
        return _load(domain)

    def text(self, key: str, lang: str, **values) -> str:
        try:
            words = self.entries[key][language(lang)]
        except KeyError:
            raise UnknownMessage(f"{self.domain}: no message {key!r}") from None
        return words.format(**values) if values else words

    def table(self, lang: str) -> dict[str, str]:
        """Every message of the domain in one language, for a page's script."""
        lang = language(lang)
        return {key: texts[lang] for key, texts in self.entries.items()}


@lru_cache(maxsize=None)
def _load(domain: str) -> Messages:
    path = MESSAGES / f"{domain}.json"
    entries = json.loads(path.read_text(encoding="utf-8"))
    for key, texts in entries.items():
        missing = [lang for lang in LANGUAGES if not texts.get(lang)]
        if missing:
            raise ValueError(f"{path.name}: message {key!r} has no {', '.join(missing)} text")
    return Messages(domain, entries)


def domains() -> list[str]:
    return sorted(p.stem for p in MESSAGES.glob("*.json"))


def money(fen: int, lang: str = DEFAULT, cents: bool = True) -> str:
    """Integer fen → ``¥12,345.67`` (or ``¥12,346`` without cents), never through floats; same in both languages."""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    if not cents:
        return f"{sign}¥{(abs(fen) + 50) // 100:,}"
    yuan, rest = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{rest:02d}"


def number(n: int | float, lang: str = DEFAULT, places: int = 0) -> str:
    return f"{n:,.{places}f}"


def percent(rate: float, lang: str = DEFAULT, places: int = 1) -> str:
    return f"{rate * 100:.{places}f}%"


def day(value: date | str, lang: str = DEFAULT) -> str:
    """A calendar day (``date`` or ISO text, a time part ignored) → ``2026年12月4日`` / ``4 Dec 2026``."""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.year}年{d.month}月{d.day}日" if language(lang) == "zh" else f"{d.day} {d:%b %Y}"


def instant(ms: int, lang: str = DEFAULT) -> str:
    """Epoch milliseconds → China time, ``2026年12月4日 09:30`` / ``4 Dec 2026 09:30 (UTC+8)``."""
    local = datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(CHINA_TZ)
    if language(lang) == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.day} {local:%b %Y %H:%M} (UTC+8)"


def days(seconds: float | None, lang: str = DEFAULT, places: int = 1) -> str:
    """A duration in seconds → ``12.5 天`` / ``12.5 days``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    figure = f"{seconds / 86400:.{places}f}"
    return f"{figure} 天" if language(lang) == "zh" else f"{figure} days"
