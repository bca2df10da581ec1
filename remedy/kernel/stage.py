"""The port every stage service is wired against: inputs, tables, timers and outputs, with no
framework behind them. ``remedy.runtime.faust_host`` runs a stage on faust and Kafka;
``remedy.runtime.memory`` runs the same wiring on an in-process bus, so a whole funnel runs in
milliseconds in tests. A stage's decisions stay pure functions of (state, input, now); its wiring
(``services/<name>/worker.py``) only reads state, calls them and hands what they return to the host.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncContextManager, Awaitable, Callable, Iterable, Iterator, Protocol

from remedy.kernel.clock import Clock
from remedy.kernel.emit import Emit
from remedy.kernel.ids import message_id


@dataclass(frozen=True, slots=True)
class Input:
    """One record as a stage sees it: where it came from, its raw bytes and its headers ((name, bytes) pairs:
    the host has checked a signed topic's ``remedy-sig`` before the stage sees the record)."""
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def id(self) -> str:
        """The input's deterministic id: causation of whatever it causes."""
        return message_id(self.topic, self.partition, self.offset)

    @property
    def key_text(self) -> str:
        return (self.key or b"").decode("utf-8", "replace")


Handler = Callable[[Input], Awaitable[None]]


class Table(Protocol):
    """A stage's keyed state, recovered after a restart (a faust table with its changelog, or memory)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def items(self) -> Iterator[tuple[str, Any]]: ...

    async def put(self, key: str, value: Any) -> None:
        """Store ``value`` (None removes the key); durable before the input that caused it is committed."""


class Generation(Protocol):
    """When an in-memory index kept beside a table must be rebuilt (after a rebalance or a recovery)."""

    @property
    def settled(self) -> bool: ...

    @property
    def stale(self) -> bool: ...

    def built(self) -> None: ...


class Host(Protocol):
    """What a stage's wiring may ask of the runtime that runs it."""
    service: str
    clock: Clock
    codec: Any        # remedy.contract.codec.Codec
    metrics: Any      # remedy.runtime.metrics.ServiceMetrics (or a subclass)

    def table(self, name: str, *, use_partitioner: bool = False) -> Table:
        """``use_partitioner``: a key's changes go to the partition its key hashes to (for tables that
        timers change); otherwise to the partition of the input being handled."""

    def agent(self, topic: str, handle: Handler, *, name: str | None = None) -> None:
        """Feed every record of ``topic`` to ``handle``, one at a time, in order per partition. An
        exception dead-letters the record; the stage carries on. On a signed topic a record whose
        signature does not hold is dead-lettered and never reaches ``handle`` (remedy.runtime.signed)."""

    def follow(self, topic: str, handle: Callable[[Input], None]) -> Callable[[], Awaitable[None]]:
        """Hand every record of every partition of ``topic`` to ``handle``, on every instance, from the topic's
        beginning (no consumer group): a small view each instance keeps whole. Returns ``caught_up()``, which
        returns once the records the topic held at start have been handed over. A record ``handle`` cannot apply
        is counted and logged (the agent that owns the topic dead-letters it)."""

    def timer(self, seconds: float, fn: Callable[[], Awaitable[None]]) -> None: ...

    def waker(self, wake: Callable[[], Awaitable[int | None]], *, longest: float) -> Callable[[], None]:
        """Run ``wake()`` whenever it may have work: one round, returning the epoch ms (on the stage's
        clock) at which it next has work, or None. At most ``longest`` real seconds pass between rounds;
        the function returned wakes it at once (after its due times changed)."""

    def spawn(self, work: Awaitable[None]) -> None:
        """Run ``work`` beside the agents (a send that waits on a channel's round trips)."""

    def on_revoke(self, fn: Callable[[], Awaitable[None]]) -> None:
        """Await ``fn()`` when this instance is about to give up its partitions (a rebalance, a stop), before any other
        instance may own them; what the stage sends meanwhile is at the broker when the rebalance goes on."""

    def page(self, path: str, handle: Callable[[dict], Awaitable[tuple[int, dict]]]) -> None:
        """A JSON POST endpoint: ``handle(body) -> (status, answer)``."""

    def generation(self) -> Generation: ...

    def assigned(self, topic: str) -> set[int]:
        """The partitions of ``topic`` this instance owns now."""

    def set_backlog(self, stages: Iterable[tuple[str, int]]) -> None:
        """Cases waiting in each lifecycle stage at this service (a gauge)."""

    async def emit(self, out: Emit) -> None: ...

    async def emit_all(self, outs: Iterable[Emit]) -> None: ...

    async def emit_acknowledged(self, outs: Iterable[Emit]) -> None:
        """Written at once, and returns when the broker has every one: before a write that says they were made
        (otherwise a worker killed between the two can leave the second on the broker and lose the first)."""

    async def send(self, topic: str, key: bytes | str | None, value: bytes | None, partition: int | None = None) -> None:
        """A raw record for one of the stage's own topics (keys hash to partitions as Kafka's do,
        unless ``partition`` is given)."""

    def batch(self) -> AsyncContextManager[None]:
        """``async with host.batch():`` what is written inside leaves together (a timer's sweep)."""


async def send_internal(host: Host, records: Iterable[Emit]) -> None:
    """A decision's records for the stage's own topics, as JSON (dates as ISO text)."""
    for out in records:
        await host.send(out.topic, out.key, json.dumps(out.record, ensure_ascii=False, default=str).encode())
