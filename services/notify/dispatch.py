"""Sending one released notice: render, then try its channels in order until one takes it.

A channel the debtor cannot be reached on (no contact, invalid phone, bounced email, provider
refusal) gives a FAILED entry with the reason and the fallback, and the next channel is tried;
letters always work. Only the debtor is contacted: addresses come only from the case's sealed
contact, and a contact whose national ID does not match the notice's debtor_ref is never used.

A channel the lender gave no address for at all (no email, or no phone, on file) was never possible:
nothing was attempted and nothing failed, so it gets no FAILED entry on every notice; the notice goes
to the next channel in its order (for legal documents, EMAIL → LETTER: served as a PDF letter) and the
entry of the channel that took it says what was skipped ("no EMAIL on file"). What did fail stays FAILED:
an unreadable contact (NO_CONTACT), an address that is malformed (INVALID_*), a bounce, a refusal, an outage.
The PDF (``printer``: an embedded-font document with parties, amounts, legal basis, seal and portal QR code)
is rendered only when a legal document or a letter needs it, here at sending, never while the notice is
decided. A notice whose document cannot be printed (a character the font lacks, a name too long for its
box) is refused: one FAILED entry, rule ``UNRENDERABLE``, naming the case and the field, and ``refused``
is told (notify counts it and dead-letters it); nothing is sent with a box in place of a character.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol

from services.notify import contact as contacts
from services.notify.catalogue import Catalogue
from services.notify.channels import Outgoing, Result, receipt_meta
from services.notify import printer as printers
from services.notify.printing import PRINTING
from services.notify.documents import sha256
from services.notify.guard import log_entry
from services.notify.render import render


class Channel(Protocol):
    name: str

    async def send(self, out: Outgoing) -> Result: ...


def _text_hash(text: str) -> str:
    return sha256(text.encode())


async def dispatch(notice: dict, contact: dict | None, channels: dict[str, Channel], catalogue: Catalogue,
                   now: datetime, *, is_debtor: Callable[[dict], bool],
                   archive: Callable[[str, bytes], None] | None = None,
                   verification_code: Callable[[str], str] | None = None, printer: printers.Printer | None = None,
                   refused: Callable[[dict, printers.Unrenderable], None] | None = None) -> tuple[str, list[dict]]:
    """Returns (final status, notice.log entries)."""
    try:
        return await _dispatch(notice, contact, channels, catalogue, now, is_debtor, archive, verification_code,
                               printer or printers.default())
    except printers.Unrenderable as exc:
        if refused is not None:
            refused(notice, exc)
        return "FAILED", [log_entry(notice, "FAILED", notice["channels"][-1], now, rule="UNRENDERABLE", detail=str(exc))]


async def _dispatch(notice, contact, channels, catalogue, now, is_debtor, archive, verification_code, printer):
    if contact is not None and not is_debtor(contact):
        return "SUPPRESSED", [log_entry(notice, "SUPPRESSED", notice["channels"][0], now, rule="NOT_THE_DEBTOR",
                                        detail="contact does not belong to the case's debtor")]
    language, lender = notice["language"], notice["lender_id"]
    name, code = (contact or {}).get("name", ""), verification_code(notice["case_id"]) if verification_code else ""
    text = render(catalogue, notice["kind"], language, lender, notice["context"], debtor_name=name,
                  verification_code=code)
    legal = bool(notice.get("document_no"))
    rendered: list[bytes] = []
    inputs = printers.notice_inputs(notice, debtor_name=name, verification_code=code, fallback=(text.title, text.body),
                                    labels=catalogue.labels)

    def document() -> bytes:
        if not rendered:
            rendered.append(printer.pdf(inputs))
        return rendered[0]

    async def print_aside() -> None:
        """~10 ms of CPU (reportlab): printed off the event loop (``printing``), so the worker keeps reading its
        inputs and deciding meanwhile."""
        if not rendered:
            rendered.append(await PRINTING.pdf(printer, inputs))

    if legal:
        await print_aside()
    if legal and archive is not None:
        archive(notice["document_no"], document())
    entries: list[dict] = []
    skipped: list[str] = []
    order = notice["channels"]
    for i, name in enumerate(order):
        fallback = order[i + 1] if i + 1 < len(order) else None
        problem = contacts.address_problem(name, contact)
        if problem in NOT_ON_FILE and fallback is not None:
            skipped.append(f"no {name} on file")
            continue
        if problem is None:
            if name == "LETTER":
                await print_aside()
            out, proof = _outgoing(name, notice, contact, text, document, legal, now)
            result = await channels[name].send(out)
        else:
            result, proof = Result("FAILED", problem), None
        if result.status == "FAILED":
            detail = f"{result.reason}" + (f"; {result.detail}" if result.detail else "")
            detail += f"; fallback {fallback}" if fallback else "; no channel left"
            entries.append(log_entry(notice, "FAILED", name, now, rule=result.reason, detail=detail))
            continue
        detail = "; ".join([*skipped, result.detail] if result.detail else skipped)
        entries.append(log_entry(notice, "SENT", name, now, detail=detail, content_hash=proof))
        if result.status == "DELIVERED":
            entries.append(log_entry(notice, "DELIVERED", name, now, detail=result.detail, content_hash=proof))
        return "SENT", entries
    return "FAILED", entries


NOT_ON_FILE = ("NO_EMAIL", "NO_PHONE")


def _outgoing(name: str, notice: dict, contact: dict | None, text, document: Callable[[], bytes], legal: bool,
              now: datetime):
    key = notice["notice_id"]
    if name == "SMS":
        return (Outgoing(key, contacts.phone(contact), text.title, text.sms, meta=receipt_meta(notice), sent_at=now),
                _text_hash(text.sms))
    if name == "EMAIL":
        attachment = document() if legal else None
        proof = sha256(attachment) if legal else _text_hash(text.body)
        return Outgoing(key, contacts.email(contact), text.title, text.body, attachment,
                        f"{notice.get('document_no') or key}.pdf", sent_at=now), proof
    letter = document()
    return Outgoing(key, None, text.title, text.body, letter, f"{key}.pdf", sent_at=now), sha256(letter)
