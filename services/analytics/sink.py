"""The sink: case.events, notice.log, loan.defaults.rejected → ClickHouse, batched, each row once.

Why aiokafka and not a faust agent: faust hands records to an agent one at a time, through its
stream machinery and per-event acking, which costs ~200 µs an event here (~5k events/s) — four
times short of the 20k events/s the sink must sustain on one core. The sink gains nothing from
faust (no tables, no timers, no emits per event), so it uses aiokafka directly: ``getmany`` hands
over thousands of records per partition at once, they are decoded in one loop (``decoding.py``),
mapped to column buffers (``rows.py``) and inserted in one column-oriented insert per table.

Offsets are committed only after the insert that holds their rows succeeded, so the group's committed
offset is never ahead of ClickHouse. It can be behind: a crash between the insert and the commit, or a
commit refused because the group rebalanced meanwhile, redelivers those records to whichever instance
gets the partition next. That instance resumes at the committed offset and drops each record whose row
ClickHouse already holds, found by its partition, offset and key when the partition is assigned
(``resume.py``); the tables are also ReplacingMergeTree keyed by what the record says (see
``deploy/clickhouse/001_tables.sql``) and every view reads them FINAL. Any number of instances can
share the consumer group when they write to one ClickHouse server (embedded chDB is one process's).
Before its partitions move, an instance inserts and commits what it has buffered (one write at a
time, in order). A record that cannot be decoded goes to ``analytics.dlq`` with the reason, and its
offset is committed with the batch, never silently skipped.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from remedy.kernel.clock import Clock
from remedy.contract.codec import Codec
from remedy.runtime.clients import aiokafka_security
from remedy.runtime.deadletter import dead_letter
from remedy.runtime.publish import compression_type
from remedy.kernel.settings import Settings
from services.analytics import resume
from services.analytics.settings import AnalyticsSettings
from services.analytics.decoding import BatchDecoder
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.rows import TOPICS, Columns
from services.analytics.store import Store

log = logging.getLogger("remedy.analytics")
SERVICE = "analytics"
DLQ = "analytics.dlq"
TABLES = {topic: table for topic, (_, table, _, _) in TOPICS.items()}


class _FlushOnRevoke(ConsumerRebalanceListener):
    def __init__(self, sink: "Sink"):
        self.sink = sink

    async def on_partitions_revoked(self, revoked):
        await self.sink.flush()
        self.sink.stored.forget(revoked)
        self.sink.ready.difference_update(revoked)
        for tp in revoked:  # another instance reports them now: no stale lag here (sums over instances stay right)
            self.sink.committed.pop(tp, None)
            for gauge in (self.sink.metrics.lag.consumer_lag, self.sink.metrics.lag.records_waiting):
                with contextlib.suppress(KeyError):
                    gauge.remove(tp.topic, str(tp.partition))

    async def on_partitions_assigned(self, assigned):
        starts = {}
        for tp in assigned:  # lag counts from what the group committed before, in this run or an earlier one
            committed = await self.sink.consumer.committed(tp)
            if committed is not None:
                self.sink.committed[tp] = committed
            starts[tp] = committed or 0
        await self.sink.take_over(starts)
        for tp, start in starts.items():  # what was fetched while ClickHouse was asked is read again, compared
            self.sink.consumer.seek(tp, start)


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
        self.stored = resume.Stored()       # rows ClickHouse holds past the committed offsets of new partitions
        self.ready: set[TopicPartition] = set()  # partitions whose take-over is done (``_FlushOnRevoke``)
        self.keys = {table: resume.row_key(table) for table in TABLES.values()}
        self._flushing = asyncio.Lock()
        self.first_buffered: float | None = None
        self.newest_ms = 0
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self._stopping = asyncio.Event()
        self._inflight: asyncio.Task | None = None

    async def start(self) -> None:
        bootstrap = self.settings.kafka_bootstrap.split(",")
        security = aiokafka_security(self.settings)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=self.group_id, client_id=SERVICE, enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
            rebalance_timeout_ms=10_000, max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024,
            **security)
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id=f"{SERVICE}-dlq", linger_ms=5, acks="all",
                                         compression_type=compression_type(self.settings.producer_compression), **security)
        await self.producer.start()
        await self.consumer.start()
        self.consumer.subscribe(list(TOPICS), listener=_FlushOnRevoke(self))

    async def take_over(self, starts: dict[TopicPartition, int]) -> None:
        """Partitions assigned to this instance, each resumed at ``starts[tp]``: learn which rows past that
        ClickHouse already holds. If ClickHouse cannot say, carry on: those rows are inserted again and
        queries read FINAL absorb them."""
        window = max(resume.WINDOW, self.analytics.flush_rows)
        try:
            await self.store.run(resume.load, self.stored, self.store.rows, TABLES, starts, window)
        except Exception as exc:  # noqa: BLE001 - never stop consuming for it
            log.warning("analytics: could not read what ClickHouse holds of the partitions taken over (%s)", exc)
            return
        finally:
            self.ready.update(starts)
        if self.stored.by_tp:
            log.info("analytics: ClickHouse already holds rows past the committed offsets of %s", ", ".join(
                f"{tp.topic}[{tp.partition}] ({len(held)})" for tp, held in sorted(self.stored.by_tp.items())))

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
            if not messages or tp not in self.ready:  # fetched before its take-over was done: read again after it
                continue
            schema, table, _, mapper = TOPICS[tp.topic]
            append = self.buffers[tp.topic].append
            newest = self.newest_ms
            held, key = self.stored.get(tp), self.keys[table]
            for i, rec, exc in self.decoder.each([m.value for m in messages], schema):
                msg = messages[i]
                if exc is None:
                    row = mapper(rec, msg.partition, msg.offset)
                    if held is not None and self.stored.holds(held, msg.offset, key(row)):
                        self.metrics.already_stored.labels(table).inc()
                        continue
                    append(row)
                    if row.get("occurred_at", 0) > newest:
                        newest = row["occurred_at"]
                else:
                    self.dead.append(dead_letter(SERVICE, msg.topic, msg.partition, msg.offset, msg.key, msg.value,
                                                 exc, self.clock.now()))
                    self.metrics.dead_lettered.labels(msg.topic, type(exc).__name__).inc()
            self.newest_ms = newest
            if held is not None:
                self.stored.read_to(tp, messages[-1].offset)
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
        return once everything buffered so far is inserted and committed. Callers (the loop, and a
        rebalance revoking partitions) take turns: each write is awaited by exactly one of them."""
        async with self._flushing:
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
        # The rows are in: said before they are counted, so a snapshot built before them is never seen as current
        # by anyone who has seen them counted (the dead letters and the commit below take a broker round trip).
        self.metrics.last_flush.set(time.time())
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
