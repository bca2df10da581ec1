"""The assignment desk: gives each case in a mediation tier a mediator, never above a mediator's
daily capacity, balancing load; a case waits in a queue, best settle-propensity score first, until
one is free. Pure. The wiring runs it on one partition (``mediation.desk``) so counts are exact.

Desk state (JSON): {"queue": [request…], "day": ISO China date, "loads": {mediator_id: cases today}}.
A request: {"case_id", "lender_id", "tier", "attempt", "region", "cross_region", "centre", "court",
"score", "requested_ms", "causation_id"}.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from remedy.emit import Emit
from remedy.clock import CHINA_TZ, china_date
from remedy.events import case_event
from remedy.ids import event_id
from services.mediation.roster import covers

PRODUCER = "mediation"
WORK_START, WORK_END = time(9, 0), time(18, 0)
WORK_MINUTES = 9 * 60


def empty() -> dict:
    return {"queue": [], "day": "", "loads": {}}


def request_key(req: dict) -> str:
    return f"{req['case_id']}:{req['tier']}:{req['attempt']}"


def enqueue(desk: dict, req: dict, roster: dict[str, dict], now: datetime) -> tuple[dict, list[Emit], list[str]]:
    """Take a request (ignored if already queued) and assign whatever can be assigned now."""
    if any(request_key(q) == request_key(req) for q in desk["queue"]):
        return desk, [], []
    return drain({**desk, "queue": desk["queue"] + [req]}, roster, now)


def cancel(desk: dict, case_id: str) -> dict:
    """The case left mediation (or its tier): drop its waiting requests."""
    return {**desk, "queue": [q for q in desk["queue"] if q["case_id"] != case_id]}


def drain(desk: dict, roster: dict[str, dict], now: datetime) -> tuple[dict, list[Emit], list[str]]:
    """Assign waiting requests in order (highest score, then longest wait) while mediators are free.
    Returns (new desk, events, keys of the requests assigned)."""
    today = china_date(now).isoformat()
    loads = dict(desk["loads"]) if desk["day"] == today else {}
    waiting, emits, assigned = [], [], []
    for req in sorted(desk["queue"], key=lambda q: (-q["score"], q["requested_ms"], q["case_id"])):
        mediator = pick(req, roster, loads)
        if mediator is None:
            waiting.append(req)
            continue
        loads[mediator["mediator_id"]] = loads.get(mediator["mediator_id"], 0) + 1
        emits += assignment_events(req, mediator, loads[mediator["mediator_id"]], now)
        assigned.append(request_key(req))
    return {"queue": waiting, "day": today, "loads": loads}, emits, assigned


def pick(req: dict, roster: dict[str, dict], loads: dict[str, int]) -> dict | None:
    """The least-loaded free mediator of the tier serving the case's region; a regional mediator
    before one serving everywhere."""
    free = [m for m in roster.values() if m["active"] and m["tier"] == req["tier"] and covers(m, req["region"])
            and loads.get(m["mediator_id"], 0) < m["daily_capacity"]]
    if not free:
        return None
    return min(free, key=lambda m: ("*" in m["regions"], loads.get(m["mediator_id"], 0) / m["daily_capacity"],
                                    loads.get(m["mediator_id"], 0), m["mediator_id"]))


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
