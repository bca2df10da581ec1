"""remedy.runtime.patches.fromstart: after a rebalance, an input partition no member has committed is read
from its beginning, not from wherever the consumer had got to (records fetched and dropped in the rebalance
would otherwise never be read)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from aiokafka.structs import TopicPartition
from faust.types import TP

from remedy.runtime.patches.fromstart import never_committed, perform_seek

CASES, DEBTORS, CHANGELOG = "case.events", "triage.by-debtor", "triage-cases-changelog"


class FakeConsumer:
    """What faust's Consumer offers perform_seek: the committed offsets aiokafka found, and seek."""

    def __init__(self, committed: dict):
        self.committed = committed
        self._read_offset: dict = {}
        self._committed_offset: dict = {}
        self.sought: list[tuple] = []
        self.app = SimpleNamespace(tables=SimpleNamespace(changelog_topics={CHANGELOG}))

    def stop_flow(self):
        pass

    async def seek_to_committed(self):
        return dict(self.committed)

    async def seek(self, tp, offset):
        self.sought.append((tp.topic, tp.partition, offset))
        self._read_offset[tp] = offset if offset else None


def test_only_input_partitions_without_a_committed_offset_are_chosen():
    committed = {TP(CASES, 0): 230, TP(CASES, 2): None, TP(DEBTORS, 2): 0, TP(CHANGELOG, 2): None}
    assert never_committed(committed, {CHANGELOG}) == [TP(CASES, 2), TP(DEBTORS, 2)]


def test_a_never_committed_partition_is_sought_to_its_beginning_and_a_committed_one_left_to_faust():
    committed = {TopicPartition(CASES, 0): 230, TopicPartition(CASES, 2): None, TopicPartition(CHANGELOG, 2): None}
    consumer = FakeConsumer(committed)
    asyncio.run(perform_seek(consumer))
    assert consumer.sought == [(CASES, 2, 0)], "the changelog is recovery's; the committed one was sought by aiokafka"
    assert consumer._read_offset[TP(CASES, 0)] == 230 and consumer._read_offset[TP(CASES, 2)] is None
    assert consumer._committed_offset == {TP(CASES, 0): 230}


def test_nothing_is_sought_when_every_partition_was_committed():
    consumer = FakeConsumer({TopicPartition(CASES, 1): 5, TopicPartition(DEBTORS, 1): 9})
    asyncio.run(perform_seek(consumer))
    assert consumer.sought == []
    assert consumer._committed_offset == {TP(CASES, 1): 5, TP(DEBTORS, 1): 9}


class FlowConsumer(FakeConsumer):
    """A consumer whose fetcher hands out a record of the old position while the seek is under way, unless the
    flow is stopped (what faust's getmany checks before each record)."""

    def __init__(self, committed: dict, handed_out_at: int):
        super().__init__(committed)
        self.flow_active, self.handed_out_at, self.stopped = True, handed_out_at, 0

    def stop_flow(self):
        self.flow_active = False
        self.stopped += 1

    async def seek_to_committed(self):
        await asyncio.sleep(0.01)          # a round trip to the consumer's thread
        if self.flow_active:               # the fetch under way goes on handing out old records
            self._read_offset[TP(CASES, 1)] = self.handed_out_at
        await asyncio.sleep(0.01)
        return dict(self.committed)


def test_the_seek_stops_the_flow_so_records_from_the_old_position_are_read_again_not_dropped():
    consumer = FlowConsumer({TopicPartition(CASES, 1): 161}, handed_out_at=826)
    asyncio.run(perform_seek(consumer))
    assert consumer.stopped == 1 and not consumer.flow_active, "the recovery resumes the flow after clearing queues"
    assert consumer._read_offset[TP(CASES, 1)] == 161, "reading goes on from the committed offset"


def test_two_seeks_at_once_take_turns():
    consumer = FlowConsumer({TopicPartition(CASES, 1): 161}, handed_out_at=826)
    order = []
    original = consumer.seek_to_committed

    async def traced():
        order.append("start")
        try:
            return await original()
        finally:
            order.append("end")

    consumer.seek_to_committed = traced

    async def both():
        await asyncio.gather(perform_seek(consumer), perform_seek(consumer))

    asyncio.run(both())
    assert order == ["start", "end", "start", "end"], order
    assert consumer._read_offset[TP(CASES, 1)] == 161
