"""The deadlines a per-case file keeps, shared by the services that keep them. Pure.

A file (a dataclass) has ``deadlines`` (name → {"at": epoch ms, "set": epoch ms}), ``held_since``,
``closed`` and ``seen`` (input ids already applied). While a case is held no deadline runs; on
release each deadline moves by the held time it lived through.
"""
from __future__ import annotations

import copy
from dataclasses import asdict
from datetime import date, datetime, time, timedelta

from remedy.kernel.clock import CHINA_TZ

SEEN_LIMIT = 500  # input ids remembered per case, for redelivery


class CaseFileRecord:
    """JSON round trip and redelivery memory for a case-file dataclass."""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict):
        return cls(**copy.deepcopy(data))

    def remember(self, input_id: str) -> None:
        self.seen = (self.seen + [input_id])[-SEEN_LIMIT:]


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def start_of_china_day_ms(day: date) -> int:
    return ms(datetime.combine(day, time(0), CHINA_TZ))


def end_of_china_day_ms(day: date) -> int:
    """The instant a date-denominated deadline passes: midnight China time after ``day``."""
    return start_of_china_day_ms(day + timedelta(days=1))


def set_deadline(file, name: str, at_ms: int, now: datetime) -> None:
    file.deadlines[name] = {"at": at_ms, "set": ms(now)}


def release(file, held_ms: int, released_at: datetime) -> None:
    """Deadlines stop while held: each moves by the held time it lived through (all of it, or the
    part after it was set if it was set during the hold)."""
    now_ms = ms(released_at)
    for deadline in file.deadlines.values():
        deadline["at"] += min(held_ms, max(0, now_ms - deadline["set"]))
    file.held_since = None


def apply_hold(file, event: dict) -> None:
    """``CaseHeld`` stops the file's deadlines; ``CaseReleased`` moves them by the time held."""
    if event["type"] == "CaseHeld" and file.held_since is None:
        file.held_since = ms(event["occurred_at"])
    elif event["type"] == "CaseReleased" and file.held_since is not None:
        release(file, event["event"]["held_ms"], event["occurred_at"])


def next_due_ms(file) -> int | None:
    """When a sweep should look at this case again; None while held, closed or without deadlines."""
    if file.closed or file.held_since is not None or not file.deadlines:
        return None
    return min(d["at"] for d in file.deadlines.values())
