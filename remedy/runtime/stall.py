"""A worker stuck while not ready ends itself, so that its supervisor starts it again.

faust's table recovery can wait for ever: a worker alive (its broker answers, ``/healthz`` 200) but not ready
(``/readyz`` 503 "recovering its tables") with a few changelog records left that never arrive, after its group
membership expired under load and it rejoined. A restart recovers from the offset its RocksDB store keeps, so
it costs seconds; waiting costs the stage. ``StallWatch`` tells the two apart by progress, not by time alone: a
long recovery that reads its changelog (a lost store rebuilt from a million-case changelog takes minutes)
advances its offsets and is left alone, as is a worker that cannot reach its broker (a restart would not help;
``/healthz`` says so). Only a worker that is not ready, reaches its broker, and has made no progress in its
rebalance or recovery for ``REMEDY_STALL_SECONDS`` logs why and exits with ``STUCK_EXIT``; ``remedy up``'s
supervisor and the systemd units restart it, and say it was stuck.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger("remedy.runtime.stall")

STUCK_EXIT = 75   # EX_TEMPFAIL: a temporary failure, to be retried (remedy.ops.procs.describe_exit names it)


@dataclass(frozen=True)
class Progress:
    """Where a worker's rebalance and recovery stand: any change of ``mark`` is progress."""
    not_ready: bool
    mark: tuple
    records_left: int = 0


def faust_progress(app) -> Progress:
    """From faust's public state: rebalancing or in recovery, the rebalance count and the changelog offsets
    read so far (``Recovery.active_offsets``), and the changelog records still to read (``active_remaining``)."""
    recovery = app.tables.recovery
    in_recovery = bool(getattr(app, "in_recovery", False))
    offsets = sum(v for v in recovery.active_offsets.values() if v is not None)
    left = sum(v for v in recovery.active_remaining().values() if v > 0) if in_recovery else 0
    return Progress(bool(app.rebalancing) or in_recovery, (app.rebalancing_count, offsets), left)


class StallWatch:
    """Seconds a worker has been not ready without progress, while it reaches its broker; ``limit`` 0: never stuck."""

    def __init__(self, limit: float, now: Callable[[], float] = time.monotonic):
        self.limit, self._now = limit, now
        self._mark: tuple | None = None
        self._since: float | None = None

    def observe(self, progress: Progress, broker_reachable: bool) -> float:
        """Seconds without progress so far (0 while ready, progressing, or cut off from the broker)."""
        now = self._now()
        if not progress.not_ready or not broker_reachable:
            self._mark = self._since = None
            return 0.0
        if progress.mark != self._mark or self._since is None:
            self._mark, self._since = progress.mark, now
            return 0.0
        return now - self._since

    def stuck(self, seconds: float) -> bool:
        return self.limit > 0 and seconds >= self.limit


def check(watch: StallWatch, progress: Progress, broker_reachable: bool, service: str,
          exit_: Callable[[int], None] = os._exit) -> float:
    """One look: when stuck, a log line saying why, then the process ends (``os._exit``: a worker stuck in faust's
    recovery may not stop cleanly, and its store is a prefix of its changelog at any instant)."""
    seconds = watch.observe(progress, broker_reachable)
    if watch.stuck(seconds):
        log.error("%s: not ready and no progress for %.0f s (%s, %d changelog record(s) left to read): "
                  "exiting with code %d to be restarted", service, seconds,
                  "recovering its tables" if progress.records_left else "rebalancing",
                  progress.records_left, STUCK_EXIT)
        for handler in logging.getLogger().handlers:
            handler.flush()
        exit_(STUCK_EXIT)
    return seconds
