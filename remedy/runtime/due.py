"""Deadlines by due time, kept in a table: which cases need a tick now, without reading every case.

Table ``index`` of a stage holds the due index (``remedy.runtime.due_index``): per input partition p (a
case's inputs all hash to the same partition), each case's next deadline in an hour bucket of the stage's
clock, kept in pages, and ``low:<p>``, the earliest bucket that may still hold entries.

A sweep reads ``low`` and, when a bucket up to now may hold something due, sends one tick to partition
p; the tick's handler takes the due cases of those buckets, decides each, and moves ``low`` past
emptied buckets. So every write to a key of partition p happens while handling an input of partition
p: the key's changelog partition is p, and the index moves with its partition in a rebalance. Memory
holds nothing per case; a sweep costs a few table reads whatever the number of cases.

After a crash between writing a case and writing its index entry, the redelivered input writes the
entry again (``ensure``); an entry whose case no longer has that deadline is dropped when ticked.
"""
from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Awaitable, Callable

from remedy.kernel import lifecycle
from remedy.kernel.clock import clock_rate
from remedy.kernel.stage import Host, Input
from remedy.runtime.due_index import DueIndex

OnDue = Callable[[int, str, datetime], Awaitable[bool | None]]   # False: not now, leave it and the rest due
TICK_MOST = 2_000   # due cases one tick handles; a tick that stops short is followed by another at the next sweep


class Deadlines:
    """A stage's deadline ticks: the due index and backlog counts in table ``index``, a timer that
    ticks owned partitions with something due, and the agent on ``<service>.ticks`` that calls
    ``on_due(partition, case_id, now)`` for each due case of a ticked partition.

    ``current_due(case_id)`` reads the case's next deadline from its stored state; an index entry that
    no longer matches it after ``on_due`` is moved (or dropped) so it is not ticked again.

    ``precise``: instead of a sweep every ``sweep_seconds``, a waker sleeps until the real instant the
    (scaled) clock reaches the next deadline, woken early when an earlier one is set. Notify uses it: a
    notice deferred to 08:00 must go at 08:00, not at the next sweep, which on a fast clock can be
    hours of simulated time later.

    ``rebalanced(partitions)`` is awaited at the first sweep after each rebalance (tables recovered), with the
    partitions owned now; ``ready(p)`` says whether partition p may be ticked yet (notify holds a partition
    it took over until it has read what the old owner sent: ``services.notify.handover``).
    """

    def __init__(self, host: Host, *, sweep_seconds: float, on_due: OnDue,
                 current_due: Callable[[str], int | None], retick_seconds: float = 5.0, precise: bool = False,
                 swept: Callable[[int, bool], None] | None = None,
                 rebalanced: Callable[[set[int]], Awaitable[None]] | None = None,
                 ready: Callable[[int], bool] = lambda partition: True):
        self.host, self.on_due, self.current_due, self.retick_seconds = host, on_due, current_due, retick_seconds
        self.swept = swept   # told after each tick whether it handled every case due (False: it stopped short)
        self.rebalanced, self.ready = rebalanced, ready
        self.table = host.table("index")
        self.index = DueIndex(self.table)
        self.topic = f"{host.service}.ticks"
        self._ticked: dict[int, float] = {}   # partition -> when its last tick was sent (real time)
        self._settled = host.generation()
        self._next_wake: int | None = None    # precise: the deadline the waker sleeps until
        self._nudge: Callable[[], None] | None = None
        if precise:
            self._nudge = host.waker(self._wake, longest=sweep_seconds)
        else:
            host.timer(sweep_seconds, self.sweep)
        host.agent(self.topic, self._on_tick, name="ticks")

    async def _wake(self) -> int | None:
        await self.sweep()
        now_ms = int(self.host.clock.now().timestamp() * 1000)
        coming = [at for p in self.host.assigned(self.topic) if (at := self.index.earliest_after(p, now_ms)) is not None]
        self._next_wake = min(coming, default=None)
        return self._next_wake

    async def changed(self, partition: int, case_id: str, old_due: int | None, new_due: int | None,
                      old_stage: str | None = None, new_stage: str | None = None) -> None:
        """A case's next deadline and backlog stage after a change of its state (inputs of ``partition``)."""
        await self.index.move(partition, case_id, old_due, new_due)
        if self._nudge is not None and new_due is not None and (self._next_wake is None or new_due < self._next_wake):
            self._next_wake = new_due
            self._nudge()
        if old_stage != new_stage:
            for stage, step in ((old_stage, -1), (new_stage, 1)):
                if stage is not None:
                    key = backlog_key(stage, partition)
                    await self.table.put(key, max(0, (self.table.get(key) or 0) + step))

    def looked_again_at(self, now_ms: int) -> int:
        """When an entry a tick left where it was is due again: ``retick_seconds`` of real time at the clock's
        rate, at least 1 ms (a stopped clock's next step)."""
        return now_ms + max(1, int(self.retick_seconds * clock_rate(self.host.clock) * 1000))

    def nudge(self) -> None:
        """Sweep at once (precise): a partition became ready."""
        if self._nudge is not None:
            self._nudge()

    async def ensure(self, partition: int, case_id: str, due: int | None) -> None:
        """After an input that changed nothing: the case's entry is there (a crash may have lost it)."""
        if due is not None:
            await self.index.ensure(partition, case_id, due)

    async def sweep(self) -> None:
        """Tick each owned partition that has a deadline due; refresh the backlog gauge."""
        if not self._settled.settled:
            return
        host = self.host
        now_ms, real = int(host.clock.now().timestamp() * 1000), time.monotonic()
        owned = sorted(host.assigned(self.topic))
        if self._settled.stale:
            self._ticked.clear()   # ticks sent before the rebalance may have gone to another instance
            if self.rebalanced is not None:
                await self.rebalanced(set(owned))
            self._settled.built()
        async with host.batch():
            for p in owned:
                if self.ready(p) and self.index.has_due(p, now_ms) and real - self._ticked.get(p, -self.retick_seconds) >= self.retick_seconds:
                    self._ticked[p] = real
                    await host.send(self.topic, b"", b"", partition=p)
        host.set_backlog([(stage, total) for stage in lifecycle.STAGES
                          if (total := sum(self.table.get(backlog_key(stage, p)) or 0 for p in owned))])

    async def _on_tick(self, msg: Input) -> None:
        now = self.host.clock.now()
        if msg.value:   # a tick for one case (as written before the due index)
            await self.on_due(msg.partition, tick_case_id(msg.value), now)
            return
        now_ms = int(now.timestamp() * 1000)
        later = self.looked_again_at(now_ms)
        seen: set[str] = set()   # a case moved to a later page of the hour is not handled twice in one tick
        finished = True
        for case_id, at in self.index.due(msg.partition, now_ms):
            if case_id in seen:
                continue
            if len(seen) >= TICK_MOST or await self.on_due(msg.partition, case_id, now) is False:
                finished = False   # the rest at the next sweep: a tick never holds the agent for long, and a
                break              # stage that cannot take more now leaves this case and the rest due
            seen.add(case_id)
            current = self.current_due(case_id)
            # Nothing moved it (still due, or its answer is on its way): look again after retick_seconds.
            await self.index.move(msg.partition, case_id, at, later if current == at else current)
        await self.index.advance(msg.partition, now_ms, exact=finished)
        self._ticked.pop(msg.partition, None)
        if self.swept is not None:
            self.swept(msg.partition, finished)


def backlog_key(stage: str, partition: int) -> str:
    return f"n:{stage}:{partition}"


def tick_case_id(value: bytes) -> str:
    """A per-case tick's value is its case id (older ones were faust records: ``{"case_id": ...}``)."""
    if value[:1] == b"{":
        return json.loads(value)["case_id"]
    return value.decode()
