"""A stage on faust and Kafka: the ``remedy.kernel.stage.Host`` port over ``Runtime`` and a faust app."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable, Iterable, Iterator

import faust
from faust.web import View

from remedy.contract.codec import Codec
from remedy.contract.partykeys import KeyRing
from remedy.kernel.clock import Clock, clock_from_settings, clock_rate, real_delay
from remedy.kernel.settings import Settings
from remedy.kernel.emit import Emit
from remedy.kernel.stage import Handler, Input
from remedy.runtime import tables
from remedy.runtime.app import Runtime, create_app
from remedy.runtime.clients import aiokafka_security
from remedy.runtime.follow import Follower
from remedy.runtime.generation import IndexGeneration
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.signed import Verifier, party_keys

log = logging.getLogger("remedy")


class FaustTable:
    """A faust table (changelog-backed) behind the ``Table`` port; every write goes through ``tables.put``.

    With the RocksDB store, a change is read from memory until the broker has its changelog record
    (``tables.Pending``), then from RocksDB."""

    _UNSET: Any = object()

    def __init__(self, rt: Runtime, table: faust.Table):
        self.rt, self.faust_table = rt, table
        self._pending = self._UNSET

    @property
    def pending(self) -> tables.Pending | None:
        """Looked up on first use: the table's store exists once the app is configured."""
        if self._pending is self._UNSET:
            self._pending = tables.pending_for(self.rt, self.faust_table)
        return self._pending

    def get(self, key: str, default: Any = None) -> Any:
        pending = self.pending
        if pending is not None:
            waiting = pending.values.get(key)
            if waiting is not None:
                return default if waiting[0] is None else waiting[0]
        # The store itself: one lookup. The table's own ``get`` asks the store whether it holds the key and then
        # for its value (two RocksDB reads, in every partition's database when read outside an input).
        return self.faust_table.data.get(key, default)

    def items(self) -> Iterator[tuple[str, Any]]:
        pending = self.pending
        if pending is not None:  # read from RocksDB as the caller goes, never the whole table at once
            return pending.merged(iter(self.faust_table.items()))
        return iter(list(self.faust_table.items()))

    async def put(self, key: str, value: Any) -> None:
        await tables.put(self.rt, self.faust_table, key, value, self.pending)


class FaustHost:
    def __init__(self, app: faust.App, service: str, codec: Codec, clock: Clock, metrics: ServiceMetrics,
                 keys: KeyRing | None = None, settings: Settings | None = None):
        """``keys``: the parties' public keys (by default from the settings: ``remedy.runtime.signed.party_keys``)."""
        self.app, self.service, self.codec, self.clock, self.metrics = app, service, codec, clock, metrics
        self.settings = settings or Settings.from_env()
        self.rt = Runtime(app, service, codec, clock, metrics)
        self.verifier = Verifier(keys if keys is not None else party_keys(self.settings), codec, clock, metrics)

    def table(self, name: str, *, use_partitioner: bool = False) -> FaustTable:
        return FaustTable(self.rt, self.app.Table(name, default=None, use_partitioner=use_partitioner))

    def agent(self, topic: str, handle: Handler, *, name: str | None = None) -> None:
        handle = self.verifier.guard(topic, handle)

        async def on_event(event: faust.EventT) -> None:
            m = event.message
            await handle(Input(m.topic, m.partition, m.offset, m.key, m.value, m.headers or ()))

        self.rt.agent(self.rt.topic(topic), on_event, name=name or topic.replace(".", "-"))

    def follow(self, topic: str, handle: Callable[[Input], None]) -> Callable[[], Awaitable[None]]:
        follower = Follower(topic, handle, self.settings.kafka_bootstrap, self.metrics, f"{self.service}-follow-{topic}",
                            aiokafka_security(self.settings))
        self.app.task(follower.run)
        return follower.caught_up

    def timer(self, seconds: float, fn: Callable[[], Awaitable[None]]) -> None:
        self.app.timer(seconds)(fn)

    def waker(self, wake: Callable[[], Awaitable[int | None]], *, longest: float) -> Callable[[], None]:
        """A task that sleeps until the real instant the (scaled) clock reaches the next due time."""
        nudge = asyncio.Event()

        async def loop() -> None:
            while True:
                try:
                    due = await wake()
                    delay = real_delay(due, self.clock.now(), clock_rate(self.clock), longest)
                    nudge.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(nudge.wait(), timeout=max(delay, 0.001))
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - the next round retries
                    log.exception("%s: waker round failed", self.service)
                    await asyncio.sleep(longest)

        self.app.task(loop)
        return nudge.set

    def spawn(self, work: Awaitable[None]) -> None:
        asyncio.ensure_future(work)

    def on_revoke(self, fn: Callable[[], Awaitable[None]]) -> None:
        """faust's public signals: partitions revoked in a rebalance, and a stop (sent while this instance is still
        in the group, its agents stopped and its producer running)."""
        async def revoked(app: faust.App, *_: Any, **__: Any) -> None:
            await fn()
            await app.producer.flush()

        self.app.on_partitions_revoked.connect(revoked)
        self.app.on_before_shutdown.connect(revoked)

    def page(self, path: str, handle: Callable[[dict], Awaitable[tuple[int, dict]]]) -> None:
        class JsonPost(View):
            async def post(self, request):
                status, answer = await handle(await request.json())
                return self.json(answer, status=status)

        JsonPost.__name__ = "page" + path.replace("/", "_")
        self.app.page(path)(JsonPost)

    def generation(self) -> IndexGeneration:
        return IndexGeneration(self.app)

    def assigned(self, topic: str) -> set[int]:
        return {tp.partition for tp in self.app.consumer.assignment() if tp.topic == topic}

    def set_backlog(self, stages: Iterable[tuple[str, int]]) -> None:
        self.rt.lag.set_backlog(stages)

    async def emit(self, out: Emit) -> None:
        await self.rt.emit(out)

    async def emit_all(self, outs: Iterable[Emit]) -> None:
        for out in outs:
            await self.rt.emit(out)

    async def emit_acknowledged(self, outs: Iterable[Emit]) -> None:
        await self.rt.emit_acknowledged(list(outs))

    async def send(self, topic: str, key: bytes | str | None, value: bytes | None, partition: int | None = None) -> None:
        await self.rt.send(topic, key.encode() if isinstance(key, str) else key, value, partition)

    def batch(self):
        return self.rt.batch()


def build_app(service: str, settings: Settings, wire: Callable[[FaustHost], None], *, clock: Clock | None = None,
              metrics: ServiceMetrics | None = None, **app_options: Any) -> faust.App:
    """A service's faust app: the app, a ``FaustHost`` over it, and the stage's ``wire(host)``."""
    app = create_app(service, settings, **app_options)
    wire(FaustHost(app, service, Codec(settings.schemas_dir), clock or clock_from_settings(settings),
                   metrics or ServiceMetrics(service), party_keys(settings), settings))
    return app
