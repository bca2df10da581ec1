"""The channels: email over SMTP, SMS over a provider's HTTP API, letters as PDF files.

Each ``send`` takes an ``Outgoing`` carrying an idempotency key and returns a ``Result``; bad
addresses and refusals are results (FAILED with a reason), never exceptions.

Exactly-once at the receiving side:
- SMS: the key is the provider's ``client_ref``; providers (and ``sim/sms_provider.py``) accept a
  repeated client_ref without sending a second text.
- Email: the key is the ``Message-ID`` (``<notice_id@notify.remedy>``), identical on every re-send.
  SMTP itself does not dedupe: the guarantee is that the recipient's mail server suppresses a
  Message-ID it already accepted (Dovecot/LMTP duplicate suppression, a mail relay's idempotency
  store; ``sim/mailserver.py`` does this). Without such a server a crash between the final 250 and
  recording SENT can deliver one copy twice; nothing else can.
- Letter: the file name is the notice id; writing it again replaces identical bytes.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import aiohttp

SMTP_TIMEOUT = 15


@dataclass(frozen=True)
class Outgoing:
    key: str                # idempotency key: the notice id
    to: str | None          # address for the channel (None for letters: the data dir is the post box)
    subject: str
    text: str
    attachment: bytes | None = None
    attachment_name: str = ""
    meta: str = ""          # echoed in provider receipts (no PII)
    sent_at: datetime | None = None  # the (injectable) clock's instant of sending: email Date, SMS sent_at


@dataclass(frozen=True)
class Result:
    status: str             # SENT | DELIVERED | FAILED
    reason: str = ""
    detail: str = ""


def message_id(key: str) -> str:
    return f"<{key}@notify.remedy>"


class EmailChannel:
    name = "EMAIL"

    def __init__(self, host: str, port: int, sender: str, connections: int = 4):
        self.host, self.port, self.sender = host, port, sender
        self._local = threading.local()   # one kept-open connection per sending thread
        self._pool = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="smtp")
        self.connections_opened = 0

    @property
    def _smtp(self) -> smtplib.SMTP | None:
        return getattr(self._local, "smtp", None)

    @_smtp.setter
    def _smtp(self, smtp: smtplib.SMTP | None) -> None:
        self._local.smtp = smtp

    def build(self, out: Outgoing) -> bytes:
        """The message as RFC 5322 bytes, written directly: the ``email`` package's EmailMessage took
        ~13 ms per notice with a PDF attached, more than rendering the PDF."""
        return mime_message(self.sender, out)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            self.connections_opened += 1
        return self._smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def _send(self, out: Outgoing, msg: bytes) -> Result:
        """One message on the kept-open connection (connect, EHLO and QUIT once, not per notice). A
        connection the server dropped while idle is reopened once; a re-send repeats the Message-ID."""
        for attempt in (1, 2):
            try:
                reused = self._smtp is not None
                self._connection().sendmail(self.sender, [out.to], msg)
                return Result("DELIVERED", detail="accepted by the recipient's mail server")
            except smtplib.SMTPRecipientsRefused as exc:  # smtplib has already reset the transaction
                code = next(iter(exc.recipients.values()))[0]
                return Result("FAILED", "BOUNCED", f"recipient refused ({code})")
            except smtplib.SMTPResponseException as exc:  # ... or closed the connection (421): reopened next time
                reason = "BOUNCED" if 500 <= exc.smtp_code < 600 else "CHANNEL_UNAVAILABLE"
                return Result("FAILED", reason, f"smtp {exc.smtp_code}")
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if not (reused and attempt == 1):
                    return Result("FAILED", "CHANNEL_UNAVAILABLE", type(exc).__name__)
        raise AssertionError("unreachable")

    async def send(self, out: Outgoing) -> Result:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._send, out, self.build(out))


def _encoded_words(text: str) -> str:
    """A header value in RFC 2047 UTF-8 base64 encoded words (ASCII passes as is), folded so each
    word stays under 76 characters and no character is split across two words."""
    if text.isascii():
        return text
    words, chunk = [], b""
    for ch in text:
        b = ch.encode()
        if len(chunk) + len(b) > 39:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


def _base64_lines(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def mime_message(sender: str, out: Outgoing) -> bytes:
    """multipart/mixed (text + PDF) or text/plain; every part UTF-8 or binary, base64-encoded."""
    head = [f"From: {sender}", f"To: {out.to}", f"Subject: {_encoded_words(out.subject)}",
            f"Message-ID: {message_id(out.key)}", f"X-Remedy-Notice: {out.key}", "MIME-Version: 1.0"]
    if out.sent_at is not None:
        head.insert(3, f"Date: {format_datetime(out.sent_at)}")
    text = (b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + _base64_lines(out.text.encode()))
    if out.attachment is None:
        return ("\r\n".join(head) + "\r\n").encode() + text
    boundary = "remedy-" + hashlib.sha256(out.key.encode()).hexdigest()[:24]
    head.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    pdf = (f'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="{out.attachment_name}"\r\n'
           "Content-Transfer-Encoding: base64\r\n\r\n").encode() + _base64_lines(out.attachment)
    sep = f"--{boundary}\r\n".encode()
    return (("\r\n".join(head) + "\r\n\r\n").encode() + sep + text + sep + pdf + f"--{boundary}--\r\n".encode())


class SmsChannel:
    name = "SMS"

    def __init__(self, url: str, callback_url: str = ""):
        self.url, self.callback_url = url.rstrip("/"), callback_url
        self._session: aiohttp.ClientSession | None = None

    async def send(self, out: Outgoing) -> Result:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        payload = {"client_ref": out.key, "to": out.to, "text": out.text, "callback_url": self.callback_url,
                   "out_id": out.meta, "sent_at": out.sent_at.isoformat() if out.sent_at else None}
        try:
            async with self._session.post(f"{self.url}/v1/messages", json=payload) as resp:
                body = await resp.json(content_type=None)
                if resp.status == 200:
                    dup = " (duplicate client_ref: not resent)" if body.get("duplicate") else ""
                    return Result("SENT", detail=f"provider message {body.get('message_id')}{dup}")
                if 400 <= resp.status < 500:
                    return Result("FAILED", str(body.get("error", "REJECTED")), f"provider http {resp.status}")
                return Result("FAILED", "CHANNEL_UNAVAILABLE", f"provider http {resp.status}")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            return Result("FAILED", "CHANNEL_UNAVAILABLE", type(exc).__name__)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class LetterChannel:
    """Letters are PDF files under ``<data_dir>/letters`` (or ``directory``), named by notice id, for print and
    post; a notice id already there is not written again (the dedupe the other channels' providers do)."""
    name = "LETTER"

    def __init__(self, data_dir: str | Path, directory: str | Path | None = None):
        self.dir = Path(directory) if directory else Path(data_dir) / "letters"

    async def send(self, out: Outgoing) -> Result:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{out.key}.pdf"
        if path.exists():
            return Result("SENT", detail=f"letters/{path.name} (already there)")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(out.attachment or b"")
        os.replace(tmp, path)
        return Result("SENT", detail=f"letters/{path.name}")


def receipt_meta(notice: dict) -> str:
    """What a provider echoes back with a receipt: enough to write the notice.log entry, no PII."""
    keys = ("notice_id", "case_id", "lender_id", "debtor_ref", "kind", "occasion", "language", "document_no")
    meta = {k: notice[k] for k in keys}
    if notice.get("proof"):  # the receipt is the proof of delivery (proof.py): what its case event needs
        meta.update(proof=True, event_id=notice["event_id"])
    return json.dumps(meta, separators=(",", ":"))
