"""What several gateway instances must agree on: the portal's throttle and rate limits, the one-time sign-in codes,
and the court signatures already accepted. Each instance counts on its own at once, as a single gateway does, and
tells the others through ``gateway.guards`` (one JSON record per event, keyed by what it counts); each applies the
others' records to the same counters (guard_feed.py reads them). Pure: no Kafka, time passed in.

Clients are named by a keyed hash (``client_ref``), never their address: the topic and the counters hold no IP.
A record names the instance that wrote it, which skips its own. Every counter forgets entries as their windows end
(guards.py), so memory stays bounded whatever the traffic.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Callable

from services.gateway.guards import RateLimit, ReplayGuard, SignInCodes, Throttle

TOPIC = "gateway.guards"
MAX_OUTBOX = 10_000   # records waiting to be sent: past this (the broker unwritable) the oldest are not sent
FAILURE, REQUEST, CODE_ASKED, CODE_REQUESTED, CODE_USED, SIGNATURE = (
    "failure", "request", "code_asked", "code_requested", "code_used", "signature")


class GuardRecordError(ValueError):
    """A ``gateway.guards`` record this gateway cannot apply (the reason is safe to log)."""


class SharedGuards:
    def __init__(self, instance: str, client_key: bytes, throttle: Throttle, rate: RateLimit, replays: ReplayGuard,
                 codes: SignInCodes, code_asks: RateLimit):
        self.instance, self.client_key = instance, client_key
        self.throttle, self.rate, self.replays, self.codes, self.code_asks = throttle, rate, replays, codes, code_asks
        self.outbox: list[dict] = []
        self.wake: Callable[[], None] | None = None   # set by the feed: tells it there is something to send

    def client_ref(self, address: str) -> str:
        """The client as every instance names it (a keyed hash of its address)."""
        return hmac.new(self.client_key, address.encode(), hashlib.sha256).hexdigest()[:32]

    def tell(self, kind: str, key: str, at_s: float, **extra) -> None:
        """An event this instance has counted, for the others."""
        self.outbox.append({"kind": kind, "key": key, "at": at_s, "by": self.instance, **extra})
        if len(self.outbox) > MAX_OUTBOX:
            del self.outbox[0]
        if self.wake is not None:
            self.wake()

    def take(self) -> list[dict]:
        out, self.outbox = self.outbox, []
        return out

    def apply(self, record: dict) -> bool:
        """Another instance's event, counted here; False for this instance's own. ``GuardRecordError`` if unreadable."""
        try:
            kind, key, at, by = record["kind"], str(record["key"]), float(record["at"]), record["by"]
        except (KeyError, TypeError, ValueError):
            raise GuardRecordError("not a guard record (kind, key, at, by)") from None
        if by == self.instance:
            return False
        if kind == FAILURE:
            self.throttle.failed(key, at)
        elif kind == REQUEST:
            self.rate.count(key, at)
        elif kind == CODE_ASKED:
            self.code_asks.count(key, at)
        elif kind == CODE_REQUESTED:
            self.codes.requested(key, str(record.get("request_id", "")), at)
        elif kind == CODE_USED:
            self.codes.use(key, at + self.codes.valid_s)
        elif kind == SIGNATURE:
            self.replays.remember(key, float(record.get("until", at + self.replays.window_s)))
        else:
            raise GuardRecordError(f"unknown kind {kind!r}")
        return True
