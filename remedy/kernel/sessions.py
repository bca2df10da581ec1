"""Signed, expiring session values for cookies (the debtor portal's and the dashboard's). Pure: time is passed in.

``seal(key, payload, expires_s)`` is ``base64url(payload) "." expires "." hex(HMAC-SHA256(key, both))``: the
holder can read the payload (keep it free of secrets and PII: ids only) but not change it or its expiry.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose from a deployment secret, so one secret never signs two kinds of thing."""
    return hmac.new(secret.encode(), b"session\x1f" + purpose.encode(), hashlib.sha256).digest()


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def seal(key: bytes, payload: str, expires_s: int) -> str:
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=") + "." + str(int(expires_s))
    return body + "." + _mac(key, body)


def unseal(key: bytes, value: str | None, now_s: float) -> str | None:
    """The payload of a sealed value that is ours and not expired, else None."""
    try:
        encoded, expires, mac = (value or "").split(".")
        if not hmac.compare_digest(_mac(key, encoded + "." + expires), mac) or int(expires) < now_s:
            return None
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
