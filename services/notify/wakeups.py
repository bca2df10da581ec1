"""When to wake which debtor. Pure bookkeeping: no clock reads, no Kafka.

The guard defers a notice to an instant (08:00, the next day's 08:00). A fixed sweep only notices that
instant at its next tick; with a scaled clock one tick can be half a simulated day, so a wake-up due at
08:00 may be seen at 20:00 and, after the queue ahead of it, handled at 23:00, in quiet hours again:
deferred night after night. So the worker keeps, per debtor, the next due instant (``guard.next_due``
after every change of the debtor's state) and sleeps until the real instant at which the scaled clock
reaches the earliest one (``real_delay``), then sends one ``wake`` intent per debtor that has come due.
One wake per debtor is outstanding at a time: it is forgotten when the guard has handled it, or after
``retry_seconds`` of real time (a lost send), so a backlog is never flooded with repeated wakes.
"""
from __future__ import annotations

from datetime import datetime


class Wakeups:
    def __init__(self, retry_seconds: float = 5.0):
        self.retry_seconds = retry_seconds
        self.due: dict[str, int] = {}             # debtor_ref -> epoch ms of the next due wake-up
        self.outstanding: dict[str, float] = {}   # debtor_ref -> real (monotonic) second a wake was sent

    def set(self, debtor_ref: str, due_ms: int | None) -> None:
        """The debtor's next due instant from its current state (None: nothing waits on time)."""
        if due_ms is None:
            self.due.pop(debtor_ref, None)
        else:
            self.due[debtor_ref] = due_ms

    def handled(self, debtor_ref: str) -> None:
        """The guard handled a wake for this debtor."""
        self.outstanding.pop(debtor_ref, None)

    def _free(self, debtor_ref: str, real_now: float) -> bool:
        sent = self.outstanding.get(debtor_ref)
        return sent is None or real_now - sent >= self.retry_seconds

    def take(self, now_ms: int, real_now: float) -> list[str]:
        """Debtors to wake now, earliest due first; each is marked outstanding."""
        ready = sorted((due, ref) for ref, due in self.due.items() if due <= now_ms and self._free(ref, real_now))
        for _, ref in ready:
            self.outstanding[ref] = real_now
        return [ref for _, ref in ready]

    def next_ms(self, real_now: float) -> int | None:
        """The earliest due instant among debtors without an outstanding wake."""
        dues = [due for ref, due in self.due.items() if self._free(ref, real_now)]
        return min(dues) if dues else None


def real_delay(due_ms: int | None, now: datetime, scale: float, ceiling: float) -> float:
    """Real seconds until a scaled clock at ``now`` reaches ``due_ms``; at most ``ceiling`` (a frozen
    clock, scale 0, never gets there by itself: check again after ``ceiling``)."""
    if due_ms is None:
        return ceiling
    ahead = due_ms / 1000 - now.timestamp()
    if ahead <= 0:
        return 0.0
    return min(ceiling, ahead / scale) if scale > 0 else ceiling
