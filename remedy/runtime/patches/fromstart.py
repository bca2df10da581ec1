"""After a rebalance, a partition no member has committed is read from its beginning, and no record slips past a seek.

faust ends every rebalance with ``Consumer.perform_seek``: each assigned partition goes back to its
committed offset, so records fetched but not handled before the rebalance are fetched again. aiokafka's
``seek_to_committed`` seeks only partitions with a committed offset above 0; a partition with none keeps
the position the consumer had reached. Records fetched for it and then dropped in the rebalance (faust
stops handing out a fetched batch when the flow stops, and a fetch's records for a partition that is
paused meanwhile are skipped) are then never read again. On a real Tansu this lost about one partition's
worth of triage's input in two runs of three: an instance killed before its first commit (faust commits
every few seconds) left its partitions uncommitted, and the instance that took them over started near
their end (tests/broker/test_supervision.py).

``install()`` replaces ``Consumer.perform_seek`` with faust 0.15.3's own, plus one step: every assigned
input partition without a committed offset (None, or 0) is sought to its beginning, as a consumer group
does for a partition it reads for the first time (``auto_offset_reset=earliest``). Table changelogs are
left to faust's recovery, which positions them itself. Records read twice this way are handled
idempotently, like any redelivery.

The seek also holds the flow, one seek at a time. faust's recovery resumes the flow and the stream
partitions *before* it awaits ``perform_seek``, and a second seek may be under way at the same moment (the
fetcher's own, when a fetch returns while the flow is stopped): records fetched from the old position kept
being handed to the agents while the seek ran, so the read offsets it had just reset to the committed ones
moved on again, the queues they had gone into were cleared when the flow resumed, and the same records,
fetched again from the committed offset, were dropped as already read ("DROPPED MESSAGE ROFF" in faust's dev
log). The instance kept its partitions, said "Worker ready", and never handled those records until it
restarted (tests/broker/test_supervision.py caught it in about one run in fifteen on a busy 2-core machine).
So ``perform_seek`` stops the flow before it seeks (a fetch under way stops handing out records; a delivery
waiting on a full queue is abandoned, as in any rebalance), and takes a lock so that two seeks never
interleave; the flow stays stopped until the recovery resumes it, which it does after clearing the queues.

Guarded (``remedy.runtime.patches.guard``): ``GUARD`` records the faust version and the sha256 of the
``perform_seek`` this copies; with another faust the worker refuses to start. Without it
(``REMEDY_FAUST_PATCHES`` leaving out ``fromstart``) faust's own runs: a partition whose first owner
dies before its first commit can lose records, and an instance can stall on records a rebalance dropped.
"""
from __future__ import annotations

import asyncio
import logging
import weakref

from faust.transport.consumer import Consumer, ensure_TP
from faust.types import TP

from remedy.runtime.patches.guard import Guard, replace, restore

log = logging.getLogger("remedy.runtime.patches.fromstart")

GUARD = Guard(
    module=__name__, patch="fromstart", use="replaces", target="faust.transport.consumer:Consumer.perform_seek",
    kind="coroutine method", distribution="faust-streaming", versions=("0.15.3",),
    sha256="0e8c130ff4b0afd82c0be9c5fd831316e10febc62c94032833911096e156d7c6",
    without="faust's own perform_seek runs: a partition whose first owner dies before its first commit can "
            "lose the records fetched but not handled when a rebalance took it over, and records fetched during a "
            "seek can be dropped as already read")
_SEEKING: "weakref.WeakKeyDictionary[object, asyncio.Lock]" = weakref.WeakKeyDictionary()  # one seek at a time


def never_committed(committed: dict[TP, int | None], changelogs: set[str]) -> list[TP]:
    """The input partitions to read from their beginning: no committed offset (or 0), not a table changelog."""
    return sorted((tp for tp, offset in committed.items() if not offset and tp.topic not in changelogs),
                  key=lambda tp: (tp.topic, tp.partition))


async def perform_seek(self) -> None:
    """faust 0.15.3's ``perform_seek`` (``GUARD``) with the flow stopped and one seek at a time, and partitions
    never committed to their beginning."""
    lock = _SEEKING.get(self)
    if lock is None:
        lock = _SEEKING[self] = asyncio.Lock()
    async with lock:
        self.stop_flow()   # resumed by the recovery once the agents' queues are cleared
        await _seek(self)


async def _seek(self) -> None:
    read_offset = self._read_offset
    _committed_offsets = await self.seek_to_committed()
    fresh = never_committed(dict(_committed_offsets), set(self.app.tables.changelog_topics))
    if fresh:
        for tp in fresh:  # offset 0, or where the log now starts (an out-of-range fetch resets to earliest)
            await self.seek(tp, 0)
        log.info("no committed offset for %s: reading from the beginning",
                 ", ".join(f"{tp.topic}[{tp.partition}]" for tp in fresh))
    read_offset.update(
        {tp: offset if offset is not None and offset >= 0 else None for tp, offset in _committed_offsets.items()}
    )
    committed_offsets = {ensure_TP(tp): offset if offset else None for tp, offset in _committed_offsets.items()
                         if offset is not None}
    self._committed_offset.update(committed_offsets)


def install() -> None:
    replace(Consumer, "perform_seek", perform_seek)


def uninstall() -> None:
    restore(Consumer, "perform_seek")
