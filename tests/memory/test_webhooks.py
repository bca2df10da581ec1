"""webhooks' own wiring on the in-process bus, with a receiver double: each party gets the events of its own
cases only, once per subscription however often they are redelivered; a receiver that fails is retried on the
back-off schedule until it answers, a 400 is not retried, a replay sends the same event again."""
from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.kernel.pii import ContactSealer
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import STAGES, MemoryFunnel
from remedy.runtime.memory import MemoryBus, MemoryHost, MemoryRunner
from services.webhooks import signing
from services.webhooks.settings import WebhooksSettings
from services.webhooks.worker import wire
from tests.gateway_helpers import event
from tests.memory.world import Script, World as Lender, tier

NOW = parse_instant("2026-12-01T02:00:00+00:00")
SETTINGS = Settings.from_env({})
CONF = WebhooksSettings(first_retry_seconds=30, longest_retry_seconds=3600, give_up_hours=24, retick_seconds=0)


class Receiver:
    """Answers each URL from a script (a status, or None for a refused connection), then 200; keeps what it got."""

    def __init__(self, script: dict[str, list[int | None]] | None = None):
        self.script, self.got = script or {}, []

    async def post(self, url: str, secret: bytes, d: dict, now_s: int) -> tuple[int | None, str]:
        body = d["body"].encode()
        signing.verify(signing.header(secret, now_s, body), secret, body, now_s)
        self.got.append((url, d["event_id"], d["delivery_id"]))
        queue = self.script.get(url) or []
        status = queue.pop(0) if queue else 200
        return status, "" if status and status < 300 else f"HTTP {status}"


class World:
    """webhooks on an in-process bus; ``after``: a world whose bus, clock, tables and input positions a new instance
    takes on (the one before it was killed)."""

    def __init__(self, receiver: Receiver, conf: WebhooksSettings = CONF, after: "World | None" = None):
        self.clock, self.codec, self.bus = FrozenClock(NOW), Codec(SCHEMAS_DIR), MemoryBus()
        if after is not None:
            self.clock, self.bus = after.clock, after.bus
        self.host = MemoryHost(self.bus, "webhooks", self.codec, self.clock)
        if after is not None:
            self.host.tables = after.host.tables
        self.hooks = wire(self.host, SETTINGS, conf, receiver)
        if after is not None:
            for mine, theirs in zip(self.host.agents, after.host.agents):
                mine.positions = list(theirs.committed)
        self.runner = MemoryRunner(self.bus, [self.host])
        self.sealer = ContactSealer(SETTINGS.pii_key)

    def subscribe(self, kind: str, pid: str, sid: str, url: str, types=(), status: str = "ACTIVE") -> None:
        record = {"subscription_id": sid, "party_kind": kind, "party_id": pid, "status": status, "url": url,
                  "event_types": list(types), "changed_at": self.clock.now(),
                  "sealed_secret": self.sealer.seal({"secret": f"secret-{sid}"}) if status == "ACTIVE" else None}
        self.bus.produce("webhooks.subscriptions", f"{kind}:{pid}".encode(), self.codec.encode("WebhookSubscription", record))

    def publish(self, type_: str, body: dict, case_id: str, lender: str) -> dict:
        e = event(type_, body, case_id, lender, self.clock.now(), cause=f"{type_}-{case_id}")
        self.bus.produce("case.events", case_id.encode(), self.codec.encode("CaseEvent", e))
        return e

    def log(self) -> list[dict]:
        return [self.codec.decode(r.value, expect="WebhookDelivery")[1] for r in self.bus.records("webhooks.log")]

    async def later(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)
        await self.runner.tick()


HELD = {"reason": "OBJECTION", "objection_id": None, "stage": "PEOPLES_MEDIATION", "owner": ""}
CLOSED = {"reason": "PAID_OFF", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 100}


def triaged(court: str, centre: str) -> dict:
    return {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "rule_hash": "", "reason_codes": [], "score": 500,
            "mediation_centre": centre, "court": court, "cross_region": False}


async def test_each_party_gets_its_own_cases_events_once():
    receiver = Receiver()
    w = World(receiver)
    w.subscribe("LENDER", "LENDER-A", "whs_a", "https://a.example/h")
    w.subscribe("LENDER", "LENDER-B", "whs_b", "https://b.example/h")
    w.subscribe("COURT", "CT-1", "whs_c", "https://court.example/h", types=["CaseTriaged", "CaseClosed"])
    w.subscribe("MEDIATION_CENTRE", "MC-1", "whs_m", "https://centre.example/h")
    await w.runner.settle()
    a1 = w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    t1 = w.publish("CaseTriaged", triaged("CT-1", "MC-1"), "C-A1", "LENDER-A")
    b1 = w.publish("CaseTriaged", triaged("CT-2", "MC-2"), "C-B1", "LENDER-B")
    c1 = w.publish("CaseClosed", CLOSED, "C-A1", "LENDER-A")
    await w.runner.settle()
    by_url = {}
    for url, event_id, _ in receiver.got:
        by_url.setdefault(url, []).append(event_id)
    assert sorted(by_url["https://a.example/h"]) == sorted([a1["event_id"], t1["event_id"], c1["event_id"]])
    assert by_url["https://b.example/h"] == [b1["event_id"]]
    assert sorted(by_url["https://court.example/h"]) == sorted([t1["event_id"], c1["event_id"]])
    assert sorted(by_url["https://centre.example/h"]) == sorted([t1["event_id"], c1["event_id"]])
    assert {r["status"] for r in w.log()} == {"PENDING", "DELIVERED"}

    w.host.rewind()                      # a worker whose commits were lost reads everything again
    await w.runner.settle()
    assert len(receiver.got) == 9, "redelivered events and subscriptions record no second delivery"


async def test_retries_follow_the_back_off_then_rejected_and_replayed():
    receiver = Receiver({"https://down.example/h": [None, 503, 429], "https://strict.example/h": [400]})
    w = World(receiver)
    w.subscribe("LENDER", "LENDER-A", "whs_down", "https://down.example/h")
    w.subscribe("LENDER", "LENDER-B", "whs_strict", "https://strict.example/h")
    await w.runner.settle()
    e = w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    w.publish("CaseHeld", HELD, "C-B1", "LENDER-B")
    await w.runner.settle()
    assert len(receiver.got) == 2
    waits = []
    for _ in range(40):
        await w.later(5)
        if len(receiver.got) > len(waits) + 2:
            waits.append(w.clock.now())
        if len(waits) == 3:
            break
    gaps = [(b - a).total_seconds() for a, b in zip([NOW, *waits], waits)]
    assert 15 <= gaps[0] <= 35 and 30 <= gaps[1] <= 65 and 60 <= gaps[2] <= 125, gaps   # 30 s doubling, jittered
    final = {r["delivery_id"]: r for r in w.log()}
    statuses = sorted(r["status"] for r in final.values())
    assert statuses == ["DELIVERED", "REJECTED"], statuses
    down = [ev for url, ev, _ in receiver.got if url == "https://down.example/h"]
    assert down == [e["event_id"]] * 4, "three failures, then delivered: the same event id each time"

    await w.later(3600)
    assert len(receiver.got) == 6 - 1, "REJECTED is never retried"
    rejected = next(r for r in final.values() if r["status"] == "REJECTED")
    w.bus.produce("webhooks.replays", b"LENDER:LENDER-B", w.codec.encode("WebhookReplay", {
        "replay_id": "whr_1", "delivery_id": rejected["delivery_id"], "party_kind": "LENDER", "party_id": "LENDER-B",
        "requested_at": w.clock.now()}))
    await w.runner.settle()
    assert receiver.got[-1][2] == rejected["delivery_id"]
    assert w.log()[-1]["status"] == "DELIVERED"


async def test_a_delivery_that_never_succeeds_fails_after_the_give_up_window():
    receiver = Receiver({"https://dead.example/h": [503] * 100})
    w = World(receiver)
    w.subscribe("LENDER", "LENDER-A", "whs_dead", "https://dead.example/h")
    await w.runner.settle()
    w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    await w.runner.settle()
    for _ in range(30):
        await w.later(3600)
    assert w.log()[-1]["status"] == "FAILED"
    assert 24 <= len(receiver.got) <= 40, len(receiver.got)


class Crashing(Receiver):
    """Its first call dies mid-send (as a worker killed between sending and recording the answer would)."""

    def __init__(self):
        super().__init__()
        self.crashed = False

    async def post(self, url, secret, d, now_s):
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("killed mid-send")
        return await super().post(url, secret, d, now_s)


async def test_a_send_that_dies_leaves_the_delivery_recorded_and_due_and_it_is_sent_again():
    receiver = Crashing()
    w = World(receiver)
    w.subscribe("LENDER", "LENDER-A", "whs_a", "https://a.example/h")
    await w.runner.settle()
    e = w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    await w.runner.settle()
    assert receiver.crashed and receiver.got == [] and [r["status"] for r in w.log()] == ["PENDING"]
    await w.later(1)
    assert [ev for _, ev, _ in receiver.got] == [e["event_id"]] and w.log()[-1]["status"] == "DELIVERED"


def test_a_slow_receiver_holds_only_its_own_slots():
    w = World(Receiver())
    w.hooks.sending = {f"WD{n}": ("whs_slow", 1e12, 1) for n in range(CONF.per_subscription)}
    assert not w.hooks.slot("WDnext", "whs_slow"), "the slow subscription has all its slots"
    assert w.hooks.slot("WDother", "whs_fast"), "another subscription still gets one"
    w.hooks.sending = {f"WD{n}": (f"whs_{n}", 1e12, 1) for n in range(CONF.concurrent_sends)}
    assert not w.hooks.slot("WDother", "whs_fast"), "no more than concurrent_sends in flight"
    w.hooks.sending = {"WD0": ("whs_slow", -1e12, 1)}
    assert w.hooks.slot("WD0", "whs_slow") and w.hooks.sending == {}, "an attempt whose answer went elsewhere is let go"


async def test_an_older_attempts_result_redelivered_leaves_the_attempt_in_flight_alone():
    """After a restart the party's agent reads again results it had applied; the attempt in flight stays in
    flight until its own result comes (otherwise the next tick would send the event a second time at once)."""
    w = World(Receiver({"https://a.example/h": [503]}))
    w.subscribe("LENDER", "LENDER-A", "whs_a", "https://a.example/h")
    await w.runner.settle()
    w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    await w.runner.settle()
    did = w.log()[-1]["delivery_id"]
    assert w.log()[-1]["status"] == "RETRYING" and w.log()[-1]["attempt"] == 1
    w.hooks.sending[did] = ("whs_a", time.monotonic(), 2)

    def result(attempt: int, status: int) -> None:
        w.bus.produce("webhooks.intents", b"LENDER:LENDER-A", json.dumps({
            "op": "result", "delivery_id": did, "attempt": attempt, "http_status": status, "error": "",
            "at_ms": int(w.clock.now().timestamp() * 1000)}).encode())

    result(1, 503)
    await w.runner.settle()
    assert did in w.hooks.sending, "an older attempt's result does not free the attempt in flight"
    result(2, 200)
    await w.runner.settle()
    assert did not in w.hooks.sending and w.log()[-1]["status"] == "DELIVERED"


async def test_on_the_whole_funnel_each_party_gets_the_events_of_its_own_cases_once():
    """intake, triage, mediation, … and webhooks on one bus: two lenders, the court and the mediation centre
    triage picks. Each lender gets every event of its own cases; the court and the centre every event of the
    cases before them from triage on; nobody gets an event twice or another party's."""
    receiver, clock = Receiver(), FrozenClock(NOW)
    funnel = MemoryFunnel(clock, services=(*STAGES, "webhooks"), settings=SETTINGS,
                          wiring={"webhooks": lambda host: wire(host, SETTINGS, CONF, receiver)})
    sealer = ContactSealer(SETTINGS.pii_key)
    parties = {"LENDER:LENDER-MEM-W1": "https://w1.example/h", "LENDER:LENDER-MEM-W2": "https://w2.example/h",
               "COURT:CT-350502": "https://court.example/h", "MEDIATION_CENTRE:MC-350502": "https://centre.example/h"}
    for n, (key, url) in enumerate(parties.items()):
        kind, pid = key.split(":")
        funnel.publish("webhooks.subscriptions", key, "WebhookSubscription", {
            "subscription_id": f"whs_{n}", "party_kind": kind, "party_id": pid, "status": "ACTIVE", "url": url,
            "event_types": [], "sealed_secret": sealer.seal({"secret": "s"}), "changed_at": clock.now()})
    await funnel.settle()
    w1, w2 = Lender(funnel, "LENDER-MEM-W1"), Lender(funnel, "LENDER-MEM-W2")
    w1.open_cases([Script(f"w1-{n}", [("SessionScheduled", tier("PEOPLES"), w1.end_tier(), 1)]) for n in range(3)], seed=5)
    w2.open_cases([Script("w2-0", [])], seed=6)
    await w1.run(40)

    want: dict[str, set] = {url: set() for url in parties.values()}
    for case_events in funnel.by_case.values():
        lender_url = parties[f"LENDER:{case_events[0]['lender_id']}"]
        court = centre = None
        for e in case_events:
            if e["type"] in ("CaseTriaged", "LitigationFiled"):
                court = e["event"]["court"]
                centre = e["event"].get("mediation_centre", centre)
            want[lender_url].add(e["event_id"])
            for key in (f"COURT:{court}", f"MEDIATION_CENTRE:{centre}"):
                if key in parties:
                    want[parties[key]].add(e["event_id"])
    got = Counter((url, event_id) for url, event_id, _ in receiver.got)
    assert set(got.values()) == {1}, "every event once per subscription"
    for url, events in want.items():
        assert {ev for u, ev in got if u == url} == events, url
    assert all(want.values()), "every party had something to receive"


async def test_an_attempt_an_instance_died_making_is_made_by_the_next_one_on_a_stopped_clock():
    """Killed before its attempt reached the receiver: the next instance (the tables as the changelogs restore
    them, the inputs from the last commit) makes it at once, though the clock never moves."""
    receiver, conf = Receiver(), dataclasses.replace(CONF, retick_seconds=2)
    first = World(receiver, conf)
    started = []
    first.host.spawn = started.append
    first.subscribe("LENDER", "LENDER-A", "whs_a", "https://a.example/h")
    await first.runner.settle()
    e = first.publish("CaseHeld", HELD, "C-A1", "LENDER-A")
    await first.runner.settle()
    assert len(started) == 1 and receiver.got == []

    try:
        second = World(receiver, conf, after=first)
        await second.runner.settle()
    finally:
        for attempt in started:
            attempt.close()
    assert [ev for _, ev, _ in receiver.got] == [e["event_id"]], "the attempt was never made again"
    assert second.log()[-1]["status"] == "DELIVERED"


async def test_a_party_without_a_subscription_gets_no_intent_and_one_that_subscribes_gets_the_later_events():
    receiver = Receiver()
    w = World(receiver)
    w.subscribe("LENDER", "LENDER-A", "whs_a", "https://a.example/h", types=["CaseClosed"])
    await w.runner.settle()
    w.publish("CaseHeld", HELD, "C-A1", "LENDER-A")           # the lender wants CaseClosed only
    w.publish("CaseTriaged", triaged("CT-1", "MC-1"), "C-A1", "LENDER-A")   # court and centre: no subscription
    await w.runner.settle()
    assert w.bus.records("webhooks.intents")[1:] == [], "only the subscription's own intent: no event was routed"
    w.subscribe("COURT", "CT-1", "whs_c", "https://court.example/h")
    await w.runner.settle()
    closed = w.publish("CaseClosed", CLOSED, "C-A1", "LENDER-A")
    await w.runner.settle()
    assert sorted(url for url, event_id, _ in receiver.got if event_id == closed["event_id"]) == \
        ["https://a.example/h", "https://court.example/h"]
    assert w.host.metrics.registry.get_sample_value("remedy_webhooks_subscribing_parties") == 2


async def test_a_new_instance_routes_to_the_subscriptions_made_before_it_started():
    receiver = Receiver()
    first = World(receiver)
    first.subscribe("COURT", "CT-1", "whs_c", "https://court.example/h")
    await first.runner.settle()
    second = World(receiver, after=first)   # the first was killed; this one reads webhooks.subscriptions from the start
    t = second.publish("CaseTriaged", triaged("CT-1", "MC-1"), "C-A1", "LENDER-A")
    await second.runner.settle()
    assert [event_id for url, event_id, _ in receiver.got] == [t["event_id"]]


async def test_a_court_that_subscribes_later_gets_the_events_of_the_cases_it_was_named_in_before():
    receiver = Receiver()
    w = World(receiver)
    w.publish("CaseTriaged", triaged("CT-1", "MC-1"), "C-A1", "LENDER-A")   # nobody subscribes yet: nothing is sent
    await w.runner.settle()
    w.subscribe("COURT", "CT-1", "whs_c", "https://court.example/h")
    await w.runner.settle()
    closed = w.publish("CaseClosed", CLOSED, "C-A1", "LENDER-A")
    await w.runner.settle()
    assert [(url, event_id) for url, event_id, _ in receiver.got] == [("https://court.example/h", closed["event_id"])]
