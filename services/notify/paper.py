"""What a legal document says, before any layout: a ``Paper`` composed from its kind's template
(``papers/<kind>.json``, Chinese and English), the notice's context, the parties' names and addresses
(``remedy.contract.directory``) and the portal link. Pure; every field is checked against the embedded
font and its box, so a document is refused naming the case and the field rather than printed with a box.
"""
from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from remedy.contract.directory import Directory
from services.notify.capitals import capitals, figures
from services.notify.render import day, display

PAPERS = Path(__file__).resolve().parent / "papers"
ROLES = ("lender", "debtor", "mediation_centre", "court")
NAME_WIDTH = 168.0     # points: a party's name is one line in its cell (layout.PARTY_COLUMNS[1] less padding)
ISSUER_WIDTH = 178.0   # points: the issuer's name on one line of the seal box (layout.SEAL_WIDTH less padding)
NAME_SIZE = 9.5       # the size of table cells


class Unrenderable(ValueError):
    """A field a document cannot print: a character the embedded font lacks, or too long for its box."""

    def __init__(self, case_id: str, field: str, reason: str):
        super().__init__(f"case {case_id}: field {field}: {reason}")
        self.case_id, self.field, self.reason = case_id, field, reason

    def __reduce__(self):   # raised in the printing process, re-raised in notify
        return Unrenderable, (self.case_id, self.field, self.reason)


@dataclass(frozen=True)
class Paper:
    kind: str
    language: str
    case_id: str
    title: str
    document_no: str
    issued_on: str
    labels: dict
    parties: tuple[tuple[str, str, str], ...]     # (role label, name, address line)
    body: tuple[str, ...]
    amounts: tuple[tuple[str, str, str], ...]     # (item, figures, capitals)
    basis: tuple[str, ...]
    issuer: str
    portal_text: str
    qr_payload: str
    signatures: bool
    fields: tuple[tuple[str, str], ...] = ()   # (field, text) of every value printed, checked before layout


@lru_cache(maxsize=64)
def template(kind: str) -> dict:
    """A kind's template (``papers/<kind>.json``, else ``_default.json``) with the shared labels."""
    path = PAPERS / f"{kind}.json"
    own = json.loads((path if path.exists() else PAPERS / "_default.json").read_text(encoding="utf-8"))
    return {**own, "labels": json.loads((PAPERS / "_labels.json").read_text(encoding="utf-8"))}


def kinds() -> list[str]:
    """Every document kind with a template of its own."""
    return sorted(p.stem for p in PAPERS.glob("*.json") if not p.stem.startswith("_"))


def qr_payload(portal_url: str, case_id: str) -> str:
    """What the QR code holds: the portal with the case reference; never the verification code."""
    return f"{portal_url}{'&' if '?' in portal_url else '?'}case={case_id}"


@dataclass(frozen=True)
class Inputs:
    """A document's inputs: the notice's context and what is added at send time."""
    kind: str
    language: str
    context: dict
    lender_id: str
    document_no: str
    debtor_name: str = ""
    verification_code: str = ""
    fallback: tuple[str, str] = ("", "")       # the notice template's (title, body) for kinds without a paper
    enum_labels: dict | None = None


def names(directory: Directory, lender_id: str, context: dict, language: str, words: dict) -> dict:
    """Role → (name, address line) from the directory; no known address says where it is published."""
    out = {"lender": (directory.entry(lender_id).name, "")}
    for role, missing in (("mediation_centre", "no_address_centre"), ("court", "no_address_court")):
        entry = directory.entry(context.get(role))
        out[role] = (entry.name, entry.address or words[missing]) if entry.name else ("", "")
    return out


def compose(inputs: Inputs, directory: Directory, portal_url: str) -> Paper:
    t, lang = template(inputs.kind), inputs.language
    words = t["labels"].get(lang) or t["labels"]["zh"]
    own = t.get(lang) or t.get("zh") or {"title": _literal(inputs.fallback[0]), "body": _literal(inputs.fallback[1])}
    ctx = inputs.context
    who = names(directory, inputs.lender_id, ctx, lang, words)
    who["debtor"] = (inputs.debtor_name or words["debtor_default"], "")
    values = display({**ctx, "lender_id": inputs.lender_id}, lang, inputs.enum_labels or {})
    values.update(lender_name=who["lender"][0], debtor_name=who["debtor"][0],
                  mediation_centre=who["mediation_centre"][0] or "—", court=who["court"][0] or "—")
    fill = _Fill(values)
    used = [name for _, name, _, _ in string.Formatter().parse(own["body"] + own["title"]) if name]
    body = own["body"].format_map(fill)
    issuer = who.get(t.get("issuer", "lender"), who["lender"])[0] or who["lender"][0]
    portal = words["portal_text"].format(portal_url=portal_url, case_id=ctx["case_id"],
                                         verification_code=inputs.verification_code or words["code_default"])
    roles = [r for r in t.get("parties", ROLES) if who[r][0]]
    fields = [*((f"{r}_name" if r in ("lender", "debtor") else r, who[r][0]) for r in roles),
              *((f"{r}_address", who[r][1]) for r in roles), *((k, values[k]) for k in dict.fromkeys(used) if k in values),
              ("title", own["title"]), ("document_no", inputs.document_no), ("portal", portal),
              *((f"basis.{i}", b) for i, b in enumerate(own.get("basis", ()))), ("body", body)]
    return Paper(inputs.kind, lang, ctx["case_id"], own["title"].format_map(fill), inputs.document_no,
                 day(ctx["issued_on"], lang), words, tuple((words[r], *who[r]) for r in roles),
                 tuple(p for p in body.split("\n") if p),
                 tuple((words[k], figures(ctx[k]), capitals(ctx[k])) for k in t.get("amounts", ()) if ctx.get(k) is not None),
                 tuple(own.get("basis", ())), issuer, portal, qr_payload(portal_url, ctx["case_id"]),
                 bool(t.get("signatures")), tuple(fields))


def _literal(text: str) -> str:
    """Already filled text (a notice's own title or body) as a template that formats to itself."""
    return text.replace("{", "{{").replace("}", "}}")


class _Fill(dict):
    def __missing__(self, key):
        return "—"


def check(paper: Paper, missing, width) -> None:
    """Refuse a paper with a field the font cannot draw (``missing(text)`` → characters) or a name too
    wide for its box (``width(text, size)`` → points). A debtor's value is never quoted in the reason."""
    for field, text in paper.fields:
        bad = missing(text)
        if bad:
            quoted = field in PUBLIC
            shown = ": " + " ".join(f"U+{ord(c):04X}" for c in bad) if quoted else ""
            raise Unrenderable(paper.case_id, field, f"{len(bad)} character(s) the embedded font has no glyph for{shown}")
    for field, text in paper.fields:
        if field.endswith(("_name", "mediation_centre", "court")) and width(text, NAME_SIZE) > NAME_WIDTH:
            raise Unrenderable(paper.case_id, field, f"too long for its box ({len(text)} characters)")
    if width(paper.issuer, NAME_SIZE) > ISSUER_WIDTH:
        raise Unrenderable(paper.case_id, "issuer", f"too long for the seal box ({len(paper.issuer)} characters)")


PUBLIC = ("lender_name", "mediation_centre", "court", "mediation_centre_address", "court_address", "title",
          "document_no", "lender_id")   # fields whose characters may be quoted (no debtor data)
