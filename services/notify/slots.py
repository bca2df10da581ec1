"""Send slots: at most N notices printed and sent at once, without ever holding up the guard's decisions.

The guard takes a free slot for a notice it releases, or leaves the notice ``inflight`` in the debtor's stored
state and the debtor due in the due index at the instant its case event happened (nothing is kept in memory
per waiting notice). Each tick of the due index then wakes waiting debtors, earliest first, while slots are
free: it ```reserve``s a slot for a debtor before sending the debtor's ``wake``, and the guard sends with that
slot (``take``). When none is free the tick stops and the rest stay due for the next one. So a backlog drains
as fast as sends finish, one wake per send; and while debtors wait (``queued``), a fresh release waits its turn
in the index behind them instead of taking the slot that frees first.

A reservation not used within ``hold`` seconds (its wake went to another instance after a rebalance, or the
notice had been sent meanwhile) is given back.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable


class SendSlots:
    def __init__(self, n: int, *, hold: float = 30.0, monotonic: Callable[[], float] = time.monotonic):
        self._free = asyncio.Semaphore(n)
        self._reserved: dict[str, list[float]] = {}   # at most n entries: each holds a slot
        self.queued: set[int] = set()   # partitions whose debtors wait in the index: fresh releases queue behind
        self.hold, self._monotonic = hold, monotonic

    async def take(self, partition: int, debtor_ref: str) -> bool:
        """A slot to send one of the debtor's notices now: one reserved for the debtor, else a free one
        unless debtors of its partition are queued for one."""
        held = self._reserved.get(debtor_ref)
        if held:
            held.pop()
            if not held:
                del self._reserved[debtor_ref]
            return True
        if partition in self.queued or self._free.locked():
            return False
        await self._free.acquire()   # free: returns at once
        return True

    def release(self) -> None:
        """A send finished."""
        self._free.release()

    async def reserve(self, partition: int, debtor_ref: str) -> bool:
        """Hold a free slot for the debtor's next ``take``; False (the partition queued) when none is free."""
        self.expire()
        if self._free.locked():
            self.queued.add(partition)
            return False
        await self._free.acquire()
        self._reserved.setdefault(debtor_ref, []).append(self._monotonic())
        return True

    def swept(self, partition: int, finished: bool) -> None:
        """A tick of the partition woke every debtor due (``finished``): fresh releases may take free slots."""
        if finished:
            self.queued.discard(partition)

    def unused(self, debtor_ref: str) -> None:
        """The debtor's intent was handled: slots reserved for it and not taken are free again."""
        for _ in self._reserved.pop(debtor_ref, ()):
            self._free.release()

    def expire(self) -> None:
        cutoff = self._monotonic() - self.hold
        for ref in [r for r, held in self._reserved.items() if held[0] < cutoff]:
            self.unused(ref)
