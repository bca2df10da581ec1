"""Handing a partition's sends from one notify instance to the next: a notice is sent again only when no
instance is still sending it, and one left half-sent by an instance that died is sent without waiting.

A released notice is stored ``inflight`` before a background task sends it; the send's result comes back as a
``settle`` intent on the debtor's partition, and only then does the stored state say the notice is done. When
partitions move (a rebalance: an instance started, stopped or died):

- the instance giving them up (``revoked``) starts no new send and waits, at most ``DRAIN_SECONDS``, for its sends
  under way to finish and their results to reach the broker; every result of its sends is then on the partition
  before any other instance owns it;
- the instance taking them writes, at the first sweep after the rebalance, a marker to each partition it owns
  (``markers``: its run and the rebalance's round). Until its guard reads that marker it sends only the notices
  it releases itself: the intents before the marker include ones the old owner had handled already (consumers
  start again from the last committed offset), while the results of the old owner's sends are behind them;
- at its own marker every result written before it has been applied, so a notice still ``inflight`` and not
  being sent here was being sent by an instance that died (kill -9, out of memory). Its debtor's entry in the due
  index, put a re-wake interval ahead while the notice was being sent, is moved to now, the partition is
  ``ready``, and the next tick sends the notice (the channels dedupe by notice id).

Memory holds the partitions ready and a count of sends under way: nothing per debtor or notice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid

DRAIN_SECONDS = 20.0   # a send still under way after this long is left to finish on its own (logged)
MARKER = "recover"
log = logging.getLogger(__name__)


class Handover:
    def __init__(self):
        self.run = uuid.uuid4().hex   # this process: a marker written by another one is not ours
        self.round = 0                # rebalances seen: a marker of an earlier one is not ours any more
        self.ready: set[int] = set()  # partitions whose old owner's results have all been read
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def started(self) -> None:
        self.running += 1
        self._idle.clear()

    def finished(self) -> None:
        self.running -= 1
        if self.running == 0:
            self._idle.set()

    def markers(self, partitions: set[int]) -> list[tuple[int, bytes]]:
        """After a rebalance: the marker to write to each partition owned now; none is ready until its marker is read."""
        self.round += 1
        self.ready.clear()
        value = json.dumps({"op": MARKER, "run": self.run, "round": self.round}).encode()
        return [(p, value) for p in sorted(partitions)]

    def ours(self, marker: dict) -> bool:
        return marker.get("run") == self.run and marker.get("round") == self.round

    async def drain(self) -> None:
        """Partitions are being taken away: no partition is ready, and the sends under way finish first."""
        self.ready.clear()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=DRAIN_SECONDS)
        except asyncio.TimeoutError:
            log.warning("notify: %d send(s) still under way after %.0f s while giving up partitions; their "
                        "notices may be sent again by the next owner (the channels dedupe by notice id)",
                        self.running, DRAIN_SECONDS)
