"""Printing a notice as a legal document: ``paper.compose`` (what it says), ``paper.check`` (every field
drawable and in its box, else ``Unrenderable``), ``layout.pdf`` (the bytes). Run when a notice is sent or
fetched, never while a notice is decided; the content hash of the bytes goes in ``notice.log``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from remedy.contract.directory import Directory
from services.notify import deflate, fonts, layout
from services.notify.paper import Inputs, Paper, Unrenderable, check, compose, template
from services.notify.plan import document_no

__all__ = ["Printer", "Unrenderable"]

DEFAULT_PORTAL = "http://127.0.0.1:8080/portal"
PREFIX = "WS"   # 文书: the number of a letter whose kind names no prefix of its own


@dataclass(frozen=True)
class Printer:
    directory: Directory
    font: fonts.Font
    portal_url: str = DEFAULT_PORTAL
    settings: tuple[str, str, str] | None = None   # what built it, so the printing process builds the same (printing.py)

    @classmethod
    def from_settings(cls, directory_path: str = "", font_path: str = "", portal_url: str = "") -> "Printer":
        deflate.install()   # every printing process compresses alike: the same paper, the same bytes
        return cls(Directory.load(directory_path or None), fonts.load(font_path), portal_url or DEFAULT_PORTAL,
                   (directory_path, font_path, portal_url))

    def paper(self, inputs: Inputs) -> Paper:
        """The document's content, checked: raises ``Unrenderable`` naming the case and the field."""
        paper = compose(inputs, self.directory, self.portal_url)
        check(paper, self.font.missing, self.font.width)
        return paper

    def pdf(self, inputs: Inputs) -> bytes:
        return layout.pdf(self.paper(inputs), self.font)

    def notice(self, notice: dict, *, debtor_name: str, verification_code: str, fallback: tuple[str, str],
               labels: dict) -> bytes:
        """A notice (``plan._notice``) as a PDF."""
        return self.pdf(notice_inputs(notice, debtor_name=debtor_name, verification_code=verification_code,
                                      fallback=fallback, labels=labels))


def notice_inputs(notice: dict, *, debtor_name: str, verification_code: str, fallback: tuple[str, str],
                  labels: dict) -> Inputs:
    """A notice's document inputs: its document number, or one derived from its id for a letter that has none (the
    kind's ``prefix``, else WS)."""
    number = notice.get("document_no") or document_no(
        template(notice["kind"]).get("prefix", PREFIX), date.fromisoformat(notice["context"]["issued_on"]),
        notice["notice_id"])
    return Inputs(notice["kind"], notice["language"], notice["context"], notice["lender_id"], number, debtor_name,
                  verification_code, fallback, labels)


@lru_cache(maxsize=1)
def default() -> Printer:
    """The shipped directory, the default font, the local portal: for tests and tools without settings (printed
    on a thread, never in a printing process)."""
    return replace(Printer.from_settings(), settings=None)
