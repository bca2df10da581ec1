"""notify's recorder: results of sends finishing together are written together, entries always before intents."""
from __future__ import annotations

import asyncio

import pytest

from remedy.kernel.stage import Emit
from services.notify.recorder import Recorder


def entry(n: int) -> Emit:
    return Emit("notice.log", f"CASE-{n}", "NoticeLogEntry", {"notice_id": f"N-{n}"})


class Broker:
    """Writes as the recorder makes them: each a list of what one write held."""

    def __init__(self, fail_entries: bool = False):
        self.writes: list[tuple[str, list]] = []
        self.fail_entries = fail_entries

    async def entries(self, emits: list[Emit]) -> None:
        await asyncio.sleep(0.01)   # the broker's acknowledgement
        if self.fail_entries:
            raise ConnectionError("broker unreachable")
        self.writes.append(("entries", [e.record["notice_id"] for e in emits]))

    async def intents(self, intents: list[tuple[str, dict]]) -> None:
        self.writes.append(("intents", [i["notice_id"] for _, i in intents]))


def settle(n: int) -> dict:
    return {"op": "settle", "notice_id": f"N-{n}", "status": "SENT"}


def test_results_finishing_together_share_one_write_of_entries_and_one_of_intents():
    async def run():
        broker = Broker()
        recorder = Recorder(broker.entries, broker.intents, gather=0.05)
        await asyncio.gather(*(recorder.record([entry(n)], f"D-{n}", settle(n)) for n in range(20)))
        return broker.writes, recorder.writes

    writes, rounds = asyncio.run(run())
    assert writes == [("entries", [f"N-{n}" for n in range(20)]), ("intents", [f"N-{n}" for n in range(20)])]
    assert rounds == 1


def test_a_result_arriving_while_a_write_is_under_way_goes_in_the_next_write_after_the_gather_interval():
    async def run():
        broker = Broker()
        recorder = Recorder(broker.entries, broker.intents, gather=0.2)
        loop = asyncio.get_running_loop()
        first = asyncio.ensure_future(recorder.record([entry(1)], "D-1", settle(1)))
        await asyncio.sleep(0.005)   # the first write is waiting for its acknowledgement
        started = loop.time()
        await asyncio.gather(recorder.record([entry(2)], "D-2", settle(2)),
                             recorder.record([entry(3)], "D-3", settle(3)))
        await first
        return broker.writes, loop.time() - started

    writes, waited = asyncio.run(run())
    assert writes == [("entries", ["N-1"]), ("intents", ["N-1"]), ("entries", ["N-2", "N-3"]), ("intents", ["N-2", "N-3"])]
    assert waited >= 0.15   # at most one write per gather interval


def test_a_result_when_nothing_was_written_lately_is_written_at_once():
    async def run():
        broker = Broker()
        recorder = Recorder(broker.entries, broker.intents, gather=5.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await recorder.record([entry(1)], "D-1", settle(1))
        return loop.time() - started

    assert asyncio.run(run()) < 1.0


def test_entries_not_acknowledged_fail_every_send_they_held_and_no_intent_is_written():
    async def run():
        broker = Broker(fail_entries=True)
        recorder = Recorder(broker.entries, broker.intents, gather=0.0)
        results = await asyncio.gather(*(recorder.record([entry(n)], f"D-{n}", settle(n)) for n in range(3)),
                                       return_exceptions=True)
        return broker.writes, results

    writes, results = asyncio.run(run())
    assert writes == []
    assert all(isinstance(r, ConnectionError) for r in results)


@pytest.mark.parametrize("gather", [0.0, 0.02])
def test_every_result_is_written_exactly_once_under_a_stream_of_sends(gather):
    async def run():
        broker = Broker()
        recorder = Recorder(broker.entries, broker.intents, gather=gather)

        async def send(n: int) -> None:
            await asyncio.sleep(0.001 * (n % 17))
            await recorder.record([entry(n)], f"D-{n}", settle(n))

        await asyncio.gather(*(send(n) for n in range(200)))
        return broker.writes

    writes = asyncio.run(run())
    entries = [nid for kind, ids in writes if kind == "entries" for nid in ids]
    intents = [nid for kind, ids in writes if kind == "intents" for nid in ids]
    assert sorted(entries) == sorted(intents) == sorted(f"N-{n}" for n in range(200))
    assert len(writes) < 2 * 200   # results shared writes
    for i in range(0, len(writes), 2):   # each write of intents follows the write of the same results' entries
        assert writes[i][0] == "entries" and writes[i + 1] == ("intents", writes[i][1])
