"""The sink: case.events, notice.log, loan.defaults.rejected → ClickHouse, batched, at least once.

Why aiokafka and not a faust agent: faust hands records to an agent one at a time, through its
stream machinery and per-event acking, which costs ~200 µs an event here (~5k events/s) — four
times short of the 20k events/s the sink must sustain on one core. The sink gains nothing from
faust (no tables, no timers, no emits per event), so it uses aiokafka directly: ``getmany`` hands
over thousands of records per partition at once, they are decoded in one loop (``decoding.py``),
mapped to column buffers (``rows.py``) and inserted in one column-oriented insert per table.

Offsets are committed only after the insert that holds their rows succeeded. A crash between the
insert and the commit redelivers those records; that is harmless because the tables are
ReplacingMergeTree keyed by what the record says (see ``deploy/clickhouse/001_tables.sql``) and every
view reads them FINAL. A record that cannot be decoded goes to ``analytics.dlq`` with the reason,
and its offset is committed with the batch, never silently skipped.
"""
from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from remedy.kernel.clock import Clock
from remedy.contract.codec import Codec
from remedy.runtime.deadletter import dead_letter
from remedy.kernel.settings import Settings
from services.analytics.settings import AnalyticsSettings
from services.analytics.decoding import BatchDecoder
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.rows import TOPICS, Columns
from services.analytics.store import Store

log = logging.getLogger("remedy.analytics")
SERVICE = "analytics"
DLQ = "analytics.dlq"


class _FlushOnRevoke(ConsumerRebalanceListener):
    def __init__(self, sink: "Sink"):
        self.sink = sink

    async def on_partitions_revoked(self, revoked):
        await self.sink.flush()

    async def on_partitions_assigned(self, assigned):
        for tp in assigned:  # lag counts from what the group committed before, in this run or an earlier one
            committed = await self.sink.consumer.committed(tp)
            if committed is not None:
                self.sink.committed[tp] = committed


class Sink:
    def __init__(self, settings: Settings, analytics: AnalyticsSettings, store: Store, codec: Codec, clock: Clock,
                 metrics: AnalyticsMetrics, group_id: str = SERVICE):
        self.settings, self.store, self.codec, self.clock, self.metrics = settings, store, codec, clock, metrics
        self.analytics = analytics
        self.group_id = group_id
        self.decoder = BatchDecoder(codec, tuple(schema for schema, *_ in TOPICS.values()))
        self.buffers = {topic: Columns(names) for topic, (_, _, names, _) in TOPICS.items()}
        self.offsets: dict[TopicPartition, int] = {}      # next offset to commit, per partition
        self.committed: dict[TopicPartition, int] = {}
        self.dead: list[dict] = []
        self.first_buffered: float | None = None
        self.newest_ms = 0
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._inflight: asyncio.Task | None = None

    async def start(self) -> None:
        bootstrap = self.settings.kafka_bootstrap.split(",")
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=self.group_id, client_id=SERVICE, enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
            rebalance_timeout_ms=10_000, max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024)
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id=f"{SERVICE}-dlq", linger_ms=5, acks="all")
        await self.producer.start()
        await self.consumer.start()
        self.consumer.subscribe(list(TOPICS), listener=_FlushOnRevoke(self))

    # -- the loop --

    async def run(self) -> None:
        while not self._stopping.is_set():
            batches = await self.consumer.getmany(timeout_ms=200, max_records=20_000)
            self.add(batches)
            self.observe_lag()
            if self.due():
                await self.flush(wait=False)

    def add(self, batches: dict) -> int:
        """Decode and buffer fetched records. Returns the number of records taken."""
        taken = 0
        for tp, messages in batches.items():
            if not messages:
                continue
            schema, _, _, mapper = TOPICS[tp.topic]
            append = self.buffers[tp.topic].append
            newest = self.newest_ms
            for i, rec, exc in self.decoder.each([m.value for m in messages], schema):
                msg = messages[i]
                if exc is None:
                    row = mapper(rec, msg.partition, msg.offset)
                    append(row)
                    if row.get("occurred_at", 0) > newest:
                        newest = row["occurred_at"]
                else:
                    self.dead.append(dead_letter(SERVICE, msg.topic, msg.partition, msg.offset, msg.key, msg.value,
                                                 exc, self.clock.now()))
                    self.metrics.dead_lettered.labels(msg.topic, type(exc).__name__).inc()
            self.newest_ms = newest
            self.offsets[tp] = messages[-1].offset + 1
            self.metrics.consumed.labels(tp.topic).inc(len(messages))
            taken += len(messages)
        if taken and self.first_buffered is None:
            self.first_buffered = time.monotonic()
        self.metrics.buffered_rows.set(sum(b.rows for b in self.buffers.values()))
        return taken

    def due(self) -> bool:
        if self.first_buffered is None:
            return False
        rows = sum(b.rows for b in self.buffers.values()) + len(self.dead)
        return rows >= self.analytics.flush_rows or \
            (time.monotonic() - self.first_buffered) * 1000 >= self.analytics.flush_ms

    async def flush(self, wait: bool = True) -> None:
        """Hand what is buffered to the writer. One write runs at a time, so offsets are committed in
        order; while it runs the loop keeps fetching and decoding (``wait=False``). With ``wait``,
        return once everything buffered so far is inserted and committed."""
        if self._inflight is not None:
            await self._inflight
            self._inflight = None
        if self.first_buffered is not None:
            batch = (self.buffers, self.dead, self.offsets)
            self.buffers = {topic: Columns(names) for topic, (_, _, names, _) in TOPICS.items()}
            self.dead, self.offsets, self.first_buffered = [], {}, None
            self.metrics.buffered_rows.set(0)
            self._inflight = asyncio.create_task(self._write(*batch))
        if wait and self._inflight is not None:
            await self._inflight
            self._inflight = None

    async def _write(self, buffers: dict[str, Columns], dead: list[dict], offsets: dict) -> None:
        """Insert, dead-letter, then commit. An insert that fails is retried (ClickHouse pushed back);
        tables already written are written again, which the ReplacingMergeTree tables absorb."""
        started = time.perf_counter()
        while True:
            try:
                for topic, buffer in buffers.items():
                    if buffer.rows:
                        _, table, names, _ = TOPICS[topic]
                        await self.store.run(self.store.insert, table, names, buffer.columns())
                break
            except Exception as exc:  # noqa: BLE001 - keep the rows, back off, try again
                log.warning("analytics: insert failed, retrying in 1s: %s", type(exc).__name__)
                self.metrics.flushes.labels("error").inc()
                await asyncio.sleep(1.0)
        for topic, buffer in buffers.items():
            if buffer.rows:
                self.metrics.rows_written.labels(TOPICS[topic][1]).inc(buffer.rows)
        if dead:
            sends = [await self.producer.send(DLQ, key=d["key"], value=self.codec.encode("DeadLetter", d)) for d in dead]
            await asyncio.gather(*sends)
        try:
            await self.consumer.commit(offsets)
            self.committed.update(offsets)
        except (CommitFailedError, KafkaError) as exc:  # rebalanced meanwhile: the rows are in, redelivery is harmless
            log.warning("analytics: commit failed after insert (%s); records will be redelivered", type(exc).__name__)
        self.metrics.flushes.labels("ok").inc()
        self.metrics.flush_seconds.observe(time.perf_counter() - started)
        self.metrics.last_flush.set(time.time())
        if self.newest_ms:
            self.metrics.newest_event.set(self.newest_ms / 1000)

    def observe_lag(self) -> None:
        for tp in self.consumer.assignment():
            self.metrics.lag.observe(tp.topic, tp.partition, self.committed.get(tp), self.consumer.highwater(tp))

    async def stop(self, running: asyncio.Task | None = None) -> None:
        """Let the loop finish its current fetch, flush what is buffered, close the clients."""
        self._stopping.set()
        try:
            if running is not None:
                await asyncio.wait_for(running, timeout=15)
            await self.flush()
        finally:
            if self.consumer:
                await self.consumer.stop()
            if self.producer:
                await self.producer.stop()
