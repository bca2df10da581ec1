"""A party's subscriptions and what an event it is concerned by becomes. Pure.

Table ``parties``, keyed ``KIND:ID``: ``{"subs": {subscription_id: {"url", "types", "sealed", "changed_ms"}}}``
(``sealed``: the signing secret sealed under REMEDY_PII_KEY, base64; ``types``: the event types wanted,
empty = every one). Changes arrive on ``webhooks.subscriptions`` in the order the gateway made them.
"""
from __future__ import annotations

import base64
from typing import Callable

from services.webhooks import delivery

ACTIVE, DELETED = "ACTIVE", "DELETED"


def empty() -> dict:
    return {"subs": {}}


def subscribed(state: dict | None, record: dict) -> dict:
    """The party's state after a ``WebhookSubscription`` record (created, changed or deleted)."""
    subs = dict((state or empty())["subs"])
    sid = record["subscription_id"]
    if record["status"] == DELETED or not record.get("sealed_secret"):
        subs.pop(sid, None)
    else:
        subs[sid] = {"url": record["url"], "types": list(record["event_types"]), "changed_ms": _ms(record["changed_at"]),
                     "sealed": base64.b64encode(record["sealed_secret"]).decode()}
    return {**(state or empty()), "subs": subs}


def wanted(state: dict | None, event_type: str) -> list[str]:
    """The ids of the party's subscriptions that want events of ``event_type``."""
    return sorted(sid for sid, sub in ((state or empty())["subs"]).items() if not sub["types"] or event_type in sub["types"])


def deliveries(state: dict | None, party: str, envelope: dict, text: str, now_ms: int,
               known: Callable[[str], bool]) -> list[dict]:
    """The deliveries to record for an event the party is concerned by (``text``: its JSON body); none for a
    subscription that already has this event (``known(delivery_id)``: a redelivered event)."""
    out = []
    for sid in wanted(state, envelope["type"]):
        if not known(delivery.delivery_id(sid, envelope["event_id"])):
            out.append(delivery.new(sid, party, envelope, text, now_ms))
    return out


def secret(state: dict | None, subscription_id: str) -> tuple[str, bytes] | None:
    """(url, sealed secret) of a live subscription, else None."""
    sub = (state or empty())["subs"].get(subscription_id)
    return None if sub is None else (sub["url"], base64.b64decode(sub["sealed"]))


def _ms(value) -> int:
    return value if isinstance(value, int) else int(value.timestamp() * 1000)
