"""Deadlines by due time in a table, in pages: writing one deadline costs the same with ten cases or a million.

Keys of partition p (a case's inputs all hash to the same partition, so each key is written only while an
input of p is handled, and its changelog partition is p):
- ``low:<p>``              the earliest hour bucket that may still hold entries (bucket = due_ms // BUCKET_MS);
- ``b:<bucket>:<p>``       the bucket's header: its pages (``first`` up to ``next``), a lower bound of its dues;
- ``pg:<bucket>:<p>:<i>``  a page: {case_id: due_ms}, at most ``PAGE`` entries;
- ``at:<case_id>``         where the case's one entry is: [bucket, page].

A table write is a changelog record holding the whole value, so a bucket kept as one dict would cost a
write the size of the bucket: at national volume a night's deferrals (one 08:00 bucket) or a day's
mediation deadlines are hundreds of thousands of cases. Pages bound every write to ``PAGE`` entries, and a
case is in the index once whatever deadlines it had before.
"""
from __future__ import annotations

from typing import Iterator

from remedy.kernel.stage import Table

BUCKET_MS = 3_600_000
PAGE = 64
SCAN_PAGES = 4   # the most pages of the current hour read for its next deadline when some of it is due already


def bucket_of(due_ms: int) -> int:
    return due_ms // BUCKET_MS


class DueIndex:
    def __init__(self, table: Table):
        self.table = table

    # ---- keys ----------------------------------------------------------------------------------

    @staticmethod
    def _bucket_key(bucket: int, partition: int) -> str:
        return f"b:{bucket:010d}:{partition}"

    @staticmethod
    def _page_key(bucket: int, partition: int, page: int) -> str:
        return f"pg:{bucket:010d}:{partition}:{page}"

    @staticmethod
    def _low_key(partition: int) -> str:
        return f"low:{partition}"

    def _header(self, bucket: int, partition: int) -> dict | None:
        return self.table.get(self._bucket_key(bucket, partition))

    def _page(self, bucket: int, partition: int, page: int) -> dict:
        return self.table.get(self._page_key(bucket, partition, page)) or {}

    def _entries(self, bucket: int, partition: int) -> Iterator[tuple[str, int]]:
        header = self._header(bucket, partition)
        for page in range(header["first"], header["next"]) if header else ():
            yield from self._page(bucket, partition, page).items()

    # ---- writes --------------------------------------------------------------------------------

    async def move(self, partition: int, case_id: str, old_due: int | None, new_due: int | None) -> None:
        """The case's next deadline is now ``new_due`` (None: none). The entry is found by the case, not by
        ``old_due``: a tick may have moved it since its state last said when it was due."""
        if new_due is None:
            await self._remove(partition, case_id)
        else:
            await self.ensure(partition, case_id, new_due)

    async def ensure(self, partition: int, case_id: str, due: int) -> None:
        """The case's one entry is ``due`` (idempotent; an entry at another due is moved)."""
        where = self.table.get("at:" + case_id)
        if where is not None and self._page(where[0], partition, where[1]).get(case_id) == due:
            return
        await self._remove(partition, case_id)
        bucket = bucket_of(due)
        before = self._header(bucket, partition) or {"first": 0, "next": 0, "min": due}
        header = {**before, "min": min(before["min"], due)}
        page = header["next"] - 1
        entries = self._page(bucket, partition, page) if page >= header["first"] else {}
        if page < header["first"] or len(entries) >= PAGE:
            page, entries = header["next"], {}
            header["next"] += 1
        await self.table.put(self._page_key(bucket, partition, page), {**entries, case_id: due})
        if header != before:
            await self.table.put(self._bucket_key(bucket, partition), header)
        await self.table.put("at:" + case_id, [bucket, page])
        low = self.table.get(self._low_key(partition))
        if low is None or bucket < low:
            await self.table.put(self._low_key(partition), bucket)

    async def _remove(self, partition: int, case_id: str) -> None:
        where = self.table.get("at:" + case_id)
        if where is None:
            return
        bucket, page = where
        entries = self._page(bucket, partition, page)
        if case_id in entries:
            rest = dict(entries)
            del rest[case_id]
            await self.table.put(self._page_key(bucket, partition, page), rest or None)
            if not rest:
                await self._drop_first_pages(bucket, partition)
        await self.table.put("at:" + case_id, None)

    async def _drop_first_pages(self, bucket: int, partition: int) -> None:
        """Move the bucket's first page past the emptied ones at its front (pages empty in the middle are
        skipped when read); a bucket with no pages left loses its header."""
        header = self._header(bucket, partition)
        if header is None:
            return
        first = header["first"]
        while first < header["next"] and self.table.get(self._page_key(bucket, partition, first)) is None:
            first += 1
        if first != header["first"]:
            await self.table.put(self._bucket_key(bucket, partition),
                                 {**header, "first": first} if first < header["next"] else None)

    # ---- reads ---------------------------------------------------------------------------------

    def has_due(self, partition: int, now_ms: int, look: int = 48) -> bool:
        """A deadline of partition p has come. Reads bucket headers from ``low`` up to now (a past bucket with
        pages is due whole; the current one by its lower bound); after ``look`` empty ones it answers True
        anyway, so that a tick moves ``low`` on and the next look is short."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return False
        now_bucket = bucket_of(now_ms)
        for bucket in range(low, now_bucket + 1):
            if bucket - low >= look:
                return True
            header = self._header(bucket, partition)
            if header and (bucket < now_bucket or header["min"] <= now_ms):
                return True
        return False

    def due(self, partition: int, now_ms: int) -> Iterator[tuple[str, int]]:
        """(case_id, due_ms) of partition p whose deadline has come: earlier hours first, within an hour in the
        order entered. Read a page at a time, so a caller that stops early reads little."""
        low = self.table.get(self._low_key(partition))
        for bucket in range(low if low is not None else bucket_of(now_ms) + 1, bucket_of(now_ms) + 1):
            header = self._header(bucket, partition)
            for page in range(header["first"], header["next"]) if header else ():
                yield from sorted(((case_id, at) for case_id, at in self._page(bucket, partition, page).items()
                                   if at <= now_ms), key=lambda item: item[1])

    def earliest_after(self, partition: int, now_ms: int, look: int = 48) -> int | None:
        """The first deadline of partition p still to come, within ``look`` buckets of ``low`` (None: none seen).
        A bucket whose lower bound is still to come answers with it: at worst a waker wakes early (the earliest
        entry was removed) and looks again. The current hour, when some of it is due already, is read for its
        next deadline only if it is a few pages; a crowded one is left to the waker's next round."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return None
        now_bucket = bucket_of(now_ms)
        for bucket in range(max(low, now_bucket), low + look):
            header = self._header(bucket, partition)
            if header is None:
                continue
            if bucket > now_bucket or header["min"] > now_ms:
                return header["min"]
            if header["next"] - header["first"] > SCAN_PAGES:
                continue   # a crowd due now (a tick is coming for it): the waker's next round looks again
            later = [at for _, at in self._entries(bucket, partition) if at > now_ms]
            if later:
                return min(later)
        return None

    async def advance(self, partition: int, now_ms: int, *, exact: bool = True) -> None:
        """Move ``low`` past the buckets up to now that are empty (after their cases were ticked), and, when
        ``exact``, make the current bucket's lower bound exact again: that reads every page of the bucket, so a
        tick that stopped short (more is due, another tick follows) leaves the bound as it is."""
        low = self.table.get(self._low_key(partition))
        if low is None:
            return
        start, last = low, bucket_of(now_ms)
        while low <= last and self._header(low, partition) is None:
            low += 1
        if low != start:
            await self.table.put(self._low_key(partition), low)
        header = self._header(last, partition) if exact else None
        if header:
            dues = [at for _, at in self._entries(last, partition)]
            if dues and min(dues) != header["min"]:
                await self.table.put(self._bucket_key(last, partition), {**header, "min": min(dues)})
