"""The webhooks part of the gateway's read model: each party's subscriptions (from ``webhooks.subscriptions``,
without their secrets) and its delivery log (from ``webhooks.log``: each delivery as last reported).

| key | value |
|---|---|
| ``ws/<party>/<subscription_id>`` | {subscription_id, url, event_types, status, changed_at ms} |
| ``wd/<party>/<delivery_id>`` | the delivery's latest ``WebhookDelivery`` entry (times in ms) |
| ``wt/<party>/<at ms>/<delivery_id>`` | (empty) the delivery by the time of its latest entry, for ``since`` |

``<party>`` is ``KIND:ID`` (LENDER:LENDER-QZ01). A party reads and replays its own keys only.
"""
from __future__ import annotations

import orjson

from services.gateway.store import Store, key



def _ms(value) -> int | None:
    return value if value is None or isinstance(value, int) else int(value.timestamp() * 1000)


def _loaded(value):
    return value if value is None or isinstance(value, dict) else orjson.loads(value)


class WebhookViews:
    def __init__(self, store: Store):
        self.store = store

    # --- applying the topics ---------------------------------------------------------------------
    def apply_subscription(self, r: dict) -> None:
        party = f"{r['party_kind']}:{r['party_id']}"
        self.store.put(key("ws", party, r["subscription_id"]), self._subscription(r))

    def remember_subscription(self, r: dict) -> None:
        """One this gateway has just published (it comes back on ``webhooks.subscriptions`` later)."""
        self.store.write_now(key("ws", f"{r['party_kind']}:{r['party_id']}", r["subscription_id"]), self._subscription(r))

    @staticmethod
    def _subscription(r: dict) -> dict:
        return {"subscription_id": r["subscription_id"], "url": r["url"], "event_types": list(r["event_types"]),
                "status": r["status"], "changed_at": _ms(r["changed_at"])}

    def apply_delivery(self, r: dict) -> None:
        party = f"{r['party_kind']}:{r['party_id']}"
        entry = {**r, "at": _ms(r["at"]), "next_attempt_at": _ms(r["next_attempt_at"])}
        k = key("wd", party, r["delivery_id"])
        before = _loaded(self.store.get(k))
        if before is not None:
            if (before["attempt"], before["at"]) > (entry["attempt"], entry["at"]):
                return   # an older entry redelivered: the newer one stands
            self.store.delete(key("wt", party, f"{before['at']:015d}", r["delivery_id"]))
        self.store.put(k, entry)
        self.store.put(key("wt", party, f"{entry['at']:015d}", r["delivery_id"]), b"")

    # --- questions -------------------------------------------------------------------------------
    def _settled(self) -> Store:
        """The store with nothing pending, for a scan (the reader commits every chunk: usually a no-op)."""
        if self.store.pending:
            self.store.commit()
        return self.store

    def subscriptions(self, party: str) -> list[dict]:
        return [orjson.loads(v) for _, v in self._settled().scan(key("ws", party) + b"\x00")]

    def subscription(self, party: str, subscription_id: str) -> dict | None:
        return _loaded(self.store.get(key("ws", party, subscription_id)))

    def delivery(self, party: str, delivery_id: str) -> dict | None:
        return _loaded(self.store.get(key("wd", party, delivery_id)))

    def deliveries(self, party: str, *, since_ms: int = 0, status: str | None = None, limit: int = 100) -> list[dict]:
        """The party's deliveries whose latest entry is at or after ``since_ms``, oldest first."""
        out = []
        for k, _ in self._settled().scan(key("wt", party) + b"\x00", f"{since_ms:015d}".encode()):
            entry = self.delivery(party, k.rsplit(b"\x00", 1)[1].decode())
            if entry is not None and (status is None or entry["status"] == status):
                out.append(entry)
                if len(out) >= limit:
                    break
        return out
