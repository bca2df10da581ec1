"""The faust app factory and the thin wiring every service shares: decode → decide → emit → commit.

Topics carry raw bytes (Avro single-object encoded); decoding happens inside the handler so that
bad bytes become a dead-letter record instead of crashing faust's deserialiser.
"""
from __future__ import annotations

import logging
import time
import weakref
from pathlib import Path
from typing import Any, Awaitable, Callable

import faust
from faust.streams import _current_event

from remedy.runtime import patches
from remedy.runtime.logs import faust_logging_config
from remedy.runtime.patches.guard import Guard, check
from remedy.runtime.patches.nomonitor import without_monitor
from remedy.runtime.batching import GUARDS as BATCHING_GUARDS, take_batches
from remedy.kernel.clock import Clock
from remedy.contract.codec import Codec
from remedy.runtime.clients import faust_credentials
from remedy.runtime.deadletter import dead_letter
from remedy.runtime.health import BrokerHealth
from remedy.runtime.pages import install_pages
from remedy.kernel.emit import Emit  # noqa: F401 - re-exported for the wiring
from remedy.runtime.lag import GUARDS as LAG_GUARDS, LagGauges, attach_faust
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.outbox import GUARDS as OUTBOX_GUARDS, Outbox
from remedy.runtime.partitioner import KeyPartitioner
from remedy.runtime.publish import compression_type
from remedy.runtime.stall import StallWatch
from remedy.runtime.stores import GUARDS as STORE_GUARDS, faust_store_url
from remedy.runtime.table_pending import GUARDS as TABLE_GUARDS
from remedy.kernel.settings import Settings

log = logging.getLogger("remedy")

BATCH_MAX = 500       # inputs per batch

# This module's own reach-ins: faust keeps its aiokafka producer private (the outbox writes through it so
# that faust's flush before a commit covers the outbox's records too), and has a public reader of the
# current event (``faust.current_event()``) but no setter (``Runtime.agent`` sets it per input).
GUARDS = (
    Guard(module=__name__, use="calls", target="faust.transport.drivers.aiokafka:Producer._ensure_producer",
          kind="method", distribution="faust-streaming", versions=("0.15.3",)),
    Guard(module=__name__, use="sets", target="faust.streams:_current_event", kind="contextvar",
          distribution="faust-streaming", versions=("0.15.3",)),
)
# Every reach-in the runtime cannot do without, checked whatever REMEDY_FAUST_PATCHES says.
REACH_INS = (*BATCHING_GUARDS, *LAG_GUARDS, *OUTBOX_GUARDS, *STORE_GUARDS, *TABLE_GUARDS, *GUARDS)


class App(faust.App):
    """faust's app, without its default ``Monitor`` sensor when the ``nomonitor`` patch is chosen
    (``remedy.runtime.patches.nomonitor``)."""

    remedy_patches: frozenset[str] = frozenset()  # set by create_app: the REMEDY_FAUST_PATCHES chosen
    remedy_watch: Callable[[], Awaitable[None]] | None = None   # set by install_pages: the broker probe and stall watch

    def on_init_dependencies(self):
        dependencies = super().on_init_dependencies()
        if "nomonitor" in self.remedy_patches:
            without_monitor(self)
        return dependencies

    async def on_start(self) -> None:
        """faust starts an app's timers only once its tables are recovered: the watch starts here, before the
        first recovery, so that a worker stuck in it is seen (``remedy.runtime.stall``)."""
        await super().on_start()
        if self.remedy_watch is not None:
            self.add_future(self.remedy_watch())


def install_patches(settings: Settings) -> frozenset[str]:
    """Check every guard that applies (the chosen patches' and every reach-in's), then install the chosen
    patches and leave faust as shipped for the others: ``PatchMismatch`` before anything is changed."""
    chosen = patches.chosen(settings.faust_patches)
    check([*patches.guards(chosen), *REACH_INS])
    patches.install(chosen)
    return chosen


def create_app(service: str, settings: Settings, *, web_port: int, partitions: int = 4) -> faust.App:
    """A faust app tuned for Tansu (short session timeouts, see docs/architecture.md) and for at-least-once, serving its
    web pages on ``web_port`` (the service's own setting)."""
    chosen = install_patches(settings)
    datadir = Path(settings.data_dir) / "faust"
    datadir.mkdir(parents=True, exist_ok=True)
    app = App(
        service,
        broker=[f"kafka://{h}" for h in settings.kafka_bootstrap.split(",")],
        store=faust_store_url(settings.table_store),  # REMEDY_TABLE_STORE: RocksDB under datadir (remedy.runtime.stores)
        datadir=str(datadir),
        web_port=web_port,
        web_bind=settings.worker_host,
        web_in_thread=False,
        topic_partitions=partitions,
        topic_allow_declare=False,
        topic_disable_leader=True,
        broker_session_timeout=10,
        broker_heartbeat_interval=1,
        broker_rebalance_timeout=10,
        producer_linger_ms=max(5, settings.producer_linger_ms),
        # An agent batch's outputs leave as one record batch per partition (remedy.runtime.outbox): room for a
        # few hundred events. Tansu returns nothing for a batch larger than a consumer's fetch size
        # (1 MiB by default), where Kafka returns it anyway: stay well below.
        producer_max_batch_size=256 * 1024,
        producer_partitioner=KeyPartitioner(),
        producer_compression_type=compression_type(settings.producer_compression),  # bench/bench_compression.py
        broker_commit_interval=settings.commit_interval_seconds,
        broker_max_poll_records=settings.poll_max_records or None,   # every partition served under a backlog
        # faust logs a partition whose stream has taken no input for this long while records wait on it
        stream_processing_timeout=settings.stall_seconds or 300.0,
        autodiscover=False,
        processing_guarantee="at_least_once",
        table_standby_replicas=0,
        broker_credentials=faust_credentials(settings),
        logging_config=faust_logging_config(settings.log_level, settings.log_format, service),   # REMEDY_LOG_FORMAT  # SASL/SCRAM over TLS in production (remedy.runtime.clients)
    )
    app.remedy_patches = chosen
    app.remedy_lag_sample_seconds = settings.lag_sample_seconds
    app.remedy_ready_waiting = settings.ready_max_waiting
    app.remedy_stall_seconds = settings.stall_seconds
    app.remedy_batch_within = settings.batch_wait_ms / 1000
    app.remedy_fetch_max_wait_ms = settings.fetch_max_wait_ms   # remedy.runtime.patches.fetchwait
    return app


def raw_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


class Runtime:
    """Per-service wiring: encode and send decisions, dead-letter bad input, count everything."""

    def __init__(self, app: faust.App, service: str, codec: Codec, clock: Clock, metrics: ServiceMetrics):
        self.app, self.service, self.codec, self.clock, self.metrics = app, service, codec, clock, metrics
        self._topics: dict[str, faust.TopicT] = {}
        self._children: dict[tuple, object] = {}
        self.dlq_topic = f"{service}.dlq"
        # Told of every record batch the outbox hands to the producer, with its delivery future (remedy.runtime.tables:
        # a RocksDB table's local store follows what the broker has acknowledged).
        self.sent_listeners: list[Callable[[Any, int], None]] = []
        self.outbox = Outbox(lambda: app.producer._ensure_producer(), app.conf.producer_partitioner or KeyPartitioner(),
                             self._on_batch_sent)
        self.lag = LagGauges(metrics.registry, service)  # consumer lag per partition; services set stage backlog
        attach_faust(app, self.lag, getattr(app, "remedy_lag_sample_seconds", 5.0))

        self.health = BrokerHealth()  # remedy.runtime.health: /healthz, 503 while the broker does not answer
        self.ready_waiting = getattr(app, "remedy_ready_waiting", 1000)
        self.stall = StallWatch(getattr(app, "remedy_stall_seconds", 0.0))  # remedy.runtime.stall: stuck → restarted
        self.batch_within = getattr(app, "remedy_batch_within", 0.1)   # REMEDY_BATCH_WAIT_MS
        install_pages(app, self, metrics)

    def topic(self, name: str) -> faust.TopicT:
        if name not in self._topics:
            self._topics[name] = raw_topic(self.app, name)
        return self._topics[name]

    async def emit(self, out: Emit) -> None:
        await self.send(*self._encoded(out))
        self._counted(out)

    async def emit_acknowledged(self, outs: list[Emit]) -> None:
        """Written at once; returns when the broker has every one (``Outbox.send_acknowledged``)."""
        await self.outbox.send_acknowledged([(*self._encoded(out), None) for out in outs])
        for out in outs:
            self._counted(out)

    def _encoded(self, out: Emit) -> tuple[str, bytes, bytes]:
        return out.topic, out.key.encode(), self.codec.encode(out.schema, out.record)

    def _counted(self, out: Emit) -> None:
        self._child(self.metrics.emitted, out.topic, out.record.get("type", out.schema)).inc()

    async def send(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None:
        """Through the service's outbox (``remedy.runtime.outbox``) to the producer, not faust's ``Topic.send``
        path (FutureMessage, buffer, callbacks), which costs more than the record itself. An agent's
        outbox is flushed before its inputs are acknowledged, and faust flushes the producer before it
        commits input offsets: an output is written before the input that caused it counts as processed."""
        await self.outbox.send(topic, key, value, partition)

    def batch(self):
        """``async with rt.batch():`` — what is written inside leaves together at the end, one record
        batch per topic-partition (a timer's sweep; every agent batch already does)."""
        return self.outbox.batch()

    async def send_to(self, topic: faust.TopicT, key: Any, value: Any) -> None:
        """A record for one of the service's own faust topics (typed or raw), serialised as faust
        would, then written like ``send``."""
        raw_key, _ = topic.prepare_key(key, None)
        raw_value, _ = topic.prepare_value(value, None)
        await self.send(topic.get_topic_name(), raw_key, raw_value)

    def _on_batch_sent(self, sent, records: int) -> None:
        def check(done) -> None:
            if not done.cancelled() and done.exception() is not None:
                self.metrics.send_failed.inc(records)
                log.error("%s: %d record(s) could not be written: %r", self.service, records, done.exception())
        sent.add_done_callback(check)
        for listener in self.sent_listeners:
            listener(sent, records)

    async def emit_all(self, outs: list[Emit]) -> None:
        for out in outs:
            await self.emit(out)

    def agent(self, topic: faust.TopicT, handle: Callable[[Any], Awaitable[None]], *, name: str) -> None:
        """One agent (concurrency 1: it commits work that matters) running every input through ``guarded``.

        Inputs are taken in batches (up to ``BATCH_MAX``, waiting at most ``REMEDY_BATCH_WAIT_MS`` once the first
        has come: ``remedy.runtime.batching``) and handled
        one by one, in order; the batch is acknowledged after its last input is handled. Batching
        halves faust's cost per record (bench/bench_intake.py); the batch's outputs wait in the outbox
        and leave, once it is handled, as one record batch per topic-partition (``remedy.runtime.outbox``).
        """

        @self.app.agent(topic, name=name, concurrency=1)
        async def agent(stream):
            async for events in take_batches(stream, BATCH_MAX, self.batch_within):
                async with self.outbox.batch():  # flushed before take_batches acknowledges the batch
                    for event in events:
                        # What faust's own iterator does per event, so that a table write goes to this input's
                        # changelog partition. Only the context variable: ``stream.current_event`` belongs to
                        # the background task filling the next batch.
                        _current_event.set(weakref.ref(event))
                        await self.guarded(event, handle)
                handled, inbound, now = self.lag.handled, self.app.monitor.stream_inbound_time, time.monotonic()
                for event in events:
                    handled[event.message.tp] = event.message.offset + 1
                    inbound[event.message.tp] = now   # faust's stall check reads it (remedy.runtime.patches.nomonitor)

    async def guarded(self, event: faust.EventT, handle: Callable[[Any], Awaitable[None]]) -> None:
        """Run one input through its handler. Any exception → a dead-letter record, a metric, a log
        line without PII; the worker carries on and the input's offset is committed."""
        msg = event.message
        self._child(self.metrics.consumed, msg.topic).inc()
        started = time.perf_counter()
        try:
            await handle(event)
        except Exception as exc:  # noqa: BLE001 - poison input must never stop the worker
            await self.send_dead_letter(event, exc)
        finally:
            self._child(self.metrics.latency, msg.topic).observe(time.perf_counter() - started)

    def _child(self, metric, *labels: str):
        """A labelled metric child, looked up once: ``labels()`` costs microseconds on the hot path."""
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    async def send_dead_letter(self, event: faust.EventT, exc: BaseException) -> None:
        msg = event.message
        record = dead_letter(self.service, msg.topic, msg.partition, msg.offset, msg.key, msg.value, exc, self.clock.now())
        log.warning("%s: dead-lettered %s/%s/%s: %s: %s", self.service, msg.topic, msg.partition, msg.offset,
                    type(exc).__name__, record["error"])
        self.metrics.dead_lettered.labels(msg.topic, type(exc).__name__).inc()
        await self.emit(Emit(self.dlq_topic, (msg.key or b"").decode("utf-8", "replace"), "DeadLetter", record))
