"""The outside world of a chaos run, played by the harness in lockstep with the stepped clock, and the
harness's own reading of the topics.

``CaseWorld`` is the simulator's world (``sim.runner.World``: mediators, courts, debtors, reviewers,
lenders) with two changes that make two runs comparable. Its seeded draws and record ids derive from
(seed, case, event type, how many of that type the case had before), not from the event id. Event
ids carry the offset of the input that caused them, and offsets depend on how producers interleave
on a partition, which differs from run to run. And it sends at most one action per case at a time
(``fire``), in a fixed order (time, topic, case), so the outside-world topics hold the same records at
the same offsets in both runs.

``Log`` reads every partition of the topics the consumer groups consume, from the beginning, as
they grow: its position is each partition's true end (Tansu reports a partition's end as the start
of its last batch), and it keeps the case log, the notice log, the rejections and the dead letters
decoded.
"""
from __future__ import annotations

import heapq
from collections import Counter
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from remedy.contract.codec import Codec
from remedy.contract.topics import load_registry
from remedy.kernel.clock import china_date
from remedy.runtime.publish import Publisher
from services.analytics.rows import TOPICS as SINK_TOPICS
from sim.runner import World
from sim.world import Action, WorldConfig, verdict

class CaseWorld(World):
    """``World`` whose draws follow the case, not the event id (see the module's doc)."""

    def __init__(self, seed: int, cfg: WorldConfig | None = None):
        super().__init__(seed, cfg or WorldConfig())
        self._ordinal: Counter = Counter()
        self._seen: set[str] = set()

    def observe(self, ev: dict, now: datetime) -> None:
        if ev["event_id"] in self._seen:       # a producer's repeat after a crash: the world knows it already
            self.counts["repeats"] += 1
            return
        self._seen.add(ev["event_id"])
        key = (ev["case_id"], ev["type"])
        stable = f"{ev['case_id']}/{ev['type']}/{self._ordinal[key]}"
        self._ordinal[key] += 1
        super().observe({**ev, "event_id": stable}, now)

    def fire(self, now: datetime) -> list[Action]:
        """The actions due at ``now``, at most one per case, in publishing order. A case's next action waits
        for the next round, once the platform has settled on this one: two answers about one case sent
        together (a mediator's settlement and the debtor's hardship claim) would race through two services,
        and which one wins would differ from run to run. Which of a case's due actions goes first, and the
        publishing order, follow ``order``: not the instant an action is planned for, which for a mediator's
        outcome depends on the session's slot in the day, itself on the order the desk saw requests in."""
        due: dict[str, list] = {}
        while self.agenda and self.agenda[0][0] <= now:
            item = heapq.heappop(self.agenda)
            due.setdefault(item[2].key, []).append(item)
        out = []
        for items in due.values():
            items.sort(key=lambda item: order(item[2]))
            while items:
                action = items.pop(0)[2]
                what = verdict(self.views.get(action.key), action)
                self.counts[f"sent:{action.topic}" if what == "send" else "parked" if what == "park" else "dropped"] += 1
                if what == "park":
                    self.parked.setdefault(action.key, []).append(action)
                if what == "send":
                    out.append(action)
                    break
            for item in items:
                heapq.heappush(self.agenda, item)
        return sorted(out, key=order)


RECORD_IDS = ("outcome_id", "decision_id", "payment_id", "request_id", "update_id")


def order(action: Action) -> tuple:
    """A run-invariant order of actions: the day they are planned for (China time), topic, case, record id."""
    rid = next((str(action.record[k]) for k in RECORD_IDS if k in action.record), "")
    return china_date(action.at), action.topic, action.key, rid


def publish(publisher: Publisher, actions: list[Action]) -> int:
    for action in actions:
        publisher.send(action.topic, action.key, action.schema, action.record)
    publisher.flush()
    return len(actions)


def consumer_groups(registry=None) -> dict[str, list[str]]:
    """Consumer group → the topics it consumes (changelogs are read only at recovery; the gateway reads
    without a group; analytics' sink reads its three topics)."""
    registry = load_registry() if registry is None else registry
    groups: dict[str, list[str]] = {"analytics": sorted(SINK_TOPICS)}
    for name, topic in registry.items():
        if name.endswith("-changelog"):
            continue
        for consumer in topic.consumers:
            if consumer not in ("analytics", "gateway", "operators"):
                groups.setdefault(consumer, []).append(name)
    return groups


class Log:
    """The harness's reader of every partition it watches; ``read()`` takes what is new."""

    def __init__(self, bootstrap: str, codec: Codec, registry=None):
        registry = load_registry() if registry is None else registry
        self.codec = codec
        watched = {t for topics in consumer_groups(registry).values() for t in topics}
        watched |= {name for name in registry if name.endswith(".dlq")}
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                                      auto_offset_reset="earliest", max_poll_records=20_000, client_id="chaos-log")
        self.partitions = [TopicPartition(t, p) for t in sorted(watched) for p in range(registry[t].partitions)]
        self.consumer.assign(self.partitions)
        self.consumer.seek_to_beginning(*self.partitions)
        self.ends: dict[TopicPartition, int] = {tp: 0 for tp in self.partitions}
        self.events: list[dict] = []
        self.fresh: list[dict] = []          # case events not yet shown to the world
        self.notices: list[dict] = []
        self.dead: list[dict] = []
        self.rejected: list[dict] = []
        self.counts: Counter = Counter()

    def read(self, timeout_ms: int = 50) -> int:
        """Everything written since the last read (until a poll comes back empty); returns how many records."""
        total = 0
        while True:
            batch = self.consumer.poll(timeout_ms=timeout_ms)
            got = sum(len(records) for records in batch.values())
            if not got:
                return total
            total += got
            for tp, records in batch.items():
                self.ends[tp] = records[-1].offset + 1
                self.counts[tp.topic] += len(records)
                for record in records:
                    self._keep(tp.topic, record)

    def _keep(self, topic: str, record) -> None:
        if topic == "case.events":
            ev = self.codec.decode(record.value)[1]
            self.events.append(ev)
            self.fresh.append(ev)
        elif topic == "notice.log":
            self.notices.append(self.codec.decode(record.value)[1])
        elif topic == "loan.defaults.rejected":
            self.rejected.append(self.codec.decode(record.value)[1])
        elif topic.endswith(".dlq"):
            self.dead.append(self.codec.decode(record.value)[1])

    def take_fresh(self) -> list[dict]:
        fresh, self.fresh = self.fresh, []
        return fresh

    def close(self) -> None:
        self.consumer.close()
