"""Following a small topic whole on every instance: every partition, from its beginning, no consumer group.

A stage keeps a view that every instance needs in full, whatever partitions it owns (webhooks: which parties
subscribe to what), by handing each record of the topic to a function. ``caught_up()`` returns once the records
the topic held when the follower started have been handed over, so an instance acts on the view only once it is
as complete as the topic was: a restarted worker reads the topic again from its beginning. Such a topic must
stay small (it grows with parties or settings, never with cases) and keep its records as long as they count.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from remedy.kernel.stage import Input
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.patches.highwater import last_offsets_after

log = logging.getLogger("remedy")
RETRY_SECONDS = 5.0


class Follower:
    def __init__(self, topic: str, handle: Callable[[Input], None], bootstrap: str, metrics: ServiceMetrics,
                 client_id: str, security: dict | None = None):
        self.topic, self.handle, self.bootstrap, self.metrics = topic, handle, bootstrap, metrics
        self.client_id, self.security = client_id, security or {}
        self._caught_up = asyncio.Event()

    async def caught_up(self) -> None:
        await self._caught_up.wait()

    async def run(self) -> None:
        """Read for ever; a broker that cannot be reached is tried again, from the beginning of the topic."""
        while True:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                        enable_auto_commit=False, auto_offset_reset="earliest",
                                        client_id=self.client_id, **self.security)
            try:
                await consumer.start()
                await self._read(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a broker out of reach, a topic missing: tried again, never fatal
                log.warning("%s: following %s failed (%s: %s); again in %.0f s", self.client_id, self.topic,
                            type(exc).__name__, exc, RETRY_SECONDS)
            finally:
                await consumer.stop()
            await asyncio.sleep(RETRY_SECONDS)

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        await consumer.topics()   # the cluster's metadata, so that the topic's partitions are known
        numbers = consumer.partitions_for_topic(self.topic)
        if not numbers:
            raise KafkaError(f"topic {self.topic} does not exist: run `remedy topics`")
        partitions = [TopicPartition(self.topic, p) for p in sorted(numbers)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        reported = await consumer.end_offsets(partitions)   # Tansu's stop short of its last batch: checked, as faust's are
        ends = await asyncio.to_thread(last_offsets_after, self.bootstrap.split(","), reported)
        while True:
            if not self._caught_up.is_set() and all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                self._caught_up.set()
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            for records in batches.values():
                for m in records:
                    self.apply(Input(m.topic, m.partition, m.offset, m.key, m.value, m.headers or ()))

    def apply(self, record: Input) -> None:
        try:
            self.handle(record)
        except Exception as exc:  # noqa: BLE001 - counted and logged; the stage's own agent dead-letters it
            self.metrics.rejected.labels("FOLLOWED_RECORD_UNREADABLE").inc()
            log.warning("%s: %s[%d]@%d could not be applied: %s: %s", self.client_id, record.topic, record.partition,
                        record.offset, type(exc).__name__, exc)
