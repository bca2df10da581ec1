"""The assignment desk: gives each case in a mediation tier a mediator, never above a mediator's
daily capacity, balancing load; a case waits in a queue, best settle-propensity score first, until
one is free. Pure. The wiring runs it on one partition (``mediation.desk``) so counts are exact.

The decisions read the desk through ``View`` — the day, the day's loads ({mediator_id: cases today}) and
the waiting requests, lane by lane: a lane is a (tier, region), read in the desk's order (``order``:
highest score, then longest wait, then request key). ``services.mediation.queue`` keeps that view in the
desk's table. Each input yields a ``Change`` (requests joining and leaving the queue, the loads, events),
which the wiring persists; a decision never reads more than it needs: an enqueue reads whether its request
already waits, a drain reads each lane only until its region has no free mediator.
A request: {"case_id", "lender_id", "tier", "attempt", "region", "cross_region", "centre", "court",
"score", "requested_ms", "causation_id"}.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Iterable, Iterator, Protocol

from remedy.kernel.emit import Emit
from remedy.kernel.clock import CHINA_TZ, china_date
from remedy.kernel.events import case_event
from remedy.kernel.ids import event_id
from services.mediation.roster import candidates

PRODUCER = "mediation"
WORK_START, WORK_END = time(9, 0), time(18, 0)
WORK_MINUTES = 9 * 60


class View(Protocol):
    """The desk as its decisions read it."""
    day: str                  # the China date the loads count
    loads: dict[str, int]     # mediator_id -> cases assigned that day

    def has(self, key: str) -> bool:
        """The request waits in the queue."""

    def keys_of(self, case_id: str) -> Iterable[str]:
        """The keys of the case's waiting requests."""

    def lanes(self) -> Iterable[tuple[str, str]]:
        """(tier, region) of every lane with a request waiting."""

    def waiting(self, tier: str, region: str) -> Iterator[tuple[str, dict]]:
        """A lane's (request key, request), in ``order``, read as the caller goes."""


def request_key(req: dict) -> str:
    return f"{req['case_id']}:{req['tier']}:{req['attempt']}"


def case_of(key: str) -> str:
    return key.split(":", 1)[0]


def order(item: tuple[str, dict]) -> tuple[int, int, str]:
    """The desk's order of (key, request): highest score, then longest wait, then key."""
    key, req = item
    return -req["score"], req["requested_ms"], key


@dataclass
class Change:
    """What one desk input does: requests that join and leave the queue, the day's loads, the events
    to publish and the keys of the requests assigned. Small, so the wiring persists only this."""
    day: str
    loads: dict[str, int]
    joined: dict[str, dict] = field(default_factory=dict)
    left: set[str] = field(default_factory=set)
    emits: list[Emit] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)


def enqueue(desk: View, req: dict, roster: dict[str, dict], now: datetime) -> Change:
    """Take a request (ignored if already queued) and assign whatever can be assigned now.

    On the same day only the new request can be assignable: every waiting one already found no free
    mediator, and an assignment frees none. So a full ``drain`` is needed only when the day turns."""
    key = request_key(req)
    if desk.has(key):
        return Change(desk.day, desk.loads)
    if desk.day != china_date(now).isoformat():
        return drain(desk, roster, now, extra={key: req})
    loads = dict(desk.loads)
    mediator = pick(req, roster, loads)
    if mediator is None:
        return Change(desk.day, loads, joined={key: req})
    loads[mediator["mediator_id"]] = loads.get(mediator["mediator_id"], 0) + 1
    return Change(desk.day, loads, emits=assignment_events(req, mediator, loads[mediator["mediator_id"]], now),
                  assigned=[key])


def cancel(desk: View, case_id: str) -> Change:
    """The case left mediation (or its tier): drop its waiting requests."""
    return Change(desk.day, desk.loads, left=set(desk.keys_of(case_id)))


def drain(desk: View, roster: dict[str, dict], now: datetime, extra: dict[str, dict] | None = None) -> Change:
    """Assign waiting requests (and ``extra`` new ones) in ``order`` while mediators are free.

    The lanes are merged by their heads; once a (tier, region) has no free mediator (loads only grow in a
    drain) its lane is read no further, and a new request for it joins the queue."""
    today = china_date(now).isoformat()
    change = Change(today, dict(desk.loads) if desk.day == today else {})
    new = {key: req for key, req in (extra or {}).items() if not desk.has(key)}
    full: set[tuple[str, str]] = set()  # (tier, region) with no free mediator

    def lane(tier: str, region: str) -> Iterator[tuple[str, dict]]:
        for item in desk.waiting(tier, region):
            if (tier, region) in full:
                return
            yield item

    lanes = [lane(tier, region) for tier, region in desk.lanes()]
    for key, req in heapq.merge(*lanes, sorted(new.items(), key=order), key=order):
        served = (req["tier"], req["region"])
        mediator = None if served in full else pick(req, roster, change.loads)
        if mediator is None:
            full.add(served)
            if key in new:
                change.joined[key] = req
            continue
        change.loads[mediator["mediator_id"]] = change.loads.get(mediator["mediator_id"], 0) + 1
        change.emits += assignment_events(req, mediator, change.loads[mediator["mediator_id"]], now)
        change.assigned.append(key)
        if key not in new:
            change.left.add(key)
    return change


def pick(req: dict, roster: dict[str, dict], loads: dict[str, int]) -> dict | None:
    """The least-loaded free mediator of the tier serving the case's region; a regional mediator
    before one serving everywhere."""
    for group in candidates(roster, req["tier"], req["region"]):   # the regional ones, then the national ones
        free = [m for m in group if loads.get(m["mediator_id"], 0) < m["daily_capacity"]]
        if free:
            return min(free, key=lambda m: (loads.get(m["mediator_id"], 0) / m["daily_capacity"],
                                            loads.get(m["mediator_id"], 0), m["mediator_id"]))
    return None


def session_time(now: datetime, slot: int, capacity: int) -> datetime:
    """The slot-th (1-based) session of the next China working day: 09:00 plus an equal share of the
    nine working hours per case, so every session starts inside 09:00–18:00 China time."""
    day = china_date(now) + timedelta(days=1)
    step = max(1, WORK_MINUTES // max(1, capacity))
    minutes = min((slot - 1) * step, WORK_MINUTES - 1)
    return datetime.combine(day, WORK_START, CHINA_TZ) + timedelta(minutes=minutes)


def choose_mode(req: dict, mediator: dict) -> str:
    preference = ("VIDEO", "PHONE", "ON_SITE") if req["cross_region"] else ("ON_SITE", "VIDEO", "PHONE")
    return next(m for m in preference if m in mediator["modes"])


def assignment_events(req: dict, mediator: dict, slot: int, now: datetime) -> list[Emit]:
    cid, tier = req["case_id"], req["tier"]
    wait_ms = max(0, int(now.timestamp() * 1000) - req["requested_ms"])
    assigned = case_event(PRODUCER, "MediatorAssigned",
                          {"tier": tier, "mediator_id": mediator["mediator_id"], "queue_wait_ms": wait_ms},
                          case_id=cid, lender_id=req["lender_id"], causation_id=req["causation_id"], now=now,
                          discriminator=str(req["attempt"]))
    mode = choose_mode(req, mediator)
    session_id = "S" + event_id(PRODUCER, cid, "Session", tier, str(req["attempt"]))[1:17]
    place = req["centre"] if tier == "PEOPLES" else req["court"]
    scheduled = case_event(PRODUCER, "SessionScheduled", {
        "tier": tier, "mediator_id": mediator["mediator_id"], "mode": mode,
        "scheduled_at": session_time(now, slot, mediator["daily_capacity"]),
        "location": place if mode == "ON_SITE" else None,
        "video_link": f"https://mediation.remedy.example/v/{session_id}" if mode == "VIDEO" else None},
        case_id=cid, lender_id=req["lender_id"], causation_id=assigned["event_id"], now=now)
    return [Emit("case.events", cid, "CaseEvent", assigned), Emit("case.events", cid, "CaseEvent", scheduled)]
