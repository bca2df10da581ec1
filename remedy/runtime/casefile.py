"""The wiring shared by stage services whose state is one file per case with deadlines
(enforcement, repair, objections): only the decisions differ between them.

- One table, ``cases``: case_id → the service's file (its ``to_json``).
- Every input: decode → ``decide(file, record, cause, now)`` → emit → store, under one lock, so the
  service's agents (concurrency 1 each) never interleave a read-decide-store on the same case.
- Deadlines: table ``index`` keeps the cases by the hour their next deadline falls in, per partition
  (``remedy.runtime.due``). A timer reads, for each partition it owns, whether anything is due and
  sends one tick to that partition of ``<service>.ticks``; the tick agent decides every due case of
  the partition. No per-case index lives in memory and no sweep reads every case. A partition is
  re-ticked at most every ``RETICK_SECONDS`` of real time while something in it stays due.
- The ``stage_backlog`` gauge: counts per (stage, partition) in the same table, changed as cases move.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Callable, Generic, TypeVar

from prometheus_client import Counter

from remedy.kernel import lifecycle
from remedy.kernel.decision import Decision
from remedy.kernel.stage import Host, Input
from remedy.runtime.due import DueIndex

T = TypeVar("T")
RETICK_SECONDS = 5.0


class CaseFiles(Generic[T]):
    def __init__(self, host: Host, *, load: Callable[[dict], T], next_due_ms: Callable[[T], int | None],
                 sweep_seconds: float, may_be_due: Callable[[dict], bool] = bool,
                 on_applied: Callable[[Decision], None] | None = None,
                 backlog_stage: Callable[[dict], str | None] = lambda stored: None):
        """``may_be_due(stored_json)`` is a cheap test on the stored file that spares loading it to ask
        for its next deadline (e.g. "has any deadline at all"); ``backlog_stage(stored_json)`` names the
        lifecycle stage a case waits in at this service (None: not waiting here), for the
        ``stage_backlog`` gauge the sweep refreshes."""
        self.host, self.load, self.on_applied = host, load, on_applied
        self.table = host.table("cases")
        self.index_table = host.table("index")
        self.index = DueIndex(self.index_table)
        self.ticks_name = f"{host.service}.ticks"
        self.ignored = Counter(f"remedy_{host.service}_ignored", "Inputs that are another service's business", ["topic"],
                               registry=host.metrics.registry)
        self._lock = asyncio.Lock()
        self._ticked: dict[int, float] = {}   # partition -> when its last tick was sent (real time)
        self._next_due_ms, self._may_be_due, self._backlog_stage = next_due_ms, may_be_due, backlog_stage
        self._settled = host.generation()
        host.timer(sweep_seconds, self.sweep)

    def due_of(self, stored: dict | None, file: T | None = None) -> int | None:
        if not stored or not self._may_be_due(stored):
            return None
        return self._next_due_ms(file if file is not None else self.load(stored))

    async def sweep(self) -> None:
        """Tick each owned partition that has a deadline due; refresh the backlog gauge."""
        if not self._settled.settled:
            return
        host = self.host
        now_ms, real = int(host.clock.now().timestamp() * 1000), time.monotonic()
        owned = sorted(host.assigned(self.ticks_name))
        async with host.batch():
            for partition in owned:
                if self.index.has_due(partition, now_ms) and real - self._ticked.get(partition, -RETICK_SECONDS) >= RETICK_SECONDS:
                    self._ticked[partition] = real
                    await host.send(self.ticks_name, b"", b"", partition=partition)
        host.set_backlog([(stage, total) for stage in lifecycle.STAGES
                          if (total := sum(self.index_table.get(backlog_key(stage, p)) or 0 for p in owned))])

    async def apply(self, topic: str, case_id: str, partition: int, decide_on: Callable[[T | None], Decision]) -> None:
        async with self._lock:
            stored = self.table.get(case_id)
            before = self.load(stored) if stored else None
            old_due, old_stage = self.due_of(stored, before), self._backlog_stage(stored) if stored else None
            decision = decide_on(before)
            if decision.outcome == "duplicate":
                self.host.metrics.duplicates.labels(topic).inc()
            elif decision.outcome == "ignored":
                self.ignored.labels(topic).inc()
            if not decision.changed:
                if old_due is not None:   # after a crash between the file and its index entry
                    await self.index.ensure(partition, case_id, old_due)
                return
            await self.host.emit_all(decision.emits)
            if self.on_applied is not None:
                self.on_applied(decision)
            stored = decision.state.to_json()
            await self.table.put(case_id, stored)
            await self.index.move(partition, case_id, old_due, self.due_of(stored, decision.state))
            await self._count(partition, old_stage, self._backlog_stage(stored))

    async def _count(self, partition: int, old: str | None, new: str | None) -> None:
        if old == new:
            return
        for stage, step in ((old, -1), (new, 1)):
            if stage is not None:
                key = backlog_key(stage, partition)
                await self.index_table.put(key, max(0, (self.index_table.get(key) or 0) + step))

    def on(self, topic: str, schema: str, decide: Callable[[T | None, dict, str, datetime], Decision],
           concerns: Callable[[dict], bool] | None = None) -> None:
        """Feed a topic's records (keyed by case_id) to ``decide(file, record, cause, now)``.
        ``concerns(record)`` False: the service never acts on such a record, in any state, so a known
        case's file is not even loaded (``decide`` must say "ignored" for it too)."""

        async def handle(msg: Input) -> None:
            _, record = self.host.codec.decode(msg.value, expect=schema)
            if concerns is not None and not concerns(record) and self.table.get(record["case_id"]) is not None:
                self.ignored.labels(topic).inc()
                return
            await self.apply(topic, record["case_id"], msg.partition,
                             lambda file: decide(file, record, msg.id, self.host.clock.now()))

        self.host.agent(topic, handle)

    def on_tick(self, decide: Callable[[T | None, datetime], Decision]) -> None:
        async def handle(msg: Input) -> None:
            if msg.value:   # a tick for one case (as written before the due index)
                case_id = tick_case_id(msg.value)
                await self.apply(self.ticks_name, case_id, msg.partition, lambda file: decide(file, self.host.clock.now()))
                return
            await self.tick_partition(msg.partition, decide)

        self.host.agent(self.ticks_name, handle, name="ticks")

    async def tick_partition(self, partition: int, decide: Callable[[T | None, datetime], Decision]) -> None:
        """Decide every case of the partition whose deadline has come; drop entries that no longer hold."""
        now = self.host.clock.now()
        now_ms = int(now.timestamp() * 1000)
        for case_id, at in list(self.index.due(partition, now_ms)):
            await self.apply(self.ticks_name, case_id, partition, lambda file: decide(file, now))
            current = self.due_of(self.table.get(case_id))
            if current != at:
                await self.index.move(partition, case_id, at, current)
        await self.index.advance(partition, now_ms)
        self._ticked.pop(partition, None)


def backlog_key(stage: str, partition: int) -> str:
    return f"n:{stage}:{partition}"


def tick_case_id(value: bytes) -> str:
    """A per-case tick's value is its case id (older ones were faust records: ``{"case_id": ...}``)."""
    if value[:1] == b"{":
        return json.loads(value)["case_id"]
    return value.decode()
