"""Court webhook signatures, replay protection, the portal's lockout and rate limit. Pure: time is passed in.

Court signature: ``X-Remedy-Signature: hex(HMAC-SHA256(secret, timestamp + "." + body))`` with
``X-Remedy-Timestamp`` (unix seconds) and ``X-Remedy-Court`` (the court's id in the keys file).
A timestamp outside ±window of now, or a signature already seen within the window, is refused.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import deque
from dataclasses import dataclass, field


class SignatureRefused(Exception):
    """Why a signed webhook is refused (the message is safe to return)."""


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass
class ReplayGuard:
    window_s: int = 300
    seen: dict[str, float] = field(default_factory=dict)  # signature -> when it stops mattering

    def check(self, secret: bytes | None, timestamp: str, body: bytes, signature: str, now_s: float,
              remember: bool = True) -> None:
        """Raises SignatureRefused unless the signature is valid, fresh and (``remember``) new; then remembers it."""
        if secret is None:
            raise SignatureRefused("unknown court")
        try:
            ts = int(timestamp)
        except (TypeError, ValueError):
            raise SignatureRefused("X-Remedy-Timestamp must be unix seconds") from None
        if abs(now_s - ts) > self.window_s:
            raise SignatureRefused(f"timestamp outside the {self.window_s}s window")
        if not hmac.compare_digest(sign(secret, timestamp, body), (signature or "").lower()):
            raise SignatureRefused("bad signature")
        if not remember:
            return
        self._forget(now_s)
        if signature.lower() in self.seen:
            raise SignatureRefused("replayed signature")
        self.seen[signature.lower()] = ts + self.window_s

    def _forget(self, now_s: float) -> None:
        for sig in [s for s, until in self.seen.items() if until < now_s]:
            del self.seen[sig]


@dataclass
class Lockout:
    """After ``max_failures`` wrong codes for one case, the case's portal is locked for ``lock_s``."""
    max_failures: int = 5
    lock_s: float = 15 * 60
    failures: dict[str, int] = field(default_factory=dict)
    locked_until: dict[str, float] = field(default_factory=dict)

    def locked(self, case_id: str, now_s: float) -> float:
        """Seconds left locked (0 when open)."""
        until = self.locked_until.get(case_id, 0.0)
        if until and until <= now_s:
            del self.locked_until[case_id]
            return 0.0
        return max(0.0, until - now_s)

    def failed(self, case_id: str, now_s: float) -> bool:
        """Count a wrong code; True when this one locks the case."""
        n = self.failures.get(case_id, 0) + 1
        if n >= self.max_failures:
            self.failures.pop(case_id, None)
            self.locked_until[case_id] = now_s + self.lock_s
            return True
        self.failures[case_id] = n
        return False

    def succeeded(self, case_id: str) -> None:
        self.failures.pop(case_id, None)


@dataclass
class RateLimit:
    """At most ``per_minute`` requests per client in any 60 s (sliding window)."""
    per_minute: int = 30
    hits: dict[str, deque] = field(default_factory=dict)

    def allow(self, client: str, now_s: float) -> bool:
        q = self.hits.setdefault(client, deque())
        while q and q[0] <= now_s - 60:
            q.popleft()
        if len(q) >= self.per_minute:
            return False
        q.append(now_s)
        return True
