"""The ``Remedy-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``. Pure.

A receiver recomputes the HMAC over the timestamp, a dot and the raw body it received, compares it in
constant time with ``v1``, and refuses a timestamp further than its tolerance from its own clock (a
replayed old request). ``verify`` does exactly that; docs/webhooks.md shows it without this module.
"""
from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300


class BadSignature(ValueError):
    """Why a delivery's signature is refused."""


def signature(secret: bytes, t: int, body: bytes) -> str:
    return hmac.new(secret, f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def header(secret: bytes, t: int, body: bytes) -> str:
    return f"t={t},v1={signature(secret, t, body)}"


def verify(value: str, secret: bytes, body: bytes, now_s: float, tolerance_s: int = TOLERANCE_SECONDS) -> int:
    """The signed timestamp when ``value`` signs ``body`` with ``secret`` within the tolerance; else BadSignature."""
    parts: dict[str, list[str]] = {}
    for item in (value or "").split(","):
        name, _, v = item.strip().partition("=")
        parts.setdefault(name, []).append(v)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        raise BadSignature("no timestamp t=") from None
    if abs(now_s - t) > tolerance_s:
        raise BadSignature(f"timestamp outside the {tolerance_s}s tolerance")
    expected = signature(secret, t, body)
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise BadSignature("no v1 signature matches")
    return t
