"""The assignment desk and the roster: capacity, balance, the queue and its wait, working hours."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from remedy.kernel.clock import CHINA_TZ
from services.mediation import desk, errors, roster
from services.mediation.settings import MediationSettings
from tests.unit.mediation_helpers import apply, empty, restore

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in China


def mediator(mid, tier="PEOPLES", regions=("3505",), modes=("ON_SITE", "PHONE", "VIDEO"), cap=2, active=True):
    return roster.check({"mediator_id": mid, "tier": tier, "regions": list(regions), "modes": list(modes),
                         "daily_capacity": cap, "active": active})


def req(case_id, tier="PEOPLES", score=500, region="350502", cross=False, at=T0, attempt=1):
    return {"case_id": case_id, "lender_id": "L1", "tier": tier, "attempt": attempt, "region": region,
            "cross_region": cross, "centre": "MC-350502", "court": "CT-350502", "score": score,
            "requested_ms": int(at.timestamp() * 1000), "causation_id": f"E-{case_id}"}


def feed(requests, ros, now=T0, state=None):
    state, emitted, assigned = state or empty(), [], []
    for r in requests:
        change = desk.enqueue(state, r, ros, now)
        state = apply(state, change)
        emitted += [e.record for e in change.emits]
        assigned += change.assigned
    return state, emitted, assigned


def by_type(events, type_):
    return [e for e in events if e["type"] == type_]


def test_load_is_balanced_and_capacity_never_exceeded():
    ros = {m["mediator_id"]: m for m in (mediator("PM-A", cap=2), mediator("PM-B", cap=2))}
    state, events, assigned = feed([req(f"C{i}") for i in range(6)], ros)
    who = [e["event"]["mediator_id"] for e in by_type(events, "MediatorAssigned")]
    assert sorted(who) == ["PM-A", "PM-A", "PM-B", "PM-B"]
    assert len(assigned) == 4 and [q["case_id"] for q in state.queue().values()] == ["C4", "C5"]
    assert (state.load("PM-A"), state.load("PM-B")) == (2, 2)


def test_queue_waits_for_the_next_day_and_records_the_wait():
    ros = {"PM-A": mediator("PM-A", cap=1)}
    state, events, _ = feed([req("C1"), req("C2")], ros)
    assert len(by_type(events, "MediatorAssigned")) == 1 and len(state.queue()) == 1
    same_day = T0 + timedelta(hours=5)
    change = desk.drain(state, ros, same_day)
    assert change.emits == [] and len(apply(state, change).queue()) == 1
    next_day = T0 + timedelta(hours=20)                     # 06:00 next day in China
    change = desk.drain(state, ros, next_day)
    assigned = change.emits[0].record
    assert change.assigned == ["C2:PEOPLES:1"] and apply(state, change).queue() == {}
    assert assigned["event"]["queue_wait_ms"] == 20 * 3_600_000
    assert assigned["causation_id"] == "E-C2"


def test_best_score_first_when_capacity_is_short():
    ros = {"PM-A": mediator("PM-A", cap=1)}
    state = restore({desk.request_key(r): r for r in (req("Clow", score=100), req("Chigh", score=900))}, "", {})
    assert desk.drain(state, ros, T0).emits[0].record["case_id"] == "Chigh"


def test_tier_and_region_must_match_and_regional_mediators_come_first():
    ros = {m["mediator_id"]: m for m in (mediator("PM-NAT", regions=("*",), cap=10), mediator("PM-3505"),
                                          mediator("CM-3505", tier="COURT"), mediator("PM-1101", regions=("1101",)),
                                          mediator("PM-OFF", active=False))}
    _, events, _ = feed([req("C1"), req("C2", tier="COURT"), req("C3", region="440305")], ros)
    got = {e["case_id"]: e["event"]["mediator_id"] for e in by_type(events, "MediatorAssigned")}
    assert got == {"C1": "PM-3505", "C2": "CM-3505", "C3": "PM-NAT"}


def test_session_inside_working_hours_on_the_next_day():
    ros = {"PM-A": mediator("PM-A", cap=30)}
    _, events, _ = feed([req(f"C{i}") for i in range(30)], ros, now=T0 + timedelta(hours=13))  # 23:00 China
    for e in by_type(events, "SessionScheduled"):
        at = e["event"]["scheduled_at"].astimezone(CHINA_TZ)
        assert at.date() == (T0 + timedelta(hours=13)).astimezone(CHINA_TZ).date() + timedelta(days=1)
        assert time(9) <= at.time() < time(18)
    times = [e["event"]["scheduled_at"] for e in by_type(events, "SessionScheduled")]
    assert len(set(times)) == 30


def china(y, mo, d, h=10):
    return datetime(y, mo, d, h, tzinfo=CHINA_TZ)


@pytest.mark.parametrize("now,session_day", [
    (china(2026, 9, 30), date(2026, 10, 8)),    # National Day: 1 – 7 October are public holidays
    (china(2026, 2, 13), date(2026, 2, 14)),    # Friday before the Spring Festival: Saturday 14 is a working day (调休)
    (china(2026, 2, 14), date(2026, 2, 24)),    # that Saturday: the Festival runs to Monday 23
    (china(2026, 12, 4), date(2026, 12, 7)),    # an ordinary Friday: Monday
])
def test_sessions_land_on_the_next_working_day(now, session_day):
    ros = {"PM-A": mediator("PM-A", cap=3)}
    _, events, _ = feed([req(f"C{i}", at=now) for i in range(3)], ros, now=now)
    days = {e["event"]["scheduled_at"].astimezone(CHINA_TZ).date() for e in by_type(events, "SessionScheduled")}
    assert days == {session_day}


def test_capacity_is_per_session_day_so_requests_over_a_holiday_wait_for_the_next_one():
    """A mediator's daily capacity counts the sessions of one working day: what the eve of a holiday booked for
    the day after it is not booked again during it; the requests that wait are served when the next session
    day opens."""
    ros = {"PM-A": mediator("PM-A", cap=1)}
    eve = china(2026, 9, 30)   # the day before National Day
    state, events, _ = feed([req("C1", at=eve), req("C2", at=eve)], ros, now=eve)
    assert len(by_type(events, "SessionScheduled")) == 1 and len(state.queue()) == 1
    holiday = china(2026, 10, 3)
    change = desk.drain(state, ros, holiday)
    assert change.emits == [], "8 October's one session is taken: nothing more during the holiday"
    state, _, _ = feed([req("C3", at=holiday)], ros, now=holiday, state=apply(state, change))
    assert len(state.queue()) == 2
    change = desk.drain(state, ros, china(2026, 10, 8, 6))
    (scheduled,) = [e.record for e in change.emits if e.record["type"] == "SessionScheduled"]
    assert scheduled["case_id"] == "C2" and scheduled["event"]["scheduled_at"].astimezone(CHINA_TZ).date() == date(2026, 10, 9)


def test_mode_follows_the_case():
    ros = {"PM-A": mediator("PM-A", modes=("ON_SITE", "PHONE", "VIDEO"))}
    _, events, _ = feed([req("C1"), req("C2", cross=True)], ros)
    local, remote = by_type(events, "SessionScheduled")
    assert (local["event"]["mode"], local["event"]["location"]) == ("ON_SITE", "MC-350502")
    assert remote["event"]["mode"] == "VIDEO" and remote["event"]["video_link"].startswith("https://")
    assert remote["causation_id"] == by_type(events, "MediatorAssigned")[1]["event_id"]


def test_duplicate_request_and_cancel():
    ros = {"PM-A": mediator("PM-A", cap=0)}
    state, _, _ = feed([req("C1"), req("C1"), req("C2")], ros)
    assert [q["case_id"] for q in state.queue().values()] == ["C1", "C2"]
    change = desk.cancel(state, "C1")
    assert change.left == {"C1:PEOPLES:1"} and change.joined == {} and change.emits == []
    assert [q["case_id"] for q in apply(state, change).queue().values()] == ["C2"]


def test_same_day_requests_are_placed_as_a_full_drain_would_place_them():
    ros = {m["mediator_id"]: m for m in (mediator("PM-A", cap=3), mediator("PM-B", regions=("*",), cap=2),
                                          mediator("CM-A", tier="COURT", cap=1))}
    requests = [req(f"C{i}", score=(i * 37) % 1000, region=("350502", "440305")[i % 2],
                    tier=("PEOPLES", "COURT")[i % 3 == 0], at=T0 + timedelta(minutes=i)) for i in range(12)]
    fast, fast_events, _ = feed(requests, ros)
    slow, slow_events = empty(), []
    for r in requests:                                   # the old way: queue it, then drain everything
        change = desk.drain(slow, ros, T0, extra={desk.request_key(r): r})
        slow = apply(slow, change)
        slow_events += [e.record for e in change.emits]
    assert fast.queue() == slow.queue() and [fast.load(m) for m in ros] == [slow.load(m) for m in ros]
    assert fast_events == slow_events and len(by_type(fast_events, "MediatorAssigned")) == 6


def test_roster_file_and_updates():
    base = roster.load_roster(MediationSettings().roster_path)
    assert {m["tier"] for m in base.values()} == {"PEOPLES", "COURT"}
    assert any("*" in m["regions"] for m in base.values() if m["tier"] == "COURT")
    withdrawn = mediator("PM-3505-01", active=False)
    assert roster.effective(base, {"PM-3505-01": withdrawn})["PM-3505-01"]["active"] is False
    for bad in ({"mediator_id": "X"}, {"mediator_id": "X", "tier": "JUDGE", "regions": ["*"], "modes": ["PHONE"],
                                       "daily_capacity": 1},
                {"mediator_id": "X", "tier": "COURT", "regions": ["*"], "modes": ["TELEPATHY"], "daily_capacity": 1}):
        with pytest.raises(errors.InvalidRosterUpdate):
            roster.check(bad)


def test_a_full_region_does_not_hold_up_the_regions_behind_it_in_the_queue():
    """A drain stops looking for a (tier, region) once it has no free mediator, and goes on with the rest."""
    ros = {m["mediator_id"]: m for m in (mediator("P1", regions=("3505",), cap=1), mediator("P2", regions=("4403",), cap=2))}
    queue = [req(f"A{i}", score=900 - i) for i in range(50)] + [req("B1", score=100, region="440305"),
                                                                req("B2", score=50, region="440305")]
    state = empty()
    change = desk.drain(state, ros, T0, extra={desk.request_key(r): r for r in queue})
    assigned = {e.record["case_id"]: e.record["event"]["mediator_id"] for e in change.emits if e.record["type"] == "MediatorAssigned"}
    assert assigned == {"A0": "P1", "B1": "P2", "B2": "P2"}
    assert len(change.joined) == 49 and change.loads == {"P1": 1, "P2": 2}


def test_a_request_that_comes_again_after_it_was_assigned_is_answered_with_the_same_events():
    ros = {"PM-A": mediator("PM-A", cap=3)}
    first = desk.enqueue(empty(), req("C1"), ros, T0)
    key = desk.request_key(req("C1"))
    again = desk.answer_again(req("C1", at=T0 + timedelta(hours=2)), first.answers[key])   # asked later, same request
    assert [e.record for e in again] == [e.record for e in first.emits] and len(again) == 2
    assert again[0].record["event"]["queue_wait_ms"] == 0, "the wait is the first request's"
    assert desk.answer_again(req("C1"), True) == [], "an older desk kept no answer: nothing to give again"
