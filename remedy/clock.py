"""The injectable clock. Every service reads time from one of these, never from ``datetime.now``.

``ScaledClock`` lets a 2-month case cycle run in minutes: all processes given the same
(epoch, anchor, scale) agree on the simulated time.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from remedy.settings import Settings

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
    if settings.clock_scale == 1.0 and not settings.clock_epoch:
        return SystemClock()
    anchor = settings.clock_anchor or time.time()
    epoch = parse_instant(settings.clock_epoch) if settings.clock_epoch else datetime.fromtimestamp(anchor, timezone.utc)
    return ScaledClock(epoch, anchor, settings.clock_scale)


def parse_instant(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def china_date(at: datetime) -> date:
    """The calendar date in China (UTC+8) at an instant: legal deadlines count in local days."""
    return at.astimezone(CHINA_TZ).date()
