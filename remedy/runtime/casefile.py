"""The wiring shared by stage services whose state is one file per case with deadlines
(enforcement, repair, objections): only the decisions differ between them.

- One table, ``cases``: case_id → the service's file (its ``to_json``).
- Every input: decode → ``decide(file, record, cause, now)`` → emit → store, under one lock, so the
  service's agents (concurrency 1 each) never interleave a read-decide-store on the same case.
- Deadlines: table ``index`` keeps the cases by the hour their next deadline falls in, per partition
  (``remedy.runtime.due``). A timer reads, for each partition it owns, whether anything is due and
  sends one tick to that partition of ``<service>.ticks``; the tick agent decides every due case of
  the partition (``Deadlines``). No per-case index lives in memory and no sweep reads every case.
- The ``stage_backlog`` gauge: counts per (stage, partition) in the same table, changed as cases move.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Callable, Generic, TypeVar

from prometheus_client import Counter

from remedy.kernel.decision import Decision
from remedy.kernel.stage import Host, Input
from remedy.runtime.due import Deadlines

T = TypeVar("T")


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
        self.ignored = Counter(f"remedy_{host.service}_ignored", "Inputs that are another service's business", ["topic"],
                               registry=host.metrics.registry)
        self._lock = asyncio.Lock()
        self._next_due_ms, self._may_be_due, self._backlog_stage = next_due_ms, may_be_due, backlog_stage
        self._on_tick: Callable[[T | None, datetime], Decision] | None = None
        self.deadlines = Deadlines(host, sweep_seconds=sweep_seconds, on_due=self._due,
                                   current_due=lambda case_id: self.due_of(self.table.get(case_id)))

    def due_of(self, stored: dict | None, file: T | None = None) -> int | None:
        if not stored or not self._may_be_due(stored):
            return None
        return self._next_due_ms(file if file is not None else self.load(stored))

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
                await self.deadlines.ensure(partition, case_id, old_due)
                return
            await self.host.emit_all(decision.emits)
            if self.on_applied is not None:
                self.on_applied(decision)
            stored = decision.state.to_json()
            await self.table.put(case_id, stored)
            await self.deadlines.changed(partition, case_id, old_due, self.due_of(stored, decision.state),
                                         old_stage, self._backlog_stage(stored))

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
        """What a case's deadline coming does: ``decide(file, now)``."""
        self._on_tick = decide

    async def _due(self, partition: int, case_id: str, now: datetime) -> None:
        if self._on_tick is not None:
            await self.apply(self.deadlines.topic, case_id, partition, lambda file: self._on_tick(file, now))
