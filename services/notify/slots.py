"""Send slots: at most N notices printed and sent at once, without ever holding up the guard's decisions.

The guard takes a free slot for a notice it releases, or leaves the notice ``inflight`` in the debtor's stored
state and the debtor due in the due index at the instant its case event happened (nothing is kept in memory
per waiting notice). Each tick of the due index then starts the waiting debtors' sends, earliest first, while
slots are free; when none is, the tick stops, the rest stay due, and the partition is ``queued``: until a
tick has started every waiting send of it, a fresh release there waits its turn in the index instead of taking
the slot that frees first. A finished send starts the next waiting one at once (``ask``: notify reads the due
index for it), so a backlog drains as fast as sends finish, not at the pace of ticks.
"""
from __future__ import annotations

from typing import Callable


class SendSlots:
    def __init__(self, n: int):
        self.free = n
        self.queued: set[int] = set()   # partitions with debtors waiting in the index for a slot
        self.ask: Callable[[], None] = lambda: None   # starts the next waiting send

    def take(self, partition: int, *, fresh: bool) -> bool:
        """A slot for one send now. ``fresh``: a notice the guard just released, which waits behind the debtors
        of its partition already queued; a tick starting a waiting send is not fresh."""
        if self.free == 0 or (fresh and partition in self.queued):
            if not fresh:
                self.queued.add(partition)
            return False
        self.free -= 1
        return True

    def release(self) -> None:
        """A send finished: its slot is free, and a queued partition's next debtor may have it."""
        self.free += 1
        if self.queued:
            self.ask()

    def swept(self, partition: int, finished: bool) -> None:
        """A tick of the partition started every waiting send due (``finished``): fresh releases may take slots."""
        if finished:
            self.queued.discard(partition)
