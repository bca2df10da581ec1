"""The wiring shared by stage services whose state is one file per case with deadlines
(enforcement, repair, objections): only the decisions differ between them.

- One table, ``cases``: case_id → the service's file (its ``to_json``).
- Every input: decode → ``decide(file, record, cause, now)`` → emit → store, under one lock, so the
  service's agents (concurrency 1 each) never interleave a read-decide-store on the same case.
- Deadlines: faust writes tables only from streams, so a timer reads the clock and sends a tick keyed
  by case_id to ``<service>.ticks`` for each case past its next deadline; the tick agent decides.
  A case is re-ticked at most every ``RETICK_SECONDS`` of real time while its deadline stays due.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Callable, Generic, TypeVar

import faust
from prometheus_client import Counter

from remedy.runtime.app import Runtime
from remedy.kernel.decision import Decision
from remedy.runtime.generation import IndexGeneration
from remedy.kernel.ids import message_id
from remedy.runtime import tables

T = TypeVar("T")
RETICK_SECONDS = 5.0


class Tick(faust.Record, serializer="json"):
    case_id: str


class CaseFiles(Generic[T]):
    def __init__(self, app: faust.App, rt: Runtime, *, load: Callable[[dict], T], next_due_ms: Callable[[T], int | None],
                 sweep_seconds: float, may_be_due: Callable[[dict], bool] = bool,
                 on_applied: Callable[[Decision], None] | None = None,
                 backlog_stage: Callable[[dict], str | None] = lambda stored: None):
        """``may_be_due(stored_json)`` is a cheap test on the stored file that spares loading every
        file on every sweep (e.g. "has any deadline at all"); ``backlog_stage(stored_json)`` names the
        lifecycle stage a case waits in at this service (None: not waiting here), for the
        ``stage_backlog`` gauge the sweep refreshes."""
        self.app, self.rt, self.load, self.on_applied = app, rt, load, on_applied
        self.table = app.Table("cases", default=None)
        self.ticks_name = f"{rt.service}.ticks"
        self.ticks = app.topic(self.ticks_name, key_type=str, value_type=Tick)
        self.ignored = Counter(f"remedy_{rt.service}_ignored", "Inputs that are another service's business", ["topic"],
                               registry=rt.metrics.registry)
        self._lock = asyncio.Lock()
        self._ticked: dict[str, float] = {}
        self._next_due_ms, self._may_be_due, self._backlog_stage = next_due_ms, may_be_due, backlog_stage
        self._due: dict[str, int] = {}      # case_id -> next deadline (epoch ms), for cases that have one
        self._stage: dict[str, str] = {}    # case_id -> the stage it waits in here
        self._indexed = IndexGeneration(app)

        @app.timer(sweep_seconds)
        async def sweep() -> None:
            """Tick the cases past their deadline. Reads the in-memory index, not every stored file:
            loading 8,000 files a second per service was a visible share of a run's CPU."""
            if not self._indexed.settled:
                return
            if self._indexed.stale:
                self._due.clear()
                self._stage.clear()
                for case_id, stored in list(self.table.items()):
                    self._index(case_id, stored, load(stored) if stored else None)
                self._indexed.built()
            now_ms, real = int(rt.clock.now().timestamp() * 1000), time.monotonic()
            async with rt.batch():
                for case_id, at in list(self._due.items()):
                    if now_ms >= at and real - self._ticked.get(case_id, -RETICK_SECONDS) >= RETICK_SECONDS:
                        self._ticked[case_id] = real
                        await self.rt.send_to(self.ticks, case_id, Tick(case_id))
            backlog: dict[str, int] = {}
            for stage in self._stage.values():
                backlog[stage] = backlog.get(stage, 0) + 1
            rt.lag.set_backlog(backlog.items())

    def _index(self, case_id: str, stored: dict | None, file) -> None:
        at = self._next_due_ms(file) if stored and self._may_be_due(stored) else None
        stage = self._backlog_stage(stored) if stored else None
        for index, value in ((self._due, at), (self._stage, stage)):
            if value is None:
                index.pop(case_id, None)
            else:
                index[case_id] = value

    async def apply(self, topic: str, case_id: str, decide_on: Callable[[T | None], Decision]) -> None:
        async with self._lock:
            stored = self.table.get(case_id)
            decision = decide_on(self.load(stored) if stored else None)
            if decision.outcome == "duplicate":
                self.rt.metrics.duplicates.labels(topic).inc()
            elif decision.outcome == "ignored":
                self.ignored.labels(topic).inc()
            if not decision.changed:
                return
            await self.rt.emit_all(decision.emits)
            if self.on_applied is not None:
                self.on_applied(decision)
            stored = decision.file.to_json()
            await tables.put(self.rt, self.table, case_id, stored)
            self._index(case_id, stored, decision.file)

    def on(self, topic: str, schema: str, decide: Callable[[T | None, dict, str, datetime], Decision],
           concerns: Callable[[dict], bool] | None = None) -> None:
        """Feed a topic's records (keyed by case_id) to ``decide(file, record, cause, now)``.
        ``concerns(record)`` False: the service never acts on such a record, in any state, so a known
        case's file is not even loaded (``decide`` must say "ignored" for it too)."""

        async def handle(event: faust.EventT) -> None:
            msg = event.message
            _, record = self.rt.codec.decode(msg.value, expect=schema)
            if concerns is not None and not concerns(record) and self.table.get(record["case_id"]) is not None:
                self.ignored.labels(topic).inc()
                return
            cause = message_id(msg.topic, msg.partition, msg.offset)
            await self.apply(topic, record["case_id"], lambda file: decide(file, record, cause, self.rt.clock.now()))

        self.rt.agent(self.rt.topic(topic), handle, name=topic.replace(".", "-"))

    def on_tick(self, decide: Callable[[T | None, datetime], Decision]) -> None:
        async def handle(event: faust.EventT) -> None:
            case_id = event.value.case_id
            await self.apply(self.ticks_name, case_id, lambda file: decide(file, self.rt.clock.now()))
            self._ticked.pop(case_id, None)

        self.rt.agent(self.ticks, handle, name="ticks")
