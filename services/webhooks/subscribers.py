"""Which parties subscribe to which event types, as every webhooks instance knows it.

Routing sends a party an intent only for an event one of its subscriptions wants: most parties of a case (its
court, its mediation centre) never subscribe, and an intent for them would be written, read and dropped for
nothing. Every instance follows ``webhooks.subscriptions`` whole (``Host.follow``), folding each record with
``party.subscribed``, the same rule the party's own agent applies, and keeps only each subscription's event
types: a few entries per party that subscribes, whatever the number of cases. The party's agent stays the judge
of what is delivered; this view only spares it the events nobody asked for.
"""
from __future__ import annotations

from services.webhooks import party
from services.webhooks.routing import party_key


class Subscribers:
    def __init__(self) -> None:
        self.parties: dict[str, dict] = {}   # KIND:ID -> {"subs": {subscription_id: {"types": [...]}}}
        self.every, self.types = False, frozenset()   # some subscription wants every type; the types any wants

    def apply(self, record: dict) -> None:
        """A ``WebhookSubscription`` record (created, changed or deleted)."""
        key = party_key(record["party_kind"], record["party_id"])
        after = party.subscribed(self.parties.get(key), record)
        subs = {sid: {"types": sub["types"]} for sid, sub in after["subs"].items()}
        if subs:
            self.parties[key] = {"subs": subs}
        else:
            self.parties.pop(key, None)
        wanted = [sub["types"] for state in self.parties.values() for sub in state["subs"].values()]
        self.every, self.types = any(not types for types in wanted), frozenset(t for types in wanted for t in types)

    def anyone_wants(self, event_type: str) -> bool:
        """Whether any party's subscription wants events of ``event_type``."""
        return self.every or event_type in self.types

    def wants(self, key: str, event_type: str) -> bool:
        """Whether a subscription of the party ``key`` wants events of ``event_type``."""
        return bool(party.wanted(self.parties.get(key), event_type))
