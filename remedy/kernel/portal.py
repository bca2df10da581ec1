"""The debtor portal's verification code: printed on every notice, asked for by the gateway's portal.

``verification_code(secret, case_id)`` is 8 decimal digits from HMAC-SHA256(secret, case_id), so
notify (which prints it) and the gateway (which checks it) agree without sharing any table.
"""
from __future__ import annotations

import hashlib
import hmac

DIGITS = 8


def verification_code(secret: str, case_id: str) -> str:
    mac = hmac.new(secret.encode(), b"portal\x1f" + case_id.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10 ** DIGITS:0{DIGITS}d}"


def code_matches(secret: str, case_id: str, code: str) -> bool:
    return hmac.compare_digest(verification_code(secret, case_id), (code or "").strip())
