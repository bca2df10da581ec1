"""Deadlines by due time, kept in a table: which cases need a tick now, without reading every case.

Table ``due`` of a stage holds, per input partition p (a case's inputs all hash to the same partition):
- ``b:<bucket>:<p>`` → {case_id: due_ms} for the cases whose next deadline falls in that bucket
  (an hour of the stage's clock: bucket = due_ms // BUCKET_MS);
- ``low:<p>`` → the earliest bucket that may still hold entries.

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
from typing import Awaitable, Callable, Iterator

from remedy.kernel import lifecycle
from remedy.kernel.clock import clock_rate
from remedy.kernel.stage import Host, Input, Table

BUCKET_MS = 3_600_000
OnDue = Callable[[int, str, datetime], Awaitable[None]]


def bucket_of(due_ms: int) -> int:
    return due_ms // BUCKET_MS


class DueIndex:
    def __init__(self, table: Table):
        self.table = table

    @staticmethod
    def _bucket_key(bucket: int, partition: int) -> str:
        return f"b:{bucket:010d}:{partition}"

    @staticmethod
    def _low_key(partition: int) -> str:
        return f"low:{partition}"

    async def move(self, partition: int, case_id: str, old_due: int | None, new_due: int | None) -> None:
        """The case's next deadline changed from ``old_due`` to ``new_due`` (None: none)."""
        if old_due == new_due:
            return
        if old_due is not None:
            await self._remove(partition, case_id, old_due)
        if new_due is not None:
            await self.ensure(partition, case_id, new_due)

    async def ensure(self, partition: int, case_id: str, due: int) -> None:
        """The case is in the bucket of ``due`` (idempotent)."""
        key = self._bucket_key(bucket_of(due), partition)
        entries = self.table.get(key) or {}
        if entries.get(case_id) != due:
            await self.table.put(key, {**entries, case_id: due})
        low = self.table.get(self._low_key(partition))
        if low is None or bucket_of(due) < low:
            await self.table.put(self._low_key(partition), bucket_of(due))

    async def _remove(self, partition: int, case_id: str, due: int) -> None:
        key = self._bucket_key(bucket_of(due), partition)
        entries = self.table.get(key) or {}
        if case_id in entries:
            rest = dict(entries)   # a copy made in C: a busy bucket holds thousands of cases
            del rest[case_id]
            await self.table.put(key, rest or None)

    def has_due(self, partition: int, now_ms: int, look: int = 48) -> bool:
        """A deadline of partition p has come. Reads the buckets from ``low`` up to now; after ``look``
        empty ones it answers True anyway, so that a tick moves ``low`` on and the next look is short."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return False
        for bucket in range(low, bucket_of(now_ms) + 1):
            if bucket - low >= look:
                return True
            if any(at <= now_ms for at in (self.table.get(self._bucket_key(bucket, partition)) or {}).values()):
                return True
        return False

    def due(self, partition: int, now_ms: int) -> Iterator[tuple[str, int]]:
        """(case_id, due_ms) of partition p whose deadline has come, earliest first."""
        low = self.table.get(self._low_key(partition))
        for bucket in range(low if low is not None else bucket_of(now_ms) + 1, bucket_of(now_ms) + 1):
            for case_id, at in sorted((self.table.get(self._bucket_key(bucket, partition)) or {}).items(),
                                      key=lambda item: item[1]):
                if at <= now_ms:
                    yield case_id, at

    def earliest_after(self, partition: int, now_ms: int, look: int = 48) -> int | None:
        """The first deadline of partition p still to come, within ``look`` buckets of ``low`` (None: none seen)."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return None
        for bucket in range(max(low, bucket_of(now_ms)), low + look):
            later = [at for at in (self.table.get(self._bucket_key(bucket, partition)) or {}).values() if at > now_ms]
            if later:
                return min(later)
        return None

    async def advance(self, partition: int, now_ms: int) -> None:
        """Move ``low`` past the buckets up to now that are empty (after their cases were ticked)."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return
        start, last = low, bucket_of(now_ms)
        while low <= last and not self.table.get(self._bucket_key(low, partition)):
            low += 1
        if low != start:
            await self.table.put(self._low_key(partition), low)


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
    """

    def __init__(self, host: Host, *, sweep_seconds: float, on_due: OnDue,
                 current_due: Callable[[str], int | None], retick_seconds: float = 5.0, precise: bool = False):
        self.host, self.on_due, self.current_due, self.retick_seconds = host, on_due, current_due, retick_seconds
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
        async with host.batch():
            for p in owned:
                if self.index.has_due(p, now_ms) and real - self._ticked.get(p, -self.retick_seconds) >= self.retick_seconds:
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
        later = now_ms + max(1, int(self.retick_seconds * clock_rate(self.host.clock) * 1000))
        for case_id, at in list(self.index.due(msg.partition, now_ms)):
            await self.on_due(msg.partition, case_id, now)
            current = self.current_due(case_id)
            # Nothing moved it (still due, or its answer is on its way): look again after retick_seconds.
            await self.index.move(msg.partition, case_id, at, later if current == at else current)
        await self.index.advance(msg.partition, now_ms)
        self._ticked.pop(msg.partition, None)


def backlog_key(stage: str, partition: int) -> str:
    return f"n:{stage}:{partition}"


def tick_case_id(value: bytes) -> str:
    """A per-case tick's value is its case id (older ones were faust records: ``{"case_id": ...}``)."""
    if value[:1] == b"{":
        return json.loads(value)["case_id"]
    return value.decode()
