"""Court webhook signatures, replay protection, the portal's throttle and rate limit. Pure: time is passed in.

Court signature: ``X-Remedy-Signature: hex(HMAC-SHA256(secret, timestamp + "." + body))`` with
``X-Remedy-Timestamp`` (unix seconds) and ``X-Remedy-Court`` (the court's id in the keys file).
A timestamp outside ±window of now, or a signature already seen within the window, is refused; the
signatures seen are kept on disk too (replay_memory.py), so a restarted gateway still refuses them, and told to
the other instances (shared_guards.py), so another instance refuses them as well.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable


class SignatureRefused(Exception):
    """Why a signed webhook is refused (the message is safe to return)."""


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass
class ReplayGuard:
    window_s: int = 300
    seen: dict[str, float] = field(default_factory=dict)  # signature -> when it stops mattering
    kept: Callable[[str, float], None] | None = None       # told each signature remembered (to keep it on disk)

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
        if self.kept is not None:
            self.kept(signature.lower(), ts + self.window_s)

    def remember(self, signature: str, until_s: float) -> None:
        """A signature another instance accepted: refused here too until ``until_s``."""
        self.seen.setdefault(signature.lower(), until_s)

    def _forget(self, now_s: float) -> None:
        for sig in [s for s, until in self.seen.items() if until < now_s]:
            del self.seen[sig]


class Bounded:
    """Per-client entries, least recently used first; at most ``max_clients`` (the oldest is forgotten first), and
    an entry is dropped once ``expired`` says so: memory stays bounded whatever the number of clients."""

    def __init__(self, max_clients: int):
        self.max_clients = max_clients
        self.entries: OrderedDict[str, list] = OrderedDict()

    def get(self, client: str, now_s: float, new: list) -> list:
        self._forget(now_s)
        entry = self.entries.pop(client, None)
        if entry is None or self.expired(entry, now_s):
            entry = new
        self.entries[client] = entry
        while len(self.entries) > self.max_clients:
            self.entries.popitem(last=False)
        return entry

    def _forget(self, now_s: float) -> None:
        while self.entries:
            oldest = next(iter(self.entries.values()))
            if not self.expired(oldest, now_s):
                return
            self.entries.popitem(last=False)

    def expired(self, entry: list, now_s: float) -> bool:
        raise NotImplementedError


class Throttle(Bounded):
    """Wrong verification codes per *client*: after ``max_failures`` within ``lock_s`` the client is refused for
    ``lock_s``. Keyed by the client, never by the case, so nobody can lock a debtor out of their own case."""

    def __init__(self, max_failures: int = 5, lock_s: float = 15 * 60, max_clients: int = 100_000):
        super().__init__(max_clients)
        self.max_failures, self.lock_s = max_failures, lock_s

    def expired(self, entry: list, now_s: float) -> bool:  # [first failure at, failures, locked until]
        return max(entry[0] + self.lock_s, entry[2]) <= now_s

    def locked(self, client: str, now_s: float) -> float:
        """Seconds the client stays refused (0 when it may try)."""
        entry = self.entries.get(client)
        if entry is None or self.expired(entry, now_s):
            return 0.0
        return max(0.0, entry[2] - now_s)

    def failed(self, client: str, now_s: float) -> bool:
        """Count a wrong code; True when this one locks the client out."""
        entry = self.get(client, now_s, [now_s, 0, 0.0])
        entry[1] += 1
        if entry[1] >= self.max_failures:
            entry[2] = now_s + self.lock_s
            return True
        return False


class RateLimit(Bounded):
    """At most ``per_minute`` requests per client in each ``window_s`` (60 s) window."""

    def __init__(self, per_minute: int = 30, max_clients: int = 100_000, window_s: float = 60.0):
        super().__init__(max_clients)
        self.per_minute, self.window_s = per_minute, window_s

    def expired(self, entry: list, now_s: float) -> bool:  # [window start, requests]
        return entry[0] + self.window_s <= now_s

    def allow(self, client: str, now_s: float) -> bool:
        entry = self.get(client, now_s, [now_s, 0])
        if entry[1] >= self.per_minute:
            return False
        entry[1] += 1
        return True

    def count(self, client: str, at_s: float) -> None:
        """A request another instance allowed, counted here too."""
        self.get(client, at_s, [at_s, 0])[1] += 1


class SignInCodes(Bounded):
    """The one-time codes sent by SMS, per case: each request works for ``valid_s`` after it was made, once; a case
    is sent at most ``per_hour`` codes an hour, whoever asks. Entries end an hour after a case's last request."""

    def __init__(self, valid_s: float = 600.0, per_hour: int = 3, max_cases: int = 100_000):
        super().__init__(max_cases)
        self.valid_s, self.per_hour = valid_s, per_hour
        self.used: dict[str, float] = {}   # request id -> when it stops mattering

    def expired(self, entry: list, now_s: float) -> bool:  # [(requested at, request id), ...]
        return not entry or entry[-1][0] + max(3600.0, self.valid_s) <= now_s

    def allowed(self, case_id: str, now_s: float) -> bool:
        entry = self.entries.get(case_id) or []
        return sum(1 for at, _ in entry if at + 3600.0 > now_s) < self.per_hour

    def requested(self, case_id: str, request_id: str, at_s: float) -> None:
        entry = self.get(case_id, at_s, [])
        entry[:] = sorted([e for e in entry if e[0] + max(3600.0, self.valid_s) > at_s] + [(at_s, request_id)])

    def match(self, code_of, case_id: str, code: str, now_s: float) -> str | None:
        """The id of the case's fresh, unused request whose code (``code_of(request_id)``) is ``code``, else None."""
        self._forget_used(now_s)
        for at, request_id in self.entries.get(case_id) or []:
            if at <= now_s < at + self.valid_s and request_id not in self.used and \
                    hmac.compare_digest(code_of(request_id), (code or "").strip()):
                return request_id
        return None

    def use(self, request_id: str, until_s: float) -> None:
        self.used.setdefault(request_id, until_s)

    def _forget_used(self, now_s: float) -> None:
        for rid in [r for r, until in self.used.items() if until <= now_s]:
            del self.used[rid]
