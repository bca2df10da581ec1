"""The injectable clock. Every service reads time from one of these, never from ``datetime.now``.

``ScaledClock`` lets a 2-month case cycle run in minutes: all processes given the same
(epoch, anchor, scale) agree on the simulated time. ``PacedClock`` is a scaled clock whose rate a
pacer changes while it runs (``remedy run`` slows it while the services lag behind, see
``remedy.ops.pacing``): every process reads the same small file.
"""
from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from remedy.kernel.settings import Settings

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ScaledClock:
    def __init__(self, epoch: datetime, anchor: float, scale: float, real=time.time):
        self.epoch, self.anchor, self.scale, self._real = epoch, anchor, scale, real

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=(self._real() - self.anchor) * self.scale)


def replace_file(path: str, text: str) -> None:
    """Write a small shared file atomically (write, then rename): a reader never sees half of it."""
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class ClockFile:
    """The shared state of a paced clock: ``sim_ms anchor rate`` — the simulated instant (epoch ms)
    at the real unix time ``anchor``, and simulated seconds per real second from then on.
    Written by one pacer (atomically: write then rename), read by every process."""

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)

    def write(self, sim_ms: float, anchor: float, rate: float) -> None:
        replace_file(self.path, f"{sim_ms!r} {anchor!r} {rate!r}\n")

    def read(self) -> tuple[float, float, float]:
        with open(self.path) as f:
            sim_ms, anchor, rate = (float(x) for x in f.read().split())
        return sim_ms, anchor, rate


class PacedClock:
    """A scaled clock whose rate can change while it runs: reads its ``ClockFile`` at most every
    ``refresh`` real seconds and extrapolates in between. Never goes backwards in one process (an
    extrapolation past a pause is held until the shared clock catches up)."""

    def __init__(self, path: str | os.PathLike, refresh: float = 0.02, real=time.time):
        self.file, self.refresh, self._real = ClockFile(path), refresh, real
        self._loaded_at = float("-inf")
        self._last_ms = float("-inf")
        self._state = (0.0, 0.0, 0.0)

    def _current(self, real: float) -> tuple[float, float, float]:
        if real - self._loaded_at >= self.refresh:
            try:
                self._state = self.file.read()
                self._loaded_at = real
            except (OSError, ValueError):  # mid-replace on some filesystems: keep the last state
                pass
        return self._state

    @property
    def scale(self) -> float:
        """The current rate (0 while the pacer holds time)."""
        return self._current(self._real())[2]

    def now(self) -> datetime:
        real = self._real()
        sim_ms, anchor, rate = self._current(real)
        self._last_ms = max(self._last_ms, sim_ms + (real - anchor) * rate * 1000)
        return datetime.fromtimestamp(self._last_ms / 1000, timezone.utc)


class FrozenClock:
    """For tests: time moves only when told."""

    def __init__(self, at: datetime):
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta) -> datetime:
        self._at += timedelta(**delta)
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at


def clock_from_settings(settings: Settings) -> Clock:
    if settings.clock_file:
        return PacedClock(settings.clock_file)
    if settings.clock_scale == 1.0 and not settings.clock_epoch:
        return SystemClock()
    anchor = settings.clock_anchor or time.time()
    epoch = parse_instant(settings.clock_epoch) if settings.clock_epoch else datetime.fromtimestamp(anchor, timezone.utc)
    return ScaledClock(epoch, anchor, settings.clock_scale)


def clock_rate(clock: Clock) -> float:
    """Simulated seconds per real second now (a paced clock's rate changes; a frozen clock's is 0)."""
    if isinstance(clock, FrozenClock):
        return 0.0
    return float(getattr(clock, "scale", 1.0))


def parse_instant(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def china_date(at: datetime) -> date:
    """The calendar date in China (UTC+8) at an instant: legal deadlines count in local days."""
    return at.astimezone(CHINA_TZ).date()


def real_delay(due_ms: int | None, now: datetime, scale: float, ceiling: float) -> float:
    """Real seconds until a scaled clock at ``now`` reaches ``due_ms``; at most ``ceiling`` (a frozen
    clock, scale 0, never gets there by itself: check again after ``ceiling``)."""
    if due_ms is None:
        return ceiling
    ahead = due_ms / 1000 - now.timestamp()
    if ahead <= 0:
        return 0.0
    return min(ceiling, ahead / scale) if scale > 0 else ceiling
