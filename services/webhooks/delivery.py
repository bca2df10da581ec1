"""One delivery's life: recorded, attempted, retried with back-off, settled. Pure: time is passed in.

A delivery is one event for one subscription; its id is a hash of both, so an event redelivered to the
service records nothing new. Its state (a JSON dict, table ``deliveries``)::

    {delivery_id, subscription_id, party, event_id, event_type, case_id, body,   # body: the JSON POSTed
     status, attempts, since_ms, next_ms, replays}

``status``: PENDING (recorded, no attempt yet) → RETRYING → DELIVERED | REJECTED | FAILED. An answer 2xx
delivers it; a network error, a timeout, 5xx, 408 or 429 retries it after ``backoff_ms`` until
``Policy.give_up_ms`` have passed since ``since_ms`` (then FAILED); any other answer rejects it (REJECTED,
never retried). A replay makes a settled delivery PENDING again, the same event and body, from now.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

DELIVERED, REJECTED, FAILED, PENDING, RETRYING = "DELIVERED", "REJECTED", "FAILED", "PENDING", "RETRYING"
SETTLED = (DELIVERED, REJECTED, FAILED)
RETRY = "RETRY"
RETRY_STATUSES = frozenset({408, 429})
HIDDEN = frozenset({"sealed_contact", "debtor_ref"})  # never leave in a delivery, even sealed or pseudonymised
MAX_REPLAYS_KEPT = 20


@dataclass(frozen=True)
class Policy:
    first_retry_ms: int = 30_000
    longest_retry_ms: int = 3_600_000
    give_up_ms: int = 24 * 3_600_000
    keep_ms: int = 30 * 86_400_000   # a settled delivery is kept (replayable) this long, then forgotten


def delivery_id(subscription_id: str, event_id: str) -> str:
    return "WD" + hashlib.blake2b(f"{subscription_id}\x1f{event_id}".encode(), digest_size=16).hexdigest()


def classify(http_status: int | None) -> str:
    """DELIVERED, RETRY or REJECTED for an attempt's answer (None: a network error or a timeout)."""
    if http_status is None or http_status >= 500 or http_status in RETRY_STATUSES:
        return RETRY
    if 200 <= http_status < 300:
        return DELIVERED
    return REJECTED


def jitter(key: str, attempt: int) -> float:
    """A fraction in [0, 1) that is the same for the same delivery and attempt (so replays of a decision agree)."""
    digest = hashlib.blake2b(f"{key}\x1f{attempt}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") / 2 ** 32


def backoff_ms(attempt: int, policy: Policy, fraction: float) -> int:
    """The wait after failed attempt ``attempt`` (1 = the first): doubling from ``first_retry_ms``, capped
    at ``longest_retry_ms``, then jittered into [half of it, all of it)."""
    full = min(policy.longest_retry_ms, policy.first_retry_ms * 2 ** min(max(attempt - 1, 0), 40))
    return full // 2 + int(full / 2 * fraction)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in HIDDEN}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def body(envelope: dict) -> str:
    """The JSON a receiver gets: the case event's envelope, times in ISO 8601, without the debtor's sealed
    contact or pseudonym."""
    return json.dumps(_plain(envelope), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def new(subscription_id: str, party: str, envelope: dict, text: str, now_ms: int) -> dict:
    return {"delivery_id": delivery_id(subscription_id, envelope["event_id"]), "subscription_id": subscription_id,
            "party": party, "event_id": envelope["event_id"], "event_type": envelope["type"],
            "case_id": envelope["case_id"], "body": text, "status": PENDING, "attempts": 0, "since_ms": now_ms,
            "next_ms": now_ms, "replays": []}


def attempted(d: dict, attempt: int, http_status: int | None, now_ms: int, policy: Policy) -> dict:
    """``d`` after attempt number ``attempt`` was answered ``http_status``; ``d`` itself when that result
    was already applied (a result redelivered) or the delivery is settled."""
    if attempt <= d["attempts"] or d["status"] in SETTLED:
        return d
    outcome = classify(http_status)
    if outcome == RETRY:
        if now_ms - d["since_ms"] >= policy.give_up_ms:
            return {**d, "attempts": attempt, "status": FAILED, "next_ms": None, "settled_ms": now_ms}
        wait = backoff_ms(attempt, policy, jitter(d["delivery_id"], attempt))
        return {**d, "attempts": attempt, "status": RETRYING, "next_ms": now_ms + wait}
    return {**d, "attempts": attempt, "status": outcome, "next_ms": None, "settled_ms": now_ms}


def cancelled(d: dict, now_ms: int) -> dict:
    """``d`` when its subscription is gone: FAILED, without an attempt (replayable once it is back)."""
    return d if d["status"] in SETTLED else {**d, "status": FAILED, "next_ms": None, "settled_ms": now_ms}


def replayed(d: dict, replay_id: str, now_ms: int) -> dict:
    """``d`` sent again from now (the same event id and body); ``d`` itself for a replay already applied."""
    if replay_id in d["replays"]:
        return d
    return {**d, "status": PENDING, "since_ms": now_ms, "next_ms": now_ms, "settled_ms": None,
            "replays": (d["replays"] + [replay_id])[-MAX_REPLAYS_KEPT:]}


def due_ms(d: dict | None, policy: Policy) -> int | None:
    """When the delivery next needs the service: its next attempt; for a settled one, when it is forgotten."""
    if d is None:
        return None
    if d["status"] in SETTLED:
        return (d.get("settled_ms") or d["since_ms"]) + policy.keep_ms
    return d["next_ms"]


def log_record(d: dict, now_ms: int, http_status: int | None = None, error: str = "") -> dict:
    """The ``webhooks.log`` entry (schema WebhookDelivery) of ``d`` as it is now."""
    kind, _, party_id = d["party"].partition(":")
    return {"delivery_id": d["delivery_id"], "subscription_id": d["subscription_id"], "party_kind": kind,
            "party_id": party_id, "event_id": d["event_id"], "event_type": d["event_type"], "case_id": d["case_id"],
            "status": d["status"], "attempt": d["attempts"], "http_status": http_status, "error": error[:300],
            "next_attempt_at": d["next_ms"] if d["status"] not in SETTLED else None, "at": now_ms}
