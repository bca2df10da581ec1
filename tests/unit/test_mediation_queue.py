"""The desk's queue in its table (services/mediation/queue.py): the same decisions as a desk that sorts its
whole queue, read without a scan, and nothing left behind."""
from __future__ import annotations

import random
from datetime import timedelta

from services.mediation import desk, queue, roster
from tests.unit.mediation_helpers import Table, apply, empty, restore
from tests.unit.test_mediation_desk import T0, mediator, req

REGIONS = ("350502", "350503", "440305", "110105", "")


def reference_pick(r: dict, ros: dict, loads: dict) -> dict | None:
    """The desk's choice as it was: every mediator of the roster looked at."""
    free = [m for m in ros.values() if m["active"] and m["tier"] == r["tier"]
            and any(x == "*" or r["region"].startswith(x) for x in m["regions"])
            and loads.get(m["mediator_id"], 0) < m["daily_capacity"]]
    return min(free, key=lambda m: ("*" in m["regions"], loads.get(m["mediator_id"], 0) / m["daily_capacity"],
                                    loads.get(m["mediator_id"], 0), m["mediator_id"]), default=None)


def reference_drain(waiting: dict, day: str, loads: dict, ros: dict, now, extra=None) -> desk.Change:
    """The desk as it was: sort every waiting request, assign in order, skip a (tier, region) once full. Its day is
    the session day, the next working day: the counts of the mediators' sessions that day."""
    today = desk.session_day(now)
    change = desk.Change(today, dict(loads) if day == today else {})
    full = set()
    for key, r in sorted({**waiting, **(extra or {})}.items(), key=desk.order):
        served = (r["tier"], r["region"])
        m = None if served in full else reference_pick(r, ros, change.loads)
        if m is None:
            full.add(served)
            if key not in waiting:
                change.joined[key] = r
            continue
        change.loads[m["mediator_id"]] = change.loads.get(m["mediator_id"], 0) + 1
        change.emits += desk.assignment_events(r, m, change.loads[m["mediator_id"]], now)
        change.assigned.append(key)
        if key in waiting:
            change.left.add(key)
    return change


class Reference:
    """The whole queue in a dict, as the desk kept it on the heap."""

    def __init__(self):
        self.waiting, self.day, self.loads = {}, "", {}

    def enqueue(self, r, ros, now) -> desk.Change:
        key = desk.request_key(r)
        if key in self.waiting:
            return desk.Change(self.day, self.loads)
        return reference_drain(self.waiting, self.day, self.loads, ros, now, {key: r})

    def apply(self, change: desk.Change) -> None:
        for key in change.left:
            self.waiting.pop(key, None)
        self.waiting.update(change.joined)
        self.day, self.loads = change.day, change.loads


def same(ours: desk.Change, theirs: desk.Change, loads_before: dict | None = None) -> bool:
    """The same decision; ``ours`` names only the counts that changed, ``theirs`` the day's counts."""
    before = loads_before or {}
    changed = {m: n for m, n in theirs.loads.items() if before.get(m) != n}
    return ((ours.day, ours.loads, ours.joined, ours.left, ours.assigned, [e.record for e in ours.emits])
            == (theirs.day, changed, theirs.joined, theirs.left, theirs.assigned, [e.record for e in theirs.emits]))


def roster_of(*ms):
    return {m["mediator_id"]: m for m in ms}


def test_the_same_decisions_as_a_desk_that_sorts_its_whole_queue():
    rng = random.Random(18)
    ros = roster_of(mediator("P35", regions=("3505",), cap=3), mediator("P44", regions=("440305",), cap=2),
                    mediator("PNAT", regions=("*",), cap=2), mediator("C35", tier="COURT", cap=1),
                    mediator("CNAT", tier="COURT", regions=("*",), cap=2), mediator("POFF", regions=("*",), active=False),
                    mediator("PTWO", regions=("35", "440305"), cap=1), mediator("C11", tier="COURT", regions=("1101", "*")))
    indexed = roster.effective({}, ros)   # the worker's roster: who may take a case found by region, not by a scan
    state, ref, now, cases = empty(), Reference(), T0, []
    for step in range(1500):
        roll = rng.random()
        if roll < 0.62:   # a request, requested up to an hour before it reaches the desk (out of order)
            cid = f"C{rng.randrange(400)}"
            r = req(cid, tier=rng.choice(("PEOPLES", "COURT")), score=rng.choice((100, 500, 500, 900, 901)),
                    region=rng.choice(REGIONS), attempt=rng.randint(1, 2), at=now - timedelta(minutes=rng.randrange(60)))
            ours, theirs = desk.enqueue(state, r, indexed, now), ref.enqueue(r, ros, now)
            cases.append(cid)
        elif roll < 0.85 and cases:
            cid = rng.choice(cases)
            ours, theirs = desk.cancel(state, cid), desk.Change(ref.day, ref.loads,
                                                                  left={k for k in ref.waiting if k.startswith(cid + ":")})
        elif roll < 0.87:
            ours = desk.drain(state, indexed, now)
            theirs = reference_drain(ref.waiting, ref.day, ref.loads, ros, now)
        elif roll < 0.9:  # a mediator designated, changed or withdrawn: the worker's drain reads only what it serves
            entry = mediator(rng.choice(("P35", "PNEW", "CNAT", "C44")), tier=rng.choice(("PEOPLES", "COURT")),
                             regions=rng.choice((("3505",), ("*",), ("440305", "11"))), cap=rng.randint(0, 3),
                             active=rng.random() < 0.8)
            ros[entry["mediator_id"]] = entry
            indexed.put(entry)
            ours = desk.drain(state, indexed, now, freed=entry)
            theirs = reference_drain(ref.waiting, ref.day, ref.loads, ros, now)
        else:
            now += timedelta(hours=rng.choice((1, 7, 24)))
            continue
        assert same(ours, theirs, ref.loads if ref.day == theirs.day else {}), f"step {step}"
        state = apply(state, ours)
        ref.apply(theirs)
        assert state.day == ref.day and {m: state.load(m) for m in ros} == {m: ref.loads.get(m, 0) for m in ros}
        assert list(state.queue()) == sorted(ref.waiting, key=lambda k: desk.order((k, ref.waiting[k])))
        assert state.counts == {t: n for t in queue.TIERS if (n := sum(r["tier"] == t for r in ref.waiting.values()))}
    rebuilt = roster.effective({}, ros).index   # put keeps the index as a rebuild makes it
    assert {k: sorted(m["mediator_id"] for m in ms) for k, ms in indexed.index.items()} == \
        {k: sorted(m["mediator_id"] for m in ms) for k, ms in rebuilt.items()}
    for cid in set(cases):
        state = apply(state, desk.cancel(state, cid))
    assert {key.split("/")[0] for key in state.table} == {queue.META, "load"}   # nothing of the queue left behind


def test_a_drain_reads_the_lanes_and_what_it_assigns_not_the_whole_queue():
    ros = roster_of(mediator("P35", regions=("3505",), cap=3), mediator("P44", regions=("4403",), cap=2))
    waiting = [req(f"A{i}", score=i % 1000, region="350502") for i in range(3000)]
    waiting += [req(f"B{i}", score=i % 7, region="440305") for i in range(3000)]
    waiting += [req(f"D{i}", region="110105") for i in range(3000)]     # nobody serves it
    state = restore({desk.request_key(r): r for r in waiting}, "2026-11-30", {})
    state.table.reads = 0
    change = desk.drain(state, ros, T0)
    assert len(change.assigned) == 5 and state.table.reads < 60
    everything = {desk.request_key(r): r for r in waiting}
    assert same(change, reference_drain(everything, "2026-11-30", {}, ros, T0))
    state.table.reads = 0
    nxt = apply(state, change)
    assert state.table.reads < 40 and len(nxt.queue()) == 9000 - 5


def test_enqueue_and_cancel_read_a_few_entries():
    ros = roster_of(mediator("P35", cap=0))
    waiting = (req(f"A{i:04d}", score=500, at=T0 + timedelta(seconds=i)) for i in range(2000))
    state = restore({desk.request_key(r): r for r in waiting}, "2026-12-02", {})   # T0's session day
    table = state.table
    table.reads = 0
    state = apply(state, desk.enqueue(state, req("NEW", at=T0 + timedelta(seconds=1997.5)), ros, T0))
    assert table.reads < 20 and list(state.queue())[1996:] == ["A1996:PEOPLES:1", "A1997:PEOPLES:1", "NEW:PEOPLES:1",
                                                              "A1998:PEOPLES:1", "A1999:PEOPLES:1"]
    table.reads = 0
    state = apply(state, desk.cancel(state, "A1000"))
    assert table.reads < 10 and "A1000:PEOPLES:1" not in state.queue()


def test_a_late_arrival_takes_its_place_among_its_score_and_every_entry_goes_when_the_queue_empties():
    ros = roster_of(mediator("P35", cap=0))
    state = empty()
    arrivals = [req("C3", at=T0 + timedelta(minutes=3)), req("C1", at=T0 + timedelta(minutes=1)),
                req("C4", at=T0 + timedelta(minutes=4)), req("C2", at=T0 + timedelta(minutes=2)), req("C0", score=400)]
    for r in arrivals:
        state = apply(state, desk.enqueue(state, r, ros, T0))
    assert [k.split(":")[0] for k in state.queue()] == ["C1", "C2", "C3", "C4", "C0"]
    state = apply(state, desk.cancel(state, "C2"))
    assert [k.split(":")[0] for k in state.queue()] == ["C1", "C3", "C4", "C0"]
    state = apply(state, desk.enqueue(state, req("C5", at=T0), ros, T0))
    assert [k.split(":")[0] for k in state.queue()] == ["C5", "C1", "C3", "C4", "C0"]
    assert state.length("PEOPLES") == 5
    for cid in ("C1", "C0", "C5", "C4", "C3"):
        state = apply(state, desk.cancel(state, cid))
    assert set(state.table) == {queue.META} and state.length("PEOPLES") == 0


def test_requests_asked_at_one_instant_wait_in_arrival_order_and_each_writes_a_few_entries():
    """A batch handled while the clock stands still: thousands of requests with one ``requested_ms`` and one score,
    reaching the desk in no particular order of their keys. Each joins the tail: a few writes, not one per request
    it sorts before by key (which made the desk's changelog grow with the square of the queue)."""
    rng = random.Random(7)
    ros = roster_of(mediator("P35", cap=0))
    ids = [f"{rng.getrandbits(48):012x}" for _ in range(3000)]
    state, most = empty(), 0
    for arrival, cid in enumerate(ids):
        change = desk.enqueue(state, {**req(cid, at=T0), "arrival": arrival}, ros, T0)
        most = max(most, len(queue.plan(state.table, change)))
        state = apply(state, change)
    assert most <= 8, most   # the first opens the lane: its sets, slot, case, score bucket, count and day
    assert [k.split(":")[0] for k in state.queue()] == ids
    late = req("LATE", at=T0 - timedelta(minutes=1))   # asked earlier, arrived last: it goes first
    state = apply(state, desk.enqueue(state, {**late, "arrival": 3000}, ros, T0))
    assert next(iter(state.queue())) == "LATE:PEOPLES:1"


def test_the_roster_changes_are_kept_one_record_each():
    table = Table()
    entries = [mediator(f"PM-{i}", cap=i % 5) for i in range(300)] + [mediator("PM-7", cap=9, active=False)]
    for entry in entries:
        writes = roster.store(table.get, entry)
        assert len(writes) <= 2 and all(len(v) <= 40 for k, v in writes.items() if k.startswith("roster/ids/"))
        table.update(writes)
    assert roster.stored(table.get) == {e["mediator_id"]: e for e in entries}


def test_a_desk_kept_in_an_older_layout_moves_once():
    old = [req("C1", score=100), req("C2", score=900), req("C3", tier="COURT")]
    table = Table({"q:" + desk.request_key(r): r for r in old})
    table[queue.META] = {"day": "2026-12-01", "loads": {"PM-A": 1}}
    table["assigned:C9:PEOPLES:1"] = True
    table["roster"] = {"PM-B": mediator("PM-B", cap=4)}
    for key, value in queue.migrate(table).items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    state = queue.Desk(table)
    assert [k.split(":")[0] for k in state.queue()] == ["C2", "C3", "C1"]
    assert (state.day, state.load("PM-A"), state.counts) == ("2026-12-01", 1, {"PEOPLES": 2, "COURT": 1})
    assert not any(k.startswith("q:") for k in table) and table["assigned:C9:PEOPLES:1"] is True
    assert "roster" not in table and roster.stored(table.get) == {"PM-B": mediator("PM-B", cap=4)}
    assert queue.migrate(table) is None
