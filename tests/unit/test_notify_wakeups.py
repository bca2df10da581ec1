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
from services.notify.wakeups import Wakeups, real_delay
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
        if case.case_id not in self.memory:
            self.memory[case.case_id], _ = plan.react(None, case.opened(), CAT)
        self.memory[case.case_id], intents = plan.react(self.memory[case.case_id], envelope, CAT)
        for intent in intents:
            self.intent(intent, now)

    def intent(self, intent: dict, now: datetime) -> None:
        self.state, _ = guard.admit(self.state, intent)
        self.state, sends, logs = guard.release(self.state, now, self.policy)
        self.logs += logs
        for n in sends:
            self.sent.append((now, n["kind"]))
            self.state = guard.settle(self.state, n["notice_id"], "SENT")

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
    """The new wiring: sleep (in real seconds, at most the sweep interval) until the scaled clock reaches
    the next due time, then wake. The same 2.5 hours of queue now end at 10:30."""
    d = Debtor()
    a, evening = night_arrival(d)
    w = Wakeups(retry_seconds=5.0)

    def timed(due_ms: int, now: datetime) -> datetime:
        w.set(a.debtor_ref, due_ms)
        real = 0.0
        while not w.take(ms(now), real):
            delay = real_delay(w.next_ms(real), now, SCALE, ceiling=1.0)
            assert 0 < delay <= 1.0
            now, real = now + timedelta(seconds=delay * SCALE), real + delay
        w.handled(a.debtor_ref)
        return now

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
    memory, _ = plan.react(None, a.opened(), CAT)
    _, intents = plan.react(memory, a.triaged(), CAT)
    state = None
    for i in intents:
        state, _ = guard.admit(state, i)
    state, sends, _ = guard.release(state, china(2026, 12, 11, 21, 59, 59), POLICY)
    assert len(sends) == 2 and state["days"] == {"2026-12-11": 2}
    state = guard.settle(state, sends[0]["notice_id"], "SENT")
    at = china(2026, 12, 11, 22, 0, 1)
    assert guard.quiet(at, POLICY) is not None
    state, logs = guard.unrelease(state, sends[1]["notice_id"], at, POLICY)
    assert [(e["status"], e["rule"], e["deferred_until"]) for e in logs] == [("DEFERRED", "QUIET_HOURS", china(2026, 12, 12, 8))]
    assert state["days"] == {"2026-12-11": 1} and not state["inflight"]
    assert guard.next_due(state) == ms(china(2026, 12, 12, 8))
    state, again, _ = guard.release(state, china(2026, 12, 12, 8), POLICY)
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


def test_one_wake_is_outstanding_per_debtor_until_handled_or_lost():
    w = Wakeups(retry_seconds=5.0)
    w.set("D1", 1_000)
    w.set("D2", 500)
    w.set("D3", 9_000)
    assert w.take(1_000, real_now=0.0) == ["D2", "D1"]
    assert w.take(2_000, real_now=1.0) == [], "no second wake while one is in the queue"
    assert w.next_ms(real_now=1.0) == 9_000
    w.handled("D2")
    w.set("D2", None)
    assert w.take(2_000, real_now=6.0) == ["D1"], "a wake lost for 5 real seconds is sent again"
    assert real_delay(9_000, datetime.fromtimestamp(2, tz=china(2026, 1, 1).tzinfo), 1000.0, 1.0) == 0.007
    assert real_delay(None, china(2026, 1, 1), SCALE, 1.0) == 1.0
    assert real_delay(1, china(2026, 1, 1), 0.0, 1.0) == 0.0


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


class ScanWakeups:
    """The reference: the first implementation, which scanned every debtor on each call."""

    def __init__(self, retry_seconds: float):
        self.retry_seconds, self.due, self.outstanding = retry_seconds, {}, {}

    def set(self, ref, due_ms):
        if due_ms is None:
            self.due.pop(ref, None)
        else:
            self.due[ref] = due_ms

    def handled(self, ref):
        self.outstanding.pop(ref, None)

    def _free(self, ref, real_now):
        return ref not in self.outstanding or real_now - self.outstanding[ref] >= self.retry_seconds

    def take(self, now_ms, real_now):
        ready = sorted((d, r) for r, d in self.due.items() if d <= now_ms and self._free(r, real_now))
        for _, r in ready:
            self.outstanding[r] = real_now
        return [r for _, r in ready]

    def next_ms(self, real_now):
        dues = [d for r, d in self.due.items() if self._free(r, real_now)]
        return min(dues) if dues else None


def test_the_heap_wakes_exactly_whom_a_scan_of_every_debtor_would():
    import random

    rng = random.Random(7)
    fast, slow = Wakeups(retry_seconds=5.0), ScanWakeups(retry_seconds=5.0)
    now_ms, real = 0, 0.0
    for _ in range(5000):
        op, ref = rng.random(), f"D{rng.randrange(40)}"
        if op < 0.45:
            due = None if rng.random() < 0.1 else now_ms + rng.randrange(-50, 500)
            fast.set(ref, due), slow.set(ref, due)
        elif op < 0.6:
            fast.handled(ref), slow.handled(ref)
        elif op < 0.8:
            now_ms, real = now_ms + rng.randrange(0, 60), real + rng.random()
            assert fast.take(now_ms, real) == slow.take(now_ms, real)
        else:
            assert fast.next_ms(real) == slow.next_ms(real)


def test_a_wake_whose_send_failed_is_sent_again_at_once_but_a_slow_guard_gets_no_repeats():
    w = Wakeups(retry_seconds=120.0)
    w.set("D1", 1_000)
    w.set("D2", 1_000)
    assert w.take(1_000, real_now=0.0) == ["D1", "D2"]
    w.failed("D1")
    assert w.take(1_000, real_now=0.1) == ["D1"]
    assert w.take(1_000, real_now=60.0) == [], "a guard a minute behind is not sent the same wakes again"
