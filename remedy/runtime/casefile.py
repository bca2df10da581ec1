"""The wiring shared by stage services whose state is one file per case with deadlines
(enforcement, repair, objections): only the decisions differ between them.

- One table, ``cases``: case_id → the service's file (its ``to_json``).
- Every input: decode → ``decide(file, record, cause, now)`` → emit → store, under one lock, so the
  service's agents (concurrency 1 each) never interleave a read-decide-store on the same case.
- Deadlines: tables are written only from streams, so a timer reads the clock and sends a tick keyed
  by case_id (value: the case id) to ``<service>.ticks`` for each case past its next deadline; the
  tick agent decides.
  A case is re-ticked at most every ``RETICK_SECONDS`` of real time while its deadline stays due.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from typing import Callable, Generic, TypeVar

from prometheus_client import Counter

from remedy.kernel.decision import Decision
from remedy.kernel.stage import Host, Input

T = TypeVar("T")
RETICK_SECONDS = 5.0


class CaseFiles(Generic[T]):
    def __init__(self, host: Host, *, load: Callable[[dict], T], next_due_ms: Callable[[T], int | None],
                 sweep_seconds: float, may_be_due: Callable[[dict], bool] = bool,
                 on_applied: Callable[[Decision], None] | None = None,
                 backlog_stage: Callable[[dict], str | None] = lambda stored: None):
        """``may_be_due(stored_json)`` is a cheap test on the stored file that spares loading every
        file on every sweep (e.g. "has any deadline at all"); ``backlog_stage(stored_json)`` names the
        lifecycle stage a case waits in at this service (None: not waiting here), for the
        ``stage_backlog`` gauge the sweep refreshes."""
        self.host, self.load, self.on_applied = host, load, on_applied
        self.table = host.table("cases")
        self.ticks_name = f"{host.service}.ticks"
        self.ignored = Counter(f"remedy_{host.service}_ignored", "Inputs that are another service's business", ["topic"],
                               registry=host.metrics.registry)
        self._lock = asyncio.Lock()
        self._ticked: dict[str, float] = {}
        self._next_due_ms, self._may_be_due, self._backlog_stage = next_due_ms, may_be_due, backlog_stage
        self._due: dict[str, int] = {}      # case_id -> next deadline (epoch ms), for cases that have one
        self._stage: dict[str, str] = {}    # case_id -> the stage it waits in here
        self._indexed = host.generation()
        host.timer(sweep_seconds, self.sweep)

    async def sweep(self) -> None:
        """Tick the cases past their deadline. Reads the in-memory index, not every stored file:
        loading 8,000 files a second per service was a visible share of a run's CPU."""
        if not self._indexed.settled:
            return
        if self._indexed.stale:
            self._due.clear()
            self._stage.clear()
            for case_id, stored in self.table.items():
                self._index(case_id, stored, self.load(stored) if stored else None)
            self._indexed.built()
        host = self.host
        now_ms, real = int(host.clock.now().timestamp() * 1000), time.monotonic()
        async with host.batch():
            for case_id, at in list(self._due.items()):
                if now_ms >= at and real - self._ticked.get(case_id, -RETICK_SECONDS) >= RETICK_SECONDS:
                    self._ticked[case_id] = real
                    await host.send(self.ticks_name, case_id, case_id.encode())
        backlog: dict[str, int] = {}
        for stage in self._stage.values():
            backlog[stage] = backlog.get(stage, 0) + 1
        host.set_backlog(backlog.items())

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
                self.host.metrics.duplicates.labels(topic).inc()
            elif decision.outcome == "ignored":
                self.ignored.labels(topic).inc()
            if not decision.changed:
                return
            await self.host.emit_all(decision.emits)
            if self.on_applied is not None:
                self.on_applied(decision)
            stored = decision.state.to_json()
            await self.table.put(case_id, stored)
            self._index(case_id, stored, decision.state)

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
            await self.apply(topic, record["case_id"], lambda file: decide(file, record, msg.id, self.host.clock.now()))

        self.host.agent(topic, handle)

    def on_tick(self, decide: Callable[[T | None, datetime], Decision]) -> None:
        async def handle(msg: Input) -> None:
            case_id = tick_case_id(msg.value)
            await self.apply(self.ticks_name, case_id, lambda file: decide(file, self.host.clock.now()))
            self._ticked.pop(case_id, None)

        self.host.agent(self.ticks_name, handle, name="ticks")


def tick_case_id(value: bytes) -> str:
    """A tick's value is its case id (older ticks were faust records: ``{"case_id": ...}`` in JSON)."""
    if value[:1] == b"{":
        return json.loads(value)["case_id"]
    return value.decode()
