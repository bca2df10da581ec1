"""The simulator's wiring: case.events → ``sim.world`` → outside-world records on their topics.

Reads every CaseEvent (its own consumer group; from the beginning at start, so its knowledge of
each case is rebuilt after a restart), keeps per-case knowledge, and schedules the world's actions
on the shared injectable clock. Delays are simulated time: with a scaled clock a month passes in
seconds, and the runner waits (in real time) only as long as the next action needs. An action is
sent when due unless the case moved on meanwhile (dropped) or is on hold (parked until released).
Record ids derive from event ids and the seed, so a replay publishes the same records again and
the services drop them as duplicates.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import Counter
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from remedy.kernel.clock import Clock, clock_rate, replace_file
from remedy.contract.codec import Codec, CodecError
from sim.world import Action, CaseView, WorldConfig, on_event, resume, rng_for, verdict

log = logging.getLogger("remedy.sim")
READY = "Worker ready: simulator playing the outside world"


class World:
    """Knowledge of every case and the agenda of actions. No I/O: the loop below feeds it."""

    def __init__(self, seed: int, cfg: WorldConfig):
        self.seed, self.cfg = seed, cfg
        self.views: dict[str, CaseView] = {}
        self.agenda: list[tuple[datetime, int, Action]] = []
        self.parked: dict[str, list[Action]] = {}
        self.counts: Counter = Counter()
        self._seq = itertools.count()

    def observe(self, ev: dict, now: datetime) -> None:
        view, actions = on_event(self.views.get(ev["case_id"]), ev, rng_for(self.seed, ev["event_id"]), self.cfg)
        self.views[ev["case_id"]] = view
        self.counts["events"] += 1
        for action in actions:
            self.schedule(action)
        if ev["type"] == "CaseReleased" and ev["case_id"] in self.parked:
            for action in resume(self.parked.pop(ev["case_id"]), ev["event"]["held_ms"], now):
                self.schedule(action)
        if ev["type"] == "CaseClosed":
            self.parked.pop(ev["case_id"], None)

    def schedule(self, action: Action) -> None:
        heapq.heappush(self.agenda, (action.at, next(self._seq), action))

    def next_at(self) -> datetime | None:
        return self.agenda[0][0] if self.agenda else None

    def due(self, now: datetime) -> list[Action]:
        """Pop every action due at ``now``; returns those to send, parks or drops the rest."""
        out = []
        while self.agenda and self.agenda[0][0] <= now:
            _, _, action = heapq.heappop(self.agenda)
            what = verdict(self.views.get(action.key), action)
            if what == "send":
                out.append(action)
                self.counts[f"sent:{action.topic}"] += 1
            elif what == "park":
                self.parked.setdefault(action.key, []).append(action)
                self.counts["parked"] += 1
            else:
                self.counts["dropped"] += 1
        return out


class Runner:
    def __init__(self, bootstrap: str, codec: Codec, clock: Clock, world: World, publisher,
                 group: str = "remedy-sim", commit_seconds: float = 5.0, lag_file: str | None = None):
        self.bootstrap, self.codec, self.clock, self.world = bootstrap, codec, clock, world
        self.publisher, self.group, self.commit_seconds = publisher, group, commit_seconds
        self.lag_file = lag_file   # where the simulator reports its own lag (records not yet read) to a pacer
        self._reported_lag: int | None = None
        self.stopping = threading.Event()
        self.caught_up = threading.Event()

    def _consumer(self) -> KafkaConsumer:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=self.group,
                                 enable_auto_commit=False, auto_offset_reset="earliest", client_id="remedy-sim")
        deadline = time.monotonic() + 60
        while not (partitions := consumer.partitions_for_topic("case.events")):
            if time.monotonic() > deadline:
                raise RuntimeError("topic case.events not found; provision topics first (remedy topics)")
            time.sleep(0.5)
        tps = [TopicPartition("case.events", p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        return consumer

    def _wait_ms(self) -> int:
        """How long to poll: until the next action falls due in real time, at most half a second."""
        at, scale = self.world.next_at(), clock_rate(self.clock)
        if at is None or scale <= 0 or not self.caught_up.is_set():
            return 500
        real = (at - self.clock.now()).total_seconds() / scale
        return int(min(max(real, 0.0), 0.5) * 1000)

    def run(self) -> None:
        consumer = self._consumer()
        ends = consumer.end_offsets(list(consumer.assignment()))
        last_report, last_commit = time.monotonic(), time.monotonic()
        try:
            while not self.stopping.is_set():
                batch = consumer.poll(timeout_ms=self._wait_ms(), max_records=2000)
                now = self.clock.now()
                for records in batch.values():
                    for record in records:
                        self._observe(record, now)
                if not self.caught_up.is_set() and not batch and all(
                        consumer.position(tp) >= end for tp, end in ends.items()):
                    self.caught_up.set()
                    print(READY, flush=True)
                if self.caught_up.is_set():
                    self._fire(self.clock.now())
                if self.lag_file:
                    self._report_lag(consumer)
                if time.monotonic() - last_commit > self.commit_seconds:
                    consumer.commit()
                    last_commit = time.monotonic()
                if time.monotonic() - last_report > 10:
                    log.info("sim: %s; %d actions waiting", dict(self.world.counts), len(self.world.agenda))
                    last_report = time.monotonic()
        finally:
            self.publisher.flush()
            consumer.close()

    def _report_lag(self, consumer) -> None:
        waiting = sum(max(0, (consumer.highwater(tp) or 0) - consumer.position(tp)) for tp in consumer.assignment())
        if waiting != self._reported_lag:   # the loop runs many times a second; the file changes far less
            replace_file(self.lag_file, str(waiting))
            self._reported_lag = waiting

    def _observe(self, record, now: datetime) -> None:
        try:
            name, ev = self.codec.decode(record.value)
        except CodecError as exc:
            self.world.counts["undecodable"] += 1
            log.warning("sim: skipped undecodable record %s/%s/%s: %s", record.topic, record.partition,
                        record.offset, type(exc).__name__)
            return
        if name == "CaseEvent":
            self.world.observe(ev, now)

    def _fire(self, now: datetime) -> None:
        actions = self.world.due(now)
        for action in actions:
            self.publisher.send(action.topic, action.key, action.schema, action.record)
        if actions:
            self.publisher.flush()
