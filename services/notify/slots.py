"""Send slots: at most N notices printed and sent at once, without ever holding up the guard's decisions.

The guard takes a free slot for a notice it releases, or leaves the notice ``inflight`` in the debtor's stored
state and the debtor due in the due index at the instant its case event happened (nothing is kept in memory
per waiting notice). Each tick of the due index then starts the waiting debtors' sends, earliest first, while
slots are free; when none is, the tick stops, the rest stay due, and the partition is ``queued``: until a
tick has started every waiting send of it, a fresh release there waits its turn in the index instead of taking
the slot that frees first. A finished send starts the next waiting one at once (``ask``: notify reads the due
index for it), so a backlog drains as fast as sends finish, not at the pace of ticks.

A send's slot is free once its channels are done, but its result reaches the guard only through the debtor's
partition of ``notify.intents``, behind whatever waits there. Until the guard applies it the notice is
``unsettled`` (notify keeps its id in memory and skips its debtor when it looks for the next waiting send), so
at most ``UNSETTLED_PER_SLOT`` times the slots may be unsettled: when the guard falls behind, sending waits for
it instead of piling up results, and memory and the look for the next send stay bounded whatever the backlog.
A result takes about a second to come back (gathered for ``REMEDY_NOTIFY_RECORD_GATHER_MS``, written, read back):
with 4 a slot sending waited for results even with nothing else to do (35,698 first notices of 20,000 cases sent
in 7 min 51 s in ``bench_million``), with 16 it waits only for the printing process (5 min 46 s).
"""
from __future__ import annotations

from typing import Callable

UNSETTLED_PER_SLOT = 16


class SendSlots:
    def __init__(self, n: int, unsettled: Callable[[], int] = lambda: 0):
        """``unsettled()``: how many sends started here the guard has not applied the result of yet (notify's
        ``sending``, which it keeps until then)."""
        self.free, self.unsettled, self.most_unsettled = n, unsettled, n * UNSETTLED_PER_SLOT
        self.queued: set[int] = set()   # partitions with debtors waiting in the index for a slot
        self.ask: Callable[[], None] = lambda: None   # starts the next waiting send

    def take(self, partition: int, *, fresh: bool) -> bool:
        """A slot for one send now. ``fresh``: a notice the guard just released, which waits behind the debtors
        of its partition already queued; a tick starting a waiting send is not fresh."""
        if self.free == 0 or self.unsettled() >= self.most_unsettled or (fresh and partition in self.queued):
            if not fresh:
                self.queued.add(partition)
            return False
        self.free -= 1
        return True

    def release(self) -> None:
        """A send's channels are done: its slot is free, and a queued partition's next debtor may have it."""
        self.free += 1
        if self.queued:
            self.ask()

    def settled(self) -> None:
        """The guard applied a send's result (or the send failed before it had one): one fewer unsettled, so a
        queued partition's next debtor may be sent to."""
        if self.queued and self.free:
            self.ask()

    def swept(self, partition: int, finished: bool) -> None:
        """A tick of the partition started every waiting send due (``finished``): fresh releases may take slots."""
        if finished:
            self.queued.discard(partition)
