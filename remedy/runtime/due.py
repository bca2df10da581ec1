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

from typing import Iterator

from remedy.kernel.stage import Table

BUCKET_MS = 3_600_000


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
            rest = {k: v for k, v in entries.items() if k != case_id}
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
