"""webhooks' wiring: case.events, court.documents → routing → webhooks.intents (by party) → deliveries → HTTP
→ webhooks.log.

- ``events``        case.events → the case's parties (``routing``; table ``cases`` keeps the court and
  mediation centre each case has learned) → one ``event`` intent per party with a subscription that wants it
  (``subscribers``: every instance follows ``webhooks.subscriptions`` whole), keyed ``KIND:ID``;
- ``documents``     court.documents → one ``event`` intent for the court, if it subscribes (``documents``: the
  PDF stays sealed until the attempt);
- ``subscriptions`` and ``replays`` (from the gateway) → ``subscription`` / ``replay`` intents, so that
- ``party``         webhooks.intents is the only writer of a party's subscriptions (table ``parties``) and
  deliveries (table ``deliveries``). A delivery is stored, and its next attempt put in the due index
  (table ``index``, ``remedy.runtime.due``), before anything is sent; every change is written to
  ``webhooks.log``.
- ``ticks``         a waker sleeps until the next attempt is due; a due delivery is attempted in the
  background (at most ``concurrent_sends`` at once, ``per_subscription`` to one subscription; one that
  finds no slot is looked at again after ``retick_seconds``) and the answer comes back as a ``result``
  intent on the party's partition. A crash before that leaves the delivery due: it is attempted again,
  with the same event id (receivers dedupe by ``Remedy-Event-Id``).
"""
from __future__ import annotations

import base64
import json
import logging
import time

import faust
from prometheus_client import Counter, Gauge

from remedy.kernel.clock import Clock
from remedy.kernel.deadlines import ms
from remedy.kernel.emit import Emit
from remedy.kernel.pii import ContactSealer, PiiError
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host, Input
from remedy.runtime.due import Deadlines
from remedy.runtime.faust_host import build_app
from services.webhooks import delivery, documents, party, routing
from services.webhooks.subscribers import Subscribers
from services.webhooks.delivery import SETTLED
from services.webhooks.sender import Sender
from services.webhooks.settings import WebhooksSettings

SERVICE = "webhooks"
INTENTS, LOG = routing.INTENTS, "webhooks.log"
FORWARDED = {"webhooks.subscriptions": ("subscription", "WebhookSubscription"), "webhooks.replays": ("replay", "WebhookReplay")}
MEASURE_SECONDS, MEASURE_MOST = 10.0, 5_000
log_ = logging.getLogger(__name__)


def build(settings: Settings, webhooks: WebhooksSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, webhooks), clock=clock, web_port=webhooks.port)


def wire(host: Host, settings: Settings, webhooks: WebhooksSettings, sender=None) -> "Webhooks":
    hooks = Webhooks(host, settings, webhooks, sender or Sender(webhooks.timeout_seconds, webhooks.concurrent_sends))
    hooks.register()
    return hooks


class Webhooks:
    """The four agents, the waker and the gauge's timer, over tables ``cases``, ``parties`` and ``deliveries``."""

    def __init__(self, host: Host, settings: Settings, webhooks: WebhooksSettings, sender):
        self.host, self.clock, self.sender, self.conf = host, host.clock, sender, webhooks
        self.policy, self.sealer = webhooks.policy(), ContactSealer(settings.pii_key)
        self.cases, self.parties, self.deliveries = host.table("cases"), host.table("parties"), host.table("deliveries")
        self.sending: dict[str, tuple[str, float, int]] = {}  # delivery id -> (subscription, started, attempt) in flight
        self.stale_after = webhooks.timeout_seconds * 2 + webhooks.retick_seconds
        r = host.metrics.registry
        self.settled = Counter(f"remedy_{SERVICE}_deliveries", "Deliveries settled, by outcome (DELIVERED, REJECTED, "
                               "FAILED)", ["outcome"], registry=r)
        self.recorded = Counter(f"remedy_{SERVICE}_deliveries_recorded", "Deliveries recorded (one per event and "
                                "subscription)", registry=r)
        self.attempts = Counter(f"remedy_{SERVICE}_attempts", "Attempts, by result (DELIVERED, RETRY, REJECTED)",
                                ["result"], registry=r)
        self.oldest = Gauge(f"remedy_{SERVICE}_oldest_pending_seconds", "Age of the oldest delivery not settled yet "
                            "(recorded or replayed that long ago)", registry=r)
        self.subscribing = Gauge(f"remedy_{SERVICE}_subscribing_parties", "Parties with a live subscription, as this "
                                 "instance knows them (it routes events to those parties only)", registry=r)
        self.deadlines: Deadlines | None = None
        self.subscribers = Subscribers()
        self.subscribers_known = None   # awaitable: the view holds every subscription made before this instance started

    def register(self) -> None:
        self.subscribers_known = self.host.follow("webhooks.subscriptions", self.on_subscription_seen)
        self.host.agent("case.events", self.on_event, name="events")
        self.host.agent("court.documents", self.on_document, name="documents")
        for topic in FORWARDED:
            self.host.agent(topic, self.forward, name=topic.split(".")[1])
        self.host.agent(INTENTS, self.on_intent, name="party")
        self.deadlines = Deadlines(self.host, sweep_seconds=self.conf.sweep_seconds, on_due=self.on_due, precise=True,
                                   current_due=lambda did: delivery.due_ms(self.deliveries.get(did), self.policy),
                                   retick_seconds=self.conf.retick_seconds, rebalanced=self.rebalanced)
        self.host.timer(MEASURE_SECONDS, self.measure)

    async def intent(self, party_key: str, intent: dict) -> None:
        await self.host.send(INTENTS, party_key, json.dumps(intent, ensure_ascii=False, sort_keys=True).encode())

    # ---- the agents -----------------------------------------------------------------------------

    def on_subscription_seen(self, msg: Input) -> None:
        self.subscribers.apply(self.host.codec.decode(msg.value, expect="WebhookSubscription")[1])
        self.subscribing.set(len(self.subscribers.parties))

    async def on_event(self, msg: Input) -> None:
        await self.subscribers_known()
        kind = self.host.codec.case_event_type(msg.value)   # read off the header
        if kind not in routing.TEACHING and not self.subscribers.anyone_wants(kind):
            return   # no party learned from it, none subscribes to it: not decoded
        _, envelope = self.host.codec.decode(msg.value, expect="CaseEvent")
        decision = routing.decide(self.cases.get(envelope["case_id"]), envelope, delivery.body(envelope))
        if decision.state is not None:
            await self.cases.put(envelope["case_id"], decision.state)
        await self.route(decision.internal)

    async def on_document(self, msg: Input) -> None:
        await self.subscribers_known()
        _, record = self.host.codec.decode(msg.value, expect="CourtDocument")
        await self.route(documents.decide(record).internal)

    async def route(self, intents) -> None:
        """The ``event`` intents of the parties with a subscription that wants them (``subscribers``; the callers
        wait until this instance knows every subscription made before it started)."""
        for out in intents:
            if self.subscribers.wants(out.key, out.record["event"]["type"]):
                await self.intent(out.key, out.record)

    async def forward(self, msg: Input) -> None:
        """A record of the gateway's, checked here (a bad one is dead-lettered) and handed to the party's agent."""
        op, schema = FORWARDED[msg.topic]
        _, record = self.host.codec.decode(msg.value, expect=schema)
        key = routing.party_key(record["party_kind"], record["party_id"])
        await self.intent(key, {"op": op, "avro": base64.b64encode(msg.value).decode()})

    async def on_intent(self, msg: Input) -> None:
        key, intent, now_ms = msg.key_text, json.loads(msg.value), ms(self.clock.now())
        op = intent["op"]
        if op == "event":
            state = self.parties.get(key)
            for d in party.deliveries(state, key, intent["event"], intent["body"], now_ms,
                                      known=lambda did: self.deliveries.get(did) is not None):
                self.recorded.inc()
                await self.change(msg.partition, None, d, now_ms)
        elif op == "subscription":
            _, record = self.host.codec.decode(base64.b64decode(intent["avro"]), expect="WebhookSubscription")
            await self.parties.put(key, party.subscribed(self.parties.get(key), record))
        elif op == "replay":
            _, record = self.host.codec.decode(base64.b64decode(intent["avro"]), expect="WebhookReplay")
            d = self.deliveries.get(record["delivery_id"])
            if d is None or d["party"] != key:
                raise LookupError(f"replay {record['replay_id']}: no delivery {record['delivery_id']} of this party")
            await self.change(msg.partition, d, delivery.replayed(d, record["replay_id"], now_ms), now_ms)
        elif op == "result":
            await self.on_result(msg.partition, intent, now_ms)
        else:
            raise ValueError(f"unknown intent op {op!r}")

    async def on_result(self, partition: int, intent: dict, now_ms: int) -> None:
        did = intent["delivery_id"]
        if self.sending.get(did, (None, 0.0, None))[2] == intent["attempt"]:
            del self.sending[did]     # from now on the stored delivery says what became of it (not for an older
                                      # attempt's result redelivered after a restart: its own is still in flight)
        d = self.deliveries.get(did)
        if d is None:
            return
        after = delivery.attempted(d, intent["attempt"], intent["http_status"], intent["at_ms"], self.policy)
        if after is d:
            self.host.metrics.duplicates.labels(INTENTS).inc()
            return
        await self.change(partition, d, after, now_ms, intent["http_status"], intent["error"])

    async def change(self, partition: int, before: dict | None, after: dict, now_ms: int,
                     http_status: int | None = None, error: str = "") -> None:
        """Store a delivery's new state and its next due time, then log it (stored before anything is sent)."""
        if after is before:
            return
        await self.deliveries.put(after["delivery_id"], after)
        await self.deadlines.changed(partition, after["delivery_id"], delivery.due_ms(before, self.policy),
                                     delivery.due_ms(after, self.policy))
        if after["status"] in SETTLED and (before or {}).get("status") != after["status"]:
            self.settled.labels(after["status"]).inc()
        await self.host.emit(Emit(LOG, after["party"], "WebhookDelivery", delivery.log_record(after, now_ms, http_status, error)))

    # ---- attempts -------------------------------------------------------------------------------

    async def rebalanced(self, partitions: set[int]) -> None:
        """Partitions taken on: a delivery whose attempt was under way elsewhere waits a re-tick ahead in the due
        index, and is due now here (on a stopped clock that re-tick never comes). Should the old owner still answer,
        the older attempt's result is recorded as such (``delivery.attempted``); receivers dedupe by event id."""
        now_ms = ms(self.clock.now())
        for partition in sorted(partitions):
            left = [(did, at) for did, at in self.deadlines.index.due(partition, self.deadlines.looked_again_at(now_ms))
                    if at > now_ms and did not in self.sending]
            for did, at in left:   # moved once the index has been read, not while it is
                d = self.deliveries.get(did)
                if d is not None and d["status"] not in SETTLED and d["next_ms"] <= now_ms:
                    await self.deadlines.changed(partition, did, at, now_ms)

    async def on_due(self, partition: int, did: str, now) -> None:
        now_ms, d = ms(now), self.deliveries.get(did)
        if d is None or d["status"] in SETTLED:
            if d is not None and delivery.due_ms(d, self.policy) <= now_ms:
                await self.deliveries.put(did, None)   # kept long enough: forgotten
            return
        if d["next_ms"] > now_ms or not self.slot(did, d["subscription_id"]):
            return
        target = party.secret(self.parties.get(d["party"]), d["subscription_id"])
        if target is None:
            await self.change(partition, d, delivery.cancelled(d, now_ms), now_ms, None, "subscription deleted")
            return
        url, sealed = target
        try:
            sent = documents.opened(d, self.sealer.unseal_document)
        except PiiError:
            await self.change(partition, d, delivery.cancelled(d, now_ms), now_ms, None, "document cannot be opened")
            return
        self.sending[did] = (d["subscription_id"], time.monotonic(), d["attempts"] + 1)
        self.host.spawn(self.attempt(sent, url, self.sealer.unseal(sealed)["secret"].encode()))

    def slot(self, did: str, subscription_id: str) -> bool:
        """Whether ``did`` may be attempted now: not in flight, and a slot free (overall and for its subscription)."""
        real = time.monotonic()
        for stale in [k for k, (_, at, _) in self.sending.items() if real - at > self.stale_after]:
            del self.sending[stale]   # its result went to another instance after a rebalance
        if did in self.sending or len(self.sending) >= self.conf.concurrent_sends:
            return False
        return sum(1 for sid, _, _ in self.sending.values() if sid == subscription_id) < self.conf.per_subscription

    async def attempt(self, d: dict, url: str, secret: bytes) -> None:
        """One attempt, in the background; its result goes back to the party's agent as an intent."""
        n = d["attempts"] + 1
        try:
            status, error = await self.sender.post(url, secret, d, int(self.clock.now().timestamp()))
            self.attempts.labels(delivery.classify(status)).inc()
            await self.intent(d["party"], {"op": "result", "delivery_id": d["delivery_id"], "attempt": n,
                                           "http_status": status, "error": error, "at_ms": ms(self.clock.now())})
        except Exception:  # noqa: BLE001 - still due: the next tick attempts it again
            self.sending.pop(d["delivery_id"], None)
            log_.exception("webhooks: attempt %d of delivery %s failed before its result was recorded", n, d["delivery_id"])

    async def measure(self) -> None:
        """The oldest delivery not settled yet, among those due within the longest back-off (at most MEASURE_MOST)."""
        now_ms = ms(self.clock.now())
        oldest, seen = now_ms, 0
        for p in self.host.assigned(self.deadlines.topic):
            for did, _ in self.deadlines.index.due(p, now_ms + self.policy.longest_retry_ms):
                d, seen = self.deliveries.get(did), seen + 1
                if d is not None and d["status"] not in SETTLED:
                    oldest = min(oldest, d["since_ms"])
                if seen >= MEASURE_MOST:
                    break
        self.oldest.set(max(0, now_ms - oldest) / 1000)
