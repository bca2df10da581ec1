"""The Kafka side of shared_guards.py: sends what this instance counted to ``gateway.guards`` and applies what the
other instances counted. No consumer group: every instance reads every partition. A starting instance reads from
the longest window back (by the records' broker time; from the beginning when the clock does not run at real
rate), so it knows the lockouts, codes and signatures still in force before it says it is ready."""
from __future__ import annotations

import asyncio
import json
import logging
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from remedy.kernel.clock import Clock, clock_rate
from remedy.runtime.metrics import ServiceMetrics
from services.gateway.shared_guards import TOPIC, GuardRecordError, SharedGuards

log = logging.getLogger("remedy.gateway")


class GuardFeed:
    def __init__(self, bootstrap: str, shared: SharedGuards, producer, clock: Clock, metrics: ServiceMetrics,
                 lookback_s: float, security: dict | None = None):
        self.bootstrap, self.shared, self.producer, self.clock, self.metrics = bootstrap, shared, producer, clock, metrics
        self.lookback_s, self.security = lookback_s, security or {}
        self.consumer: AIOKafkaConsumer | None = None
        self.ends: dict[TopicPartition, int] = {}
        self.caught_up = False
        self.pending = asyncio.Event()
        shared.wake = self.pending.set
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                         enable_auto_commit=False, auto_offset_reset="earliest",
                                         client_id="remedy-gateway-guards", **self.security)
        await self.consumer.start()
        await self.consumer.topics()   # the cluster's metadata, so that the topic's partitions are known
        found = self.consumer.partitions_for_topic(TOPIC)
        if not found:
            raise RuntimeError(f"topic {TOPIC} does not exist: run `remedy topics`")
        partitions = [TopicPartition(TOPIC, p) for p in sorted(found)]
        self.consumer.assign(partitions)
        self.ends = await self.consumer.end_offsets(partitions)
        await self._seek_back(partitions)
        self.caught_up = all(end == 0 for end in self.ends.values())
        self.tasks = [asyncio.create_task(self.read()), asyncio.create_task(self.send())]

    async def _seek_back(self, partitions: list[TopicPartition]) -> None:
        """From the records of the last ``lookback_s`` of clock time (real seconds at the clock's rate)."""
        rate = clock_rate(self.clock)
        if rate <= 0:
            return await self.consumer.seek_to_beginning(*partitions)
        since_ms = int((time.time() - self.lookback_s / rate) * 1000)
        try:
            found = await self.consumer.offsets_for_times({tp: max(0, since_ms) for tp in partitions})
        except (KafkaError, ValueError) as exc:   # a broker that cannot answer by time: read everything kept
            log.info("%s: no offsets by time (%s): reading from the beginning", TOPIC, type(exc).__name__)
            return await self.consumer.seek_to_beginning(*partitions)
        for tp in partitions:
            at = found.get(tp)
            self.consumer.seek(tp, at.offset if at is not None else self.ends[tp])

    async def read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=2000)
            for records in batches.values():
                for msg in records:
                    self.apply(msg.value)
            if not self.caught_up:   # at the ends seen at start, or nothing more to read (Tansu's ends can be past the last)
                self.caught_up = not batches or all([await self.consumer.position(tp) >= end for tp, end in self.ends.items()])

    def apply(self, value: bytes | None) -> None:
        try:
            if self.shared.apply(json.loads(value or b"null") or {}):
                self.metrics.consumed.labels(TOPIC).inc()
        except (GuardRecordError, ValueError, AttributeError) as exc:   # counted and logged, never a crash
            self.metrics.rejected.labels("GUARD_RECORD_UNREADABLE").inc()
            log.warning("%s: a record could not be applied: %s", TOPIC, exc)

    async def send(self) -> None:
        while True:
            await self.pending.wait()
            self.pending.clear()
            for record in self.shared.take():
                try:
                    await self.producer.send(TOPIC, key=record["key"].encode(), value=json.dumps(record).encode())
                except KafkaError as exc:   # this instance still counts it; the others miss this one event
                    self.metrics.send_failed.inc()
                    log.warning("%s: could not send a %s record: %s", TOPIC, record["kind"], type(exc).__name__)
                    continue
                self.metrics.emitted.labels(TOPIC, "guard").inc()

    def state(self) -> tuple[bool, str]:
        """(still running, why a task stopped)."""
        for task in self.tasks:
            if task.done():
                error = None if task.cancelled() else task.exception()
                return False, f"{TOPIC}: " + (f"{type(error).__name__}: {error}" if error else "stopped")
        return True, ""

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.consumer is not None:
            await self.consumer.stop()
