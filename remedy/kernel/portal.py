"""The debtor portal's verification code, printed on notices and asked for by the gateway's portal. Pure.

``notice_code(secret, case_id, notice_id)`` is 8 decimal digits from HMAC-SHA256(secret, case, notice): each
notice that prints a code (sent by email or letter: ``CODE_CHANNELS``; the SMS text has none) prints its own,
so notify (which prints it) and the gateway (which checks it) agree without sharing a table. The gateway
accepts only the code of the case's *current* notice — the newest one sent by a code-carrying channel, which
it reads from ``notice.log`` (``current_notice``) — and only for ``valid_days`` after it was sent: an older
notice's code stops working once a newer one is sent, and every code expires.

``sms_code(secret, case_id, request_id)`` is the one-time code a debtor asks for on the second channel: the
gateway names the request, notify computes the code and sends it by SMS to the phone it holds, and the gateway
accepts it once, for a few minutes, even from a client locked out by wrong codes (docs/security.md).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

DIGITS = 8
CODE_CHANNELS = ("EMAIL", "LETTER")  # the channels whose text prints the code (templates.json's "body")
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Notice:
    """The notice whose code a case's debtor signs in with."""
    notice_id: str
    sent_ms: int


def notice_code(secret: str, case_id: str, notice_id: str) -> str:
    mac = hmac.new(secret.encode(), b"portal\x1f" + case_id.encode() + b"\x1f" + notice_id.encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10 ** DIGITS:0{DIGITS}d}"


def sms_code(secret: str, case_id: str, request_id: str) -> str:
    mac = hmac.new(secret.encode(), b"sms\x1f" + case_id.encode() + b"\x1f" + request_id.encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10 ** DIGITS:0{DIGITS}d}"


def current_notice(entries: list[dict]) -> Notice | None:
    """The newest notice sent by a channel that prints the code, from a case's ``notice.log`` entries (``at`` in ms)."""
    sent = [(e["at"], e["notice_id"]) for e in entries if e.get("status") == "SENT" and e.get("channel") in CODE_CHANNELS]
    if not sent:
        return None
    at, notice_id = max(sent)
    return Notice(notice_id, int(at))


def code_valid(secret: str, case_id: str, code: str, notice: Notice | None, now_ms: int, valid_days: int) -> bool:
    """Whether ``code`` is the current notice's and that notice is fresh enough."""
    if notice is None or not fresh(notice, now_ms, valid_days):
        return False
    return hmac.compare_digest(notice_code(secret, case_id, notice.notice_id), (code or "").strip())


def fresh(notice: Notice, now_ms: int, valid_days: int) -> bool:
    return now_ms - notice.sent_ms <= valid_days * DAY_MS
