"""Filling templates from a notice's context. Pure.

The context holds figures, never PII, except ``debtor_name`` which is added at send time from the
unsealed contact. Keys ending ``_cents`` are money in fen, ``_at`` are instants in epoch ms (shown in
China time), ISO dates are shown per language, enumerations go through the catalogue's labels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from remedy.kernel.clock import CHINA_TZ
from services.notify.catalogue import Catalogue

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MissingField(KeyError):
    """A template names a field the notice's context lacks."""


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    sms: str


def money(fen: int, language: str) -> str:
    """Integer fen → '12,345.67元' (zh) or 'CNY 12,345.67' (en). Never through floats."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    figure = f"{sign}{yuan:,}.{cents:02d}"
    return f"{figure}元" if language == "zh" else f"CNY {figure}"


def day(iso: str, language: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日" if language == "zh" else d.strftime("%d %b %Y").lstrip("0")


def instant(ms: int, language: str) -> str:
    local = datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(CHINA_TZ)
    return (f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if language == "zh"
            else f"{local:%d %b %Y %H:%M} (UTC+8)".lstrip("0"))


def display(context: dict, language: str, labels: dict[str, dict[str, str]]) -> dict[str, str]:
    words = labels.get(language, {})
    out: dict[str, str] = {}
    for key, value in context.items():
        if value is None:
            out[key] = "—"
        elif key.endswith("_cents"):
            out[key] = money(value, language)
        elif key.endswith("_at") and isinstance(value, int):
            out[key] = instant(value, language)
        elif isinstance(value, bool):
            out[key] = words.get(str(value).lower(), str(value))
        elif isinstance(value, str) and ISO_DATE.match(value):
            out[key] = day(value, language)
        else:
            out[key] = words.get(str(value), str(value))
    return out


class _Strict(dict):
    def __missing__(self, key):
        raise MissingField(key)


class _Lenient(dict):
    def __missing__(self, key):
        return "—"


def render(catalogue: Catalogue, kind: str, language: str, lender_id: str, context: dict, *,
           debtor_name: str, verification_code: str = "", strict: bool = False) -> Rendered:
    values = display({**context, "lender_id": lender_id}, language, catalogue.labels)
    values["debtor_name"] = debtor_name or ("债务人" if language == "zh" else "Debtor")
    # the debtor portal's code (remedy/kernel/portal.py), added at send time like the name; never in the stored context
    values["verification_code"] = verification_code or ("（请向调解中心索取）" if language == "zh" else "(ask the mediation centre)")
    fill = (_Strict if strict else _Lenient)(values)
    t = catalogue.template(kind, language, lender_id)
    return Rendered(t["title"].format_map(fill), t["body"].format_map(fill), t["sms"].format_map(fill))
