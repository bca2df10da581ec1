"""Deferred notices and their wake-ups, pure: the quiet-hours storm of ``remedy run`` reproduced and fixed.

In ``remedy run`` (1 real second = 12 simulated hours, sweep every real second) notice.log had ~34,900
QUIET_HOURS deferrals for ~3,600 notices; one notice was deferred on 44 different nights and never sent.
Two causes, each reproduced here: a fixed sweep is phase-locked to the day, so a wake-up for 08:00 seen by
a tick at 19:59 and handled behind the queue lands after 22:00 every night; and a notice already waiting
for the morning (capped) was logged again as QUIET_HOURS by any intent that came in the night.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from remedy.kernel.deadlines import ms
from services.notify import guard, plan
from services.notify.catalogue import Catalogue
from tests.notify_cases import Case, china, contact

CAT = Catalogue.load()
POLICY = guard.Policy()
SCALE = 43_200.0                 # remedy run: one real second is twelve simulated hours


class Debtor:
    """The guard as the worker drives it: admit → release → send (settled at once)."""

    def __init__(self, policy: guard.Policy = POLICY):
        self.policy, self.state, self.logs, self.sent = policy, None, [], []
        self.memory: dict[str, dict] = {}

    def feed(self, case: Case, envelope: dict, now: datetime) -> None:
        memory = self.memory.get(case.case_id) or plan.react(None, case.opened(), CAT).state
        decision = plan.react(memory, envelope, CAT)
        self.memory[case.case_id] = decision.state
        for intent in plan.intents(decision):
            self.intent(intent, now)

    def intent(self, intent: dict, now: datetime) -> None:
        released = guard.release(guard.admit(self.state, intent).state, now, self.policy)
        self.state = released.state
        self.logs += guard.entries(released)
        for n in guard.to_send(released):
            self.sent.append((now, n["kind"]))
            self.state = guard.settle(self.state, n["notice_id"], "SENT").state

    def wake(self, now: datetime) -> None:
        self.intent({"op": "wake"}, now)

    def deferred(self, rule: str | None = None) -> list[dict]:
        return [e for e in self.logs if e["status"] == "DEFERRED" and rule in (None, e["rule"])]


def night_arrival(d: Debtor) -> tuple[Case, datetime]:
    a = Case("LENDER-A", "L-A", contact())
    evening = china(2026, 12, 10, 23, 30)
    d.feed(a, a.instalment_due(), evening)          # one SMS notice, deferred to 08:00
    return a, evening


def drive(d: Debtor, start: datetime, days: int, lag: timedelta, wake_sent_at) -> None:
    """Wake the debtor whenever ``wake_sent_at(due, now)`` says; the guard handles it ``lag`` later
    (the queue of intents ahead of it)."""
    now, end = start, start + timedelta(days=days)
    while (due := guard.next_due(d.state)) is not None:
        sent = wake_sent_at(due, now)
        if sent > end:
            return
        now = sent + lag
        d.wake(now)


def test_a_fixed_sweep_phase_locked_to_the_day_defers_night_after_night():
    """The old wiring: a timer every real second (12 simulated hours) wakes debtors whose due time has
    passed. Ticks at 07:59 and 19:59 see 08:00 only at 19:59; 2.5 simulated hours of queue (0.2 real
    seconds) later it is 22:29, quiet again — every night."""
    d = Debtor()
    _, evening = night_arrival(d)
    first_tick = china(2026, 12, 11, 7, 59)

    def fixed_sweep(due_ms: int, now: datetime) -> datetime:
        tick = first_tick
        while ms(tick) < due_ms or tick < now:
            tick += timedelta(hours=12)
        return tick

    drive(d, evening, 5, timedelta(hours=2, minutes=30), fixed_sweep)
    assert not d.sent, "never sent in five days"
    nights = [e["deferred_until"] for e in d.deferred("QUIET_HOURS")]
    assert len(nights) == 6 and len(set(nights)) == 6, "one QUIET_HOURS deferral per night, night after night"
    assert all("woken late" in e["detail"] for e in d.deferred("QUIET_HOURS")[1:])


def test_a_wake_up_timed_to_the_due_instant_sends_in_the_morning_after_one_deferral():
    """The wiring: the due index's waker (remedy.runtime.due.Deadlines, precise) sleeps until the scaled
    clock reaches the next due time, then wakes the debtor. The same 2.5 hours of queue now end at 10:30."""
    d = Debtor()
    _, evening = night_arrival(d)

    def timed(due_ms: int, now: datetime) -> datetime:
        return max(now, datetime.fromtimestamp(due_ms / 1000, now.tzinfo))

    drive(d, evening, 5, timedelta(hours=2, minutes=30), timed)
    assert d.sent == [(china(2026, 12, 11, 10, 30), "instalment_reminder")]
    assert [(e["rule"], e["deferred_until"]) for e in d.deferred()] == [("QUIET_HOURS", china(2026, 12, 11, 8))]


def test_a_capped_notice_waiting_for_the_morning_is_not_logged_again_at_night():
    """Deferred by the cap at 15:00 until tomorrow 08:00; intents arriving at 23:00 and 03:00 change
    nothing for it: the reason to wait is the same, so there is no second entry."""
    p = contact()
    cases = [Case(f"LENDER-{x}", f"L-{x}", p) for x in "ABCD"]
    d = Debtor()
    afternoon = china(2026, 12, 11, 15)
    for c in cases:
        d.feed(c, c.instalment_due(), afternoon)
    assert len(d.sent) == 3
    (capped,) = d.deferred()
    assert (capped["rule"], capped["deferred_until"]) == ("DAILY_CAP", china(2026, 12, 12, 8))
    late = Case("LENDER-E", "L-E", p)
    d.feed(late, late.instalment_due(), china(2026, 12, 11, 23))
    d.wake(china(2026, 12, 12, 3))
    per_notice = Counter(e["notice_id"] for e in d.deferred())
    assert max(per_notice.values()) == 1, d.deferred()
    assert [e["rule"] for e in d.deferred()] == ["DAILY_CAP", "QUIET_HOURS"]
    d.wake(china(2026, 12, 12, 8))
    assert [k for _, k in d.sent[3:]] == ["instalment_reminder"] * 2


def test_a_wake_up_before_the_due_instant_changes_and_logs_nothing():
    d = Debtor()
    _, evening = night_arrival(d)
    before = list(d.logs)
    for h in (0, 3, 7):
        d.wake(china(2026, 12, 11, h, 59))
    assert d.logs == before and not d.sent


def test_released_just_before_22_but_sent_after_goes_back_to_wait_uncounted():
    """A scaled clock moves while a release's notices go out: the worker checks each notice again at the
    instant of sending, and one found in quiet hours waits for 08:00 without using up the day's cap."""
    a = Case("LENDER-A", "L-A", contact())
    memory = plan.react(None, a.opened(), CAT).state
    intents = plan.intents(plan.react(memory, a.triaged(), CAT))
    state = None
    for i in intents:
        state = guard.admit(state, i).state
    released = guard.release(state, china(2026, 12, 11, 21, 59, 59), POLICY)
    state, sends = released.state, guard.to_send(released)
    assert len(sends) == 2 and state["days"] == {"2026-12-11": 2}
    state = guard.settle(state, sends[0]["notice_id"], "SENT").state
    at = china(2026, 12, 11, 22, 0, 1)
    assert guard.quiet(at, POLICY) is not None
    unreleased = guard.unrelease(state, sends[1]["notice_id"], at, POLICY)
    state = unreleased.state
    assert [(e["status"], e["rule"], e["deferred_until"]) for e in guard.entries(unreleased)] == [
        ("DEFERRED", "QUIET_HOURS", china(2026, 12, 12, 8))]
    assert state["days"] == {"2026-12-11": 1} and not state["inflight"]
    assert guard.next_due(state) == ms(china(2026, 12, 12, 8))
    redelivered = guard.unrelease(state, sends[1]["notice_id"], at, POLICY)
    assert redelivered.outcome == "duplicate" and redelivered.emits == [] and redelivered.state == state
    again = guard.to_send(guard.release(state, china(2026, 12, 12, 8), POLICY))
    assert [n["notice_id"] for n in again] == [sends[1]["notice_id"]]


def test_the_cap_counts_per_china_calendar_day_not_per_utc_day():
    """With contact allowed 07:00-23:00, 07:30 in China is 23:30 UTC of the day before: it still counts
    on the China day, and 23:30 UTC of the next evening (07:30 China) starts a new one."""
    policy = guard.Policy(quiet_start_hour=23, quiet_end_hour=7, daily_contacts=2)
    p = contact()
    cases = [Case(f"LENDER-{x}", f"L-{x}", p) for x in "ABC"]
    d = Debtor(policy)
    early = china(2026, 12, 11, 7, 30)
    assert early.date() != china(2026, 12, 11, 12).date()       # different UTC days, same China day
    d.feed(cases[0], cases[0].instalment_due(), early)
    d.feed(cases[1], cases[1].instalment_due(), china(2026, 12, 11, 12))
    d.feed(cases[2], cases[2].instalment_due(), china(2026, 12, 11, 22, 30))
    assert len(d.sent) == 2
    (capped,) = d.deferred()
    assert (capped["rule"], capped["deferred_until"]) == ("DAILY_CAP", china(2026, 12, 12, 7))
    d.wake(china(2026, 12, 12, 7, 30))
    assert len(d.sent) == 3
    per_day = Counter((t + timedelta(hours=8)).date() for t, _ in d.sent)
    assert max(per_day.values()) == 2


def test_a_case_closed_while_held_still_gets_its_objection_decision():
    """Upheld objection: CaseHeld, ObjectionResolved, CaseClosed — no CaseReleased ever comes. The
    decision (allowed after close) must not wait for a release forever."""
    a = Case("LENDER-A", "L-A", contact())
    d = Debtor()
    noon = china(2026, 12, 3, 14)
    d.feed(a, a.held(), noon)
    d.feed(a, a.objection(), noon)
    d.feed(a, a.resolved(decision="UPHELD_CLOSE"), noon)
    d.feed(a, a.closed("OBJECTION_UPHELD"), noon)
    assert [k for _, k in d.sent] == ["objection_ack", "objection_decision"]
    assert guard.next_due(d.state) is None and not d.state["pending"]
