"""When to wake which debtor. Pure bookkeeping: no clock reads, no Kafka.

The guard defers a notice to an instant (08:00, the next day's 08:00). A fixed sweep only notices that
instant at its next tick; with a scaled clock one tick can be half a simulated day, so a wake-up due at
08:00 may be seen at 20:00 and, after the queue ahead of it, handled at 23:00, in quiet hours again:
deferred night after night. So the worker keeps, per debtor, the next due instant (``guard.next_due``
after every change of the debtor's state) and sleeps until the real instant at which the scaled clock
reaches the earliest one (``real_delay``), then sends one ``wake`` intent per debtor that has come due.
One wake per debtor is outstanding at a time: it is forgotten when the guard has handled it, when its
send failed, or after ``retry_seconds`` of real time (lost some other way). That safety net must be
long (minutes): a guard that lags behind a burst would otherwise be sent every due debtor's wake again
and again, and each repeat lengthens the queue it is waiting in.
"""
from __future__ import annotations

import heapq

from remedy.kernel.clock import real_delay  # noqa: F401 - where the waker's sleep is computed


class Wakeups:
    """Due instants in a heap (lazily invalidated: an entry counts while it matches ``due`` and its
    debtor has no wake outstanding), so finding the next wake-up costs O(log n), not a scan of
    every debtor: the waker runs after every change of any debtor's state."""

    def __init__(self, retry_seconds: float = 5.0):
        self.retry_seconds = retry_seconds
        self.due: dict[str, int] = {}             # debtor_ref -> epoch ms of the next due wake-up
        self.outstanding: dict[str, float] = {}   # debtor_ref -> real (monotonic) second a wake was sent
        self._heap: list[tuple[int, str]] = []    # (due ms, debtor_ref)
        self._retries: list[tuple[float, str]] = []  # (real second a wake counts as lost, debtor_ref)

    def set(self, debtor_ref: str, due_ms: int | None) -> None:
        """The debtor's next due instant from its current state (None: nothing waits on time)."""
        if due_ms is None:
            self.due.pop(debtor_ref, None)
        elif self.due.get(debtor_ref) != due_ms:
            self.due[debtor_ref] = due_ms
            heapq.heappush(self._heap, (due_ms, debtor_ref))

    def handled(self, debtor_ref: str) -> None:
        """The guard handled a wake for this debtor."""
        if self.outstanding.pop(debtor_ref, None) is not None:
            self._requeue(debtor_ref)

    def failed(self, debtor_ref: str) -> None:
        """Sending the wake failed: the debtor may be woken again at once."""
        self.handled(debtor_ref)

    def _requeue(self, debtor_ref: str) -> None:
        if debtor_ref in self.due:
            heapq.heappush(self._heap, (self.due[debtor_ref], debtor_ref))

    def _expire(self, real_now: float) -> None:
        """Wakes outstanding for ``retry_seconds`` are taken as lost: their debtors may be woken again."""
        while self._retries and self._retries[0][0] <= real_now:
            _, ref = heapq.heappop(self._retries)
            sent = self.outstanding.get(ref)
            if sent is not None and real_now - sent >= self.retry_seconds:
                del self.outstanding[ref]
                self._requeue(ref)

    def _top(self) -> tuple[int, str] | None:
        while self._heap:
            due, ref = self._heap[0]
            if self.due.get(ref) == due and ref not in self.outstanding:
                return due, ref
            heapq.heappop(self._heap)
        return None

    def take(self, now_ms: int, real_now: float) -> list[str]:
        """Debtors to wake now, earliest due first; each is marked outstanding."""
        self._expire(real_now)
        ready = []
        while (top := self._top()) is not None and top[0] <= now_ms:
            heapq.heappop(self._heap)
            self.outstanding[top[1]] = real_now
            heapq.heappush(self._retries, (real_now + self.retry_seconds, top[1]))
            ready.append(top[1])
        return ready

    def next_ms(self, real_now: float) -> int | None:
        """The earliest due instant among debtors without an outstanding wake."""
        self._expire(real_now)
        top = self._top()
        return top[0] if top else None
