"""The roster as the gateway sees it: every ``mediation.roster`` record, applied to the read model
(store.py) so that a judicial bureau can list the mediators it designated and every change it made.
The topic itself is the audit trail (append-only, each record names who designated and when); these
keys are its index.

| key | value |
|---|---|
| ``ro/<mediator_id>`` | the mediator's entry as it stands |
| ``rob/<designated_by>/<mediator_id>`` | (empty) mediators an authority has designated (its current ones are those whose entry still names it) |
| ``roc/<designated_by>/<updated_at ms>/<ref>`` | one change an authority made, as recorded |
"""
from __future__ import annotations

import orjson

from services.gateway.model import as_json, to_ms
from services.gateway.store import Store, key

ENTRY_FIELDS = ("mediator_id", "tier", "designated_by", "regions", "modes", "daily_capacity", "active")



def apply(store: Store, record: dict, ref: str) -> None:
    """One ``RosterUpdate`` (a redelivered one rewrites the same keys)."""
    at = to_ms(record["updated_at"])
    entry = {**{k: record[k] for k in ENTRY_FIELDS}, "updated_at": as_json(record["updated_at"])}
    mid, by = entry["mediator_id"], entry["designated_by"]
    store.put(key("ro", mid), entry)
    store.put(key("rob", by, mid), b"")
    store.put(key("roc", by, f"{at:015d}", ref), {**entry, "ref": ref})


def entry(store: Store, mediator_id: str) -> dict | None:
    raw = store.get(key("ro", mediator_id))   # a pending change is the object itself
    return raw if raw is None or isinstance(raw, dict) else orjson.loads(raw)


def designated_by(store: Store, authority: str) -> list[dict]:
    """The mediators whose entry names ``authority`` now, withdrawn ones included (``active`` false)."""
    found = []
    for k, _ in store.scan(key("rob", authority) + b"\x00"):
        current = entry(store, k.rsplit(b"\x00", 1)[1].decode())
        if current is not None and current["designated_by"] == authority:
            found.append(current)
    return found


def changes(store: Store, authority: str) -> list[dict]:
    """Every change ``authority`` made to the roster, oldest first."""
    return [orjson.loads(v) for _, v in store.scan(key("roc", authority) + b"\x00")]
