"""The due index (remedy.runtime.due): which cases need a tick, read from a table by hour buckets."""
import asyncio

from remedy.runtime.due_index import BUCKET_MS, PAGE, DueIndex
from remedy.runtime.memory import MemoryTable

H = BUCKET_MS


def run(coro):
    return asyncio.run(coro)


def test_only_cases_whose_deadline_came_are_due_and_moving_a_deadline_moves_the_case():
    async def go():
        table = MemoryTable()
        index = DueIndex(table)
        await index.move(0, "C-early", None, 10 * H + 5)
        await index.move(0, "C-late", None, 12 * H)
        await index.move(1, "C-other-partition", None, 10 * H)
        assert not index.has_due(0, 10 * H)
        assert list(index.due(0, 10 * H + 5)) == [("C-early", 10 * H + 5)]
        assert index.has_due(0, 10 * H + 5)
        await index.move(0, "C-early", 10 * H + 5, 13 * H)       # the deadline moved on
        assert list(index.due(0, 11 * H)) == []
        await index.advance(0, 11 * H)
        assert table.get("low:0") == 12, "low moves past the emptied buckets, not past the next one"
        assert [c for c, _ in index.due(0, 13 * H)] == ["C-late", "C-early"]
        assert list(index.due(1, 10 * H)) == [("C-other-partition", 10 * H)]
        await index.move(0, "C-late", 12 * H, None)
        await index.move(0, "C-early", 13 * H, None)
        await index.advance(0, 20 * H)
        assert not index.has_due(0, 30 * H)
        assert {k for k in table.data if k.startswith("b:")} == {"b:0000000010:1"}, "emptied buckets are removed"
    run(go())


def test_an_earlier_deadline_lowers_the_start_and_ensure_is_idempotent():
    async def go():
        table = MemoryTable()
        index = DueIndex(table)
        await index.ensure(2, "C1", 50 * H)
        await index.ensure(2, "C1", 50 * H)
        await index.ensure(2, "C2", 40 * H)
        assert table.get("low:2") == 40
        assert list(index.due(2, 60 * H)) == [("C2", 40 * H), ("C1", 50 * H)], "ensured twice, held once"
    run(go())


class Recording(MemoryTable):
    """Remembers the largest value written: a write is a changelog record holding the whole value."""
    largest = 0

    async def put(self, key, value):
        if isinstance(value, dict):
            Recording.largest = max(Recording.largest, len(value))
        await super().put(key, value)


def test_a_write_costs_a_page_however_many_cases_share_a_deadline_hour():
    """A night's deferrals all fall due at 08:00: ten thousand debtors in one bucket, each write still a page."""
    async def go():
        table = Recording()
        Recording.largest = 0
        index = DueIndex(table)
        for n in range(10_000):
            await index.ensure(0, f"D{n}", 8 * H + n)
        for n in range(0, 10_000, 3):
            await index.move(0, f"D{n}", 8 * H + n, None)
        assert Recording.largest <= PAGE, "no value written holds more than a page of entries"
        due = [c for c, _ in index.due(0, 9 * H)]
        assert len(due) == 10_000 - len(range(0, 10_000, 3)) and len(set(due)) == len(due)
        assert due[:3] == ["D1", "D2", "D4"], "earliest first"
    run(go())


def test_a_case_has_one_entry_and_an_emptied_index_leaves_nothing_behind():
    async def go():
        table = MemoryTable()
        index = DueIndex(table)
        for n in range(200):
            await index.ensure(1, f"C{n}", 5 * H + n)
        await index.ensure(1, "C7", 9 * H)            # moved without saying where it was: the old entry goes
        assert [c for c, _ in index.due(1, 6 * H)].count("C7") == 0
        assert list(index.due(1, 9 * H))[-1] == ("C7", 9 * H)
        for n in range(200):
            await index.move(1, f"C{n}", 1, None)
        await index.advance(1, 10 * H)
        assert set(table.data) == {"low:1"}, "no page, header or case pointer is left once every case is gone"
        assert not index.has_due(1, 10 * H) and index.earliest_after(1, 0) is None
    run(go())


def test_the_next_deadline_is_found_from_the_bucket_headers():
    async def go():
        table = MemoryTable()
        index = DueIndex(table)
        await index.ensure(0, "A", 3 * H + 10)
        await index.ensure(0, "B", 3 * H + 20)
        await index.ensure(0, "C", 7 * H + 5)
        assert index.earliest_after(0, 3 * H) == 3 * H + 10
        assert index.earliest_after(0, 3 * H + 10) == 3 * H + 20, "within the current hour: the next entry"
        await index.move(0, "A", 3 * H + 10, None)
        await index.move(0, "B", 3 * H + 20, None)
        assert index.earliest_after(0, 3 * H + 30) == 7 * H + 5
        assert not index.has_due(0, 7 * H + 4) and index.has_due(0, 7 * H + 5)
    run(go())


class Counting(MemoryTable):
    """Counts the reads: a read of a table on disk is a RocksDB lookup."""
    reads = 0

    def get(self, key, default=None):
        Counting.reads += 1
        return super().get(key, default)


def test_a_sweep_reads_a_few_keys_whatever_the_number_of_cases():
    async def go():
        table = Counting()
        index = DueIndex(table)
        for n in range(5_000):
            await index.ensure(n % 4, f"C{n}", (100 + n % 700) * H)
        Counting.reads = 0
        for partition in range(4):
            index.has_due(partition, 99 * H)
        assert Counting.reads <= 8
        for n in range(5_000):
            await index.ensure(5, f"D{n}", 200 * H + n)   # one crowded hour
        Counting.reads = 0
        assert index.has_due(5, 200 * H + 10) and not index.has_due(5, 200 * H - 1)
        assert Counting.reads <= 4, "the crowded hour's header answers, not its entries"
    run(go())


def test_a_tick_that_stopped_short_does_not_read_a_crowded_hour_to_make_its_bound_exact():
    """A stage that cannot take more now (notify with every send slot busy) stops its tick with most of a crowded
    hour still due: moving ``low`` on must not read the whole hour. A tick that went through everything due does,
    so that nothing is ticked again for an hour whose entries are all to come."""
    async def go():
        table = Counting()
        index = DueIndex(table)
        for n in range(5_000):
            await index.ensure(0, f"D{n}", 200 * H + 10)
        Counting.reads = 0
        await index.advance(0, 200 * H + 10, exact=False)
        assert Counting.reads <= 4, "stopped short: the hour's pages are not read"
        for n in range(5_000):
            await index.move(0, f"D{n}", 200 * H + 10, 200 * H + 50)   # ticked: each looked at again later
        assert index.has_due(0, 200 * H + 20), "its bound is still the old one"
        await index.advance(0, 200 * H + 20)
        assert not index.has_due(0, 200 * H + 20), "a finished tick makes it exact: nothing is due until +50"
    run(go())


def deadlines_on_memory(precise: bool, retick_seconds: float = 5.0):
    from datetime import datetime, timezone

    from remedy.contract.codec import Codec
    from remedy.contract.paths import SCHEMAS_DIR
    from remedy.kernel.clock import FrozenClock
    from remedy.runtime.due import Deadlines
    from remedy.runtime.memory import MemoryBus, MemoryHost

    clock = FrozenClock(datetime(2026, 12, 1, tzinfo=timezone.utc))
    host = MemoryHost(MemoryBus(), "notify", Codec(SCHEMAS_DIR), clock)
    woken: list[str] = []
    state: dict[str, int | None] = {}

    async def on_due(partition, ref, now):
        woken.append(ref)

    deadlines = Deadlines(host, sweep_seconds=1.0, on_due=on_due, current_due=state.get, precise=precise,
                          retick_seconds=retick_seconds)
    return host, clock, deadlines, woken, state


def test_a_precise_waker_sleeps_until_the_next_deadline_and_is_woken_by_an_earlier_one():
    async def go():
        host, clock, deadlines, woken, state = deadlines_on_memory(precise=True)
        now = int(clock.now().timestamp() * 1000)
        [wake] = host.wakers
        assert await wake() is None
        state["D1"] = now + 8 * H
        await deadlines.changed(0, "D1", None, now + 8 * H)
        assert await wake() == now + 8 * H, "the waker sleeps until the deadline, not a fixed interval"
        state["D2"] = now + 90_000
        await deadlines.changed(1, "D2", None, now + 90_000)
        assert await wake() == now + 90_000
        clock.advance(seconds=90)
        await wake()
        assert host.bus.records("notify.ticks")[-1].partition == 1, "the due partition is ticked"
    run(go())


def test_a_due_case_whose_answer_is_on_its_way_is_not_woken_again_and_again():
    """A guard that lags behind a burst is sent each due debtor's wake once, then again only after
    ``retick_seconds`` of real time (at the clock's rate), not at every round."""
    async def go():
        host, clock, deadlines, woken, state = deadlines_on_memory(precise=False, retick_seconds=120.0)
        now = int(clock.now().timestamp() * 1000)
        state["D1"] = now - 1
        await deadlines.changed(2, "D1", None, now - 1)
        for _ in range(5):
            for fire in host.timers:
                await fire()
            await host.poll()
        assert woken == ["D1"], "one wake while the first is unanswered"
        state["D1"] = None                       # the guard answered: nothing waits any more
        clock.advance(days=1)
        for fire in host.timers:
            await fire()
        await host.poll()
        assert woken == ["D1", "D1"] and deadlines.index.earliest_after(2, now) is None, "then the entry is gone"
    run(go())


def test_the_entry_follows_the_cases_state_even_after_a_tick_put_it_off():
    """A tick puts a woken case off (its answer is on its way); the stage's next change says the case is still
    due when it was: the entry goes back there, though the stage's old and new due are the same."""
    async def go():
        index = DueIndex(MemoryTable())
        await index.ensure(0, "D", 5 * H)
        await index.move(0, "D", 5 * H, 7 * H)      # the tick's put-off
        await index.move(0, "D", 5 * H, 5 * H)      # the guard: still waiting, as before
        assert list(index.due(0, 6 * H)) == [("D", 5 * H)]
    run(go())


def test_a_crowded_hour_due_now_is_not_read_whole_for_the_next_deadline():
    """Thousands waiting in the current hour (a send backlog): the waker's look for the next deadline reads
    the headers, not every waiting case, and finds the next hour's."""
    async def go():
        index = DueIndex(Counting())
        for n in range(3_000):
            await index.ensure(0, f"W{n}", 4 * H + 1)
        await index.ensure(0, "LATER", 5 * H + 7)
        Counting.reads = 0
        assert index.earliest_after(0, 4 * H + 2) == 5 * H + 7
        assert Counting.reads <= 4
    run(go())
