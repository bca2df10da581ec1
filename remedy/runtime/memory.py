"""Stages on an in-process bus: the ``remedy.kernel.stage.Host`` port without a broker or faust.

``MemoryBus`` keeps every registry topic as partitions of records with offsets; keys go to partitions
as Kafka's murmur2 partitioner sends them. ``MemoryHost`` runs one service's wiring on it: each agent
reads its topic's partitions in order from its committed position, in batches, dead-letters what its
handler raises on, and commits after the batch. ``MemoryRunner`` drives a set of hosts until nothing
is left to read, fires their timers, and can rewind a consumer to show that redelivery changes nothing.

What it does not model, and says so: rebalances between instances, table recovery from changelogs,
broker behaviour (the real-broker tests cover those). Tables are plain dicts that survive a rewind,
as a changelog-backed table survives a worker's restart.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable, Iterator

from remedy.contract.codec import Codec
from remedy.contract.partykeys import DevKeyRing, KeyRing
from remedy.contract.topics import load_registry
from remedy.kernel.clock import Clock
from remedy.kernel.emit import Emit
from remedy.kernel.stage import Handler, Input
from remedy.runtime.deadletter import dead_letter
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.signed import Verifier
from remedy.runtime.partitioner import KeyPartitioner

log = logging.getLogger("remedy.memory")
BATCH_MAX = 500


class UnknownTopic(KeyError):
    """Like Tansu and production Kafka: topics are provisioned, never created by a write."""


class MemoryBus:
    def __init__(self, partitions: dict[str, int] | None = None):
        counts = partitions if partitions is not None else {t.name: t.partitions for t in load_registry().values()}
        self.logs: dict[str, list[list[Input]]] = {name: [[] for _ in range(n)] for name, n in counts.items()}
        self.partitioner = KeyPartitioner()

    def partitions(self, topic: str) -> int:
        if topic not in self.logs:
            raise UnknownTopic(f"topic {topic!r} is not provisioned")
        return len(self.logs[topic])

    def produce(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None,
                headers: Iterable[tuple[str, bytes]] = ()) -> Input:
        count = self.partitions(topic)
        if partition is None:
            every = list(range(count))
            partition = self.partitioner(key, every, every)
        log_ = self.logs[topic][partition]
        record = Input(topic, partition, len(log_), key, value, tuple(headers))
        log_.append(record)
        return record

    def read(self, topic: str, partition: int, offset: int, limit: int) -> list[Input]:
        return self.logs[topic][partition][offset:offset + limit]

    def records(self, topic: str) -> list[Input]:
        """Every record of a topic, partition by partition."""
        return [r for part in self.logs[topic] for r in part]


class MemoryTable:
    def __init__(self):
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(list(self.data.items()))

    async def put(self, key: str, value: Any) -> None:
        if value is None:
            self.data.pop(key, None)
        else:
            self.data[key] = value


class SettledGeneration:
    """Nothing moves partitions in memory: an index is built once and stays valid."""

    def __init__(self):
        self._built = False

    @property
    def settled(self) -> bool:
        return True

    @property
    def stale(self) -> bool:
        return not self._built

    def built(self) -> None:
        self._built = True


@dataclass
class Agent:
    topic: str
    handle: Handler
    positions: list[int]    # next offset to read, per partition
    committed: list[int]


class MemoryHost:
    def __init__(self, bus: MemoryBus, service: str, codec: Codec, clock: Clock, metrics: ServiceMetrics | None = None,
                 keys: KeyRing | None = None):
        """``keys``: the parties' public keys; by default every party's development key."""
        self.bus, self.service, self.codec, self.clock = bus, service, codec, clock
        self.metrics = metrics or ServiceMetrics(service)
        self.verifier = Verifier(keys if keys is not None else DevKeyRing(), codec, clock, self.metrics)
        self.tables: dict[str, MemoryTable] = {}
        self.agents: list[Agent] = []
        self.followers: list[Agent] = []   # followed topics: every partition, handed over before the agents' records
        self.timers: list[Callable[[], Awaitable[None]]] = []
        self.wakers: list[Callable[[], Awaitable[int | None]]] = []
        self.pages: dict[str, Callable[[dict], Awaitable[tuple[int, dict]]]] = {}
        self.spawned: set[asyncio.Future] = set()
        self.revokers: list[Callable[[], Awaitable[None]]] = []
        self.backlog: dict[str, int] = {}

    # ---- the Host port --------------------------------------------------------------------------

    def table(self, name: str, *, use_partitioner: bool = False) -> MemoryTable:
        return self.tables.setdefault(name, MemoryTable())

    def agent(self, topic: str, handle: Handler, *, name: str | None = None) -> None:
        n = self.bus.partitions(topic)
        self.agents.append(Agent(topic, self.verifier.guard(topic, handle), [0] * n, [0] * n))

    def follow(self, topic: str, handle: Callable[[Input], None]) -> Callable[[], Awaitable[None]]:
        n = self.bus.partitions(topic)
        self.followers.append(Agent(topic, handle, [0] * n, [0] * n))

        async def caught_up() -> None:
            self.catch_up()
        return caught_up

    def timer(self, seconds: float, fn: Callable[[], Awaitable[None]]) -> None:
        self.timers.append(fn)

    def waker(self, wake: Callable[[], Awaitable[int | None]], *, longest: float) -> Callable[[], None]:
        self.wakers.append(wake)
        return lambda: None   # the runner calls every waker after each round anyway

    def spawn(self, coro: Awaitable[None]) -> None:
        future = asyncio.ensure_future(coro)
        self.spawned.add(future)
        future.add_done_callback(self.spawned.discard)

    def on_revoke(self, fn: Callable[[], Awaitable[None]]) -> None:
        self.revokers.append(fn)   # nothing moves partitions in memory; ``revoke()`` plays a rebalance's start

    def page(self, path: str, handle: Callable[[dict], Awaitable[tuple[int, dict]]]) -> None:
        self.pages[path] = handle

    def generation(self) -> SettledGeneration:
        return SettledGeneration()

    def assigned(self, topic: str) -> set[int]:
        return set(range(self.bus.partitions(topic)))

    def set_backlog(self, stages: Iterable[tuple[str, int]]) -> None:
        self.backlog = dict(stages)

    async def emit(self, out: Emit) -> None:
        self.bus.produce(out.topic, out.key.encode(), self.codec.encode(out.schema, out.record))
        self.metrics.emitted.labels(out.topic, out.record.get("type", out.schema)).inc()

    async def emit_all(self, outs: Iterable[Emit]) -> None:
        for out in outs:
            await self.emit(out)

    async def emit_acknowledged(self, outs: Iterable[Emit]) -> None:
        await self.emit_all(outs)   # the bus has a record once it is produced

    async def send(self, topic: str, key: bytes | str | None, value: bytes | None, partition: int | None = None) -> None:
        self.bus.produce(topic, key.encode() if isinstance(key, str) else key, value, partition)

    def batch(self):
        return contextlib.nullcontext()

    # ---- driving it -----------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Hand each follower every record it has not had; the number handed over."""
        handed = 0
        for follower in self.followers:
            for partition, position in enumerate(follower.positions):
                for record in self.bus.read(follower.topic, partition, position, len(self.bus.logs[follower.topic][partition])):
                    try:
                        follower.handle(record)
                    except Exception as exc:  # noqa: BLE001 - as on the real runtime: counted and logged
                        self.metrics.rejected.labels("FOLLOWED_RECORD_UNREADABLE").inc()
                        log.warning("%s: followed %s could not be applied: %s", self.service, record.topic, exc)
                    follower.positions[partition] = record.offset + 1
                    handed += 1
        return handed

    async def poll(self) -> int:
        """Hand each follower, then each agent, what waits on its partitions (a batch each); the number of records
        handled."""
        handled = self.catch_up()
        for agent in self.agents:
            for partition, position in enumerate(agent.positions):
                for record in self.bus.read(agent.topic, partition, position, BATCH_MAX):
                    await self._guarded(agent.handle, record)
                    agent.positions[partition] = record.offset + 1
                    handled += 1
                agent.committed[partition] = agent.positions[partition]
        return handled

    async def _guarded(self, handle: Handler, record: Input) -> None:
        self.metrics.consumed.labels(record.topic).inc()
        try:
            await handle(record)
        except Exception as exc:  # noqa: BLE001 - as on the real runtime: dead-letter, count, carry on
            letter = dead_letter(self.service, record.topic, record.partition, record.offset, record.key, record.value,
                                 exc, self.clock.now())
            log.warning("%s: dead-lettered %s/%s/%s: %s", self.service, record.topic, record.partition, record.offset,
                        letter["error"])
            self.metrics.dead_lettered.labels(record.topic, type(exc).__name__).inc()
            await self.emit(Emit(f"{self.service}.dlq", record.key_text, "DeadLetter", letter))

    async def revoke(self) -> None:
        """What a rebalance does before another instance may own this one's partitions."""
        for fn in self.revokers:
            await fn()

    def rewind(self, topic: str | None = None) -> None:
        """Read again from the start, as a worker whose commits were lost would (tables are kept)."""
        for agent in self.agents:
            if topic is None or agent.topic == topic:
                agent.positions = [0] * len(agent.positions)
                agent.committed = [0] * len(agent.committed)


class MemoryRunner:
    """Drives hosts on one bus: ``await runner.settle()`` until nothing is left to read."""

    def __init__(self, bus: MemoryBus, hosts: Iterable[MemoryHost], max_rounds: int = 10_000):
        self.bus, self.hosts, self.max_rounds = bus, list(hosts), max_rounds

    def host(self, service: str) -> MemoryHost:
        return next(h for h in self.hosts if h.service == service)

    async def settle(self) -> int:
        """Poll every host, let background sends finish and wakers run, until a round moves nothing."""
        total = 0
        for _ in range(self.max_rounds):
            moved = 0
            for host in self.hosts:
                moved += await host.poll()
                while host.spawned:
                    await asyncio.gather(*list(host.spawned))
                for wake in host.wakers:
                    await wake()
            if moved == 0 and not any(h.spawned for h in self.hosts) and not self._waiting():
                return total
            total += moved
        raise RuntimeError(f"the in-memory funnel did not settle in {self.max_rounds} rounds")

    def _waiting(self) -> bool:
        return any(agent.positions[p] < len(self.bus.logs[agent.topic][p])
                   for h in self.hosts for agent in h.agents for p in range(len(agent.positions)))

    async def tick(self) -> int:
        """Every host's timers once (deadline sweeps, queue drains), then settle."""
        for host in self.hosts:
            for fire in host.timers:
                await fire()
        return await self.settle()
