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
