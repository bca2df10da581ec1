"""A real SMTP server (aiosmtpd) standing in for the debtor's mail provider.

- Recipients at a domain in ``bounce_domains`` are refused with 550 (a bounce).
- A message whose Message-ID it already accepted is acknowledged (250) and not stored again:
  the recipient-side duplicate suppression that makes notify's re-send after a crash safe.
``mailbox`` holds each stored message; ``attempts`` counts every DATA, duplicates included.
"""
from __future__ import annotations

import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from remedy.runtime.broker import free_port


_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


class DedupingMailbox:
    def __init__(self, bounce_domains: tuple[str, ...] = ("bounce.invalid",)):
        self.raw: list[bytes] = []   # stored as received; parsed only when a test reads ``mailbox``
        self.attempts = 0
        self.duplicates = 0
        self.bounced: list[str] = []
        self.bounce_domains = bounce_domains
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rsplit("@", 1)[-1].lower() in self.bounce_domains:
            self.bounced.append(address)
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = envelope.content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        mid = found.group(1).decode("ascii", "replace").strip() if found else ""
        with self._lock:
            self.attempts += 1
            if mid and mid in self._seen:
                self.duplicates += 1
                return "250 OK duplicate Message-ID, not delivered again"
            self._seen.add(mid)
            self.raw.append(envelope.content)
        return "250 OK delivered"


class MailServer:
    def __init__(self, port: int = 0, **kwargs):
        self.handler = DedupingMailbox(**kwargs)
        self.port = port or free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "MailServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def mailbox(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in self.handler.raw]
