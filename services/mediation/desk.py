"""The assignment desk: gives each case in a mediation tier a mediator, never above a mediator's
daily capacity, balancing load; a case waits in a queue, best settle-propensity score first, until
one is free. Pure. The wiring runs it on one partition (``mediation.desk``) so counts are exact.

The desk's day is a session day: the next China working day (``remedy.kernel.workdays``: public holidays
skipped, adjusted working days counted), on which every case assigned until it opens has its session; a
mediator's daily capacity counts that day's sessions, and a new session day frees it (``session_day``).
The decisions read the desk through ``View``: the day, each mediator's count of cases that day, and the
waiting requests lane by lane — a lane is a (tier, region), read in the desk's order (``order``: highest
score, then longest wait, then arrival). ``services.mediation.queue`` keeps that view in the desk's
table. Each input yields a ``Change`` (requests joining and leaving the queue, the counts that changed,
events), which the wiring persists. A decision reads only what it needs: an enqueue whether its request
already waits and the counts of the mediators who may take it; a drain each lane until its region has no
free mediator.
A request: {"case_id", "lender_id", "tier", "attempt", "region", "cross_region", "centre", "court",
"score", "requested_ms", "causation_id"}, and ``arrival`` once it reached the desk.

A request already assigned is answered again (``answer_again``): the case asks again only when its state lost
the request it made (a worker killed before its state was saved), and by then it may also have dropped the
first answer as stale. So the desk keeps, per request assigned, what it answered (``Change.answers``).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterable, Iterator, Protocol

from remedy.kernel.emit import Emit
from remedy.kernel.clock import CHINA_TZ, china_date
from remedy.kernel.deadlines import ms
from remedy.kernel.events import case_event
from remedy.kernel.ids import event_id
from remedy.kernel.workdays import next_working_day
from services.mediation.roster import candidates, covers

PRODUCER = "mediation"
WORK_START, WORK_END = time(9, 0), time(18, 0)
WORK_MINUTES = 9 * 60


class View(Protocol):
    """The desk as its decisions read it."""
    day: str   # the session day of the desk's last decision (``session_day``): the day the counts are for

    def load(self, mediator_id: str) -> int:
        """Cases assigned to the mediator on ``day``."""

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


def session_date(now: datetime) -> date:
    """The day a case assigned at ``now`` has its session: the next China working day."""
    return next_working_day(china_date(now))


def session_day(now: datetime) -> str:
    """``session_date`` as the desk keeps it (ISO date)."""
    return session_date(now).isoformat()


def order(item: tuple[str, dict]) -> tuple[int, int, int, str]:
    """The desk's order of (key, request): highest score, then longest wait, then first to reach the desk
    (``arrival``: the desk message's offset on its one partition), then key. Requests asked at the same instant
    (a batch, or a clock held while it is handled) thus wait in the order they came, and each joins its
    score's tail instead of moving those it sorts before by key."""
    key, req = item
    return -req["score"], req["requested_ms"], req.get("arrival", 0), key


@dataclass
class Change:
    """What one desk input does: the day it is decided on, the mediators whose count of cases that day
    changed (their new counts), requests that join and leave the queue, the events to publish and the keys
    of the requests assigned. Small, so the wiring persists only this."""
    day: str
    loads: dict[str, int] = field(default_factory=dict)
    joined: dict[str, dict] = field(default_factory=dict)
    left: set[str] = field(default_factory=set)
    emits: list[Emit] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)
    answers: dict[str, dict] = field(default_factory=dict)   # request key → what its events were made of


def enqueue(desk: View, req: dict, roster: dict[str, dict], now: datetime) -> Change:
    """Take a request (ignored if already queued) and assign whatever can be assigned now.

    On the same session day only the new request can be assignable: every waiting one already found no free
    mediator, and an assignment frees none. So a full ``drain`` is needed only when the session day turns."""
    key = request_key(req)
    if desk.has(key):
        return Change(desk.day)
    if desk.day != session_day(now):
        return drain(desk, roster, now, extra={key: req})
    change = Change(desk.day)
    if not assign(desk, change, key, req, roster, now):
        change.joined[key] = req
    return change


def cancel(desk: View, case_id: str) -> Change:
    """The case left mediation (or its tier): drop its waiting requests."""
    return Change(desk.day, left=set(desk.keys_of(case_id)))


def drain(desk: View, roster: dict[str, dict], now: datetime, extra: dict[str, dict] | None = None,
          freed: dict | None = None) -> Change:
    """Assign waiting requests (and ``extra`` new ones) in ``order`` while mediators are free.

    The lanes are merged by their heads; once a (tier, region) has no free mediator (counts only grow in a
    drain) its lane is read no further, and a new request for it joins the queue. ``freed``: the one mediator
    whose designation changed today; on the same day only the lanes it serves can have become assignable
    (every waiting request had found no free mediator), so only they are read."""
    change = Change(session_day(now))
    if freed is not None and desk.day == change.day:
        def serves(tier: str, region: str) -> bool:
            return tier == freed["tier"] and covers(freed, region)
    else:
        def serves(tier: str, region: str) -> bool:
            return True
    new = {key: req for key, req in (extra or {}).items() if not desk.has(key)}
    full: set[tuple[str, str]] = set()  # (tier, region) with no free mediator

    def lane(tier: str, region: str) -> Iterator[tuple[str, dict]]:
        for item in desk.waiting(tier, region):
            if (tier, region) in full:
                return
            yield item

    lanes = [lane(tier, region) for tier, region in desk.lanes() if serves(tier, region)]
    for key, req in heapq.merge(*lanes, sorted(new.items(), key=order), key=order):
        served = (req["tier"], req["region"])
        if served in full or not assign(desk, change, key, req, roster, now):
            full.add(served)
            if key in new:
                change.joined[key] = req
        elif key not in new:
            change.left.add(key)
    return change


def assign(desk: View, change: Change, key: str, req: dict, roster: dict[str, dict], now: datetime) -> bool:
    """Give the request a free mediator, if there is one: counted, its events and key added to ``change``."""
    def load(mediator_id: str) -> int:
        if mediator_id in change.loads:
            return change.loads[mediator_id]
        return desk.load(mediator_id) if desk.day == change.day else 0   # a new day: nobody has a case yet

    mediator = pick(req, roster, load)
    if mediator is None:
        return False
    slot = change.loads[mediator["mediator_id"]] = load(mediator["mediator_id"]) + 1
    change.emits += assignment_events(req, mediator, slot, now)
    change.assigned.append(key)
    change.answers[key] = {"mediator": {f: mediator[f] for f in ANSWERED}, "slot": slot,
                           "at_ms": ms(now), "requested_ms": req["requested_ms"]}
    return True


ANSWERED = ("mediator_id", "modes", "daily_capacity")   # what of the mediator an assignment's events are made of


def answer_again(req: dict, answer: dict | bool) -> list[Emit]:
    """The events the desk answered an assigned request with, the same again (same ids, same session) for a
    request that comes again; none where the desk kept no answer (``True``, the record of an older desk)."""
    if not isinstance(answer, dict):
        return []
    at = datetime.fromtimestamp(answer["at_ms"] / 1000, timezone.utc)
    return assignment_events({**req, "requested_ms": answer["requested_ms"]}, answer["mediator"], answer["slot"], at)


def pick(req: dict, roster: dict[str, dict], load: Callable[[str], int]) -> dict | None:
    """The least-loaded free mediator of the tier serving the case's region; a regional mediator
    before one serving everywhere. ``load``: a mediator's count of cases today."""
    for group in candidates(roster, req["tier"], req["region"]):   # the regional ones, then the national ones
        loads = {m["mediator_id"]: load(m["mediator_id"]) for m in group}
        free = [m for m in group if loads[m["mediator_id"]] < m["daily_capacity"]]
        if free:
            return min(free, key=lambda m: (loads[m["mediator_id"]] / m["daily_capacity"], loads[m["mediator_id"]],
                                            m["mediator_id"]))
    return None


def session_time(now: datetime, slot: int, capacity: int) -> datetime:
    """The slot-th (1-based) session of the next China working day (``session_day``): 09:00 plus an equal
    share of the nine working hours per case, so every session starts inside 09:00–18:00 China time."""
    day = session_date(now)
    step = max(1, WORK_MINUTES // max(1, capacity))
    minutes = min((slot - 1) * step, WORK_MINUTES - 1)
    return datetime.combine(day, WORK_START, CHINA_TZ) + timedelta(minutes=minutes)


def choose_mode(req: dict, mediator: dict) -> str:
    preference = ("VIDEO", "PHONE", "ON_SITE") if req["cross_region"] else ("ON_SITE", "VIDEO", "PHONE")
    return next(m for m in preference if m in mediator["modes"])


def assignment_events(req: dict, mediator: dict, slot: int, now: datetime) -> list[Emit]:
    cid, tier = req["case_id"], req["tier"]
    wait_ms = max(0, ms(now) - req["requested_ms"])
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
