"""The due index (remedy.runtime.due): which cases need a tick, read from a table by hour buckets."""
import asyncio

from remedy.runtime.due import BUCKET_MS, DueIndex
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
        assert table.get("b:0000000050:2") == {"C1": 50 * H}
        assert [c for c, _ in index.due(2, 60 * H)] == ["C2", "C1"]
    run(go())


def test_a_sweep_reads_a_few_keys_whatever_the_number_of_cases():
    class Counting(MemoryTable):
        reads = 0

        def get(self, key, default=None):
            Counting.reads += 1
            return super().get(key, default)

    async def go():
        table = Counting()
        index = DueIndex(table)
        for n in range(5_000):
            await index.ensure(n % 4, f"C{n}", (100 + n % 700) * H)
        Counting.reads = 0
        for partition in range(4):
            index.has_due(partition, 99 * H)
        assert Counting.reads <= 8
    run(go())
