"""remedy.runtime.tables with the RocksDB store: a change is read from memory until the broker has acknowledged its
changelog record, then written to the local store with its offset, in written order; a change that never reached the
broker is never written under another change's offset. Runs the real outbox over a fake producer whose deliveries the
test completes (and so pins what tables.py relies on: a flush swaps the outbox's ``pending`` list for a new one and
calls ``on_sent`` while it hands the old one's records to the producer)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections import namedtuple
from types import SimpleNamespace

from aiokafka.structs import TopicPartition

from remedy.runtime import tables
from remedy.runtime.outbox import BatchScope, Outbox, current_scope
from remedy.runtime.partitioner import KeyPartitioner

Metadata = namedtuple("Metadata", "topic partition offset")
TOPIC = "svc-t-changelog"


class FakeBatch:
    def __init__(self):
        self.records = []

    def append(self, *, timestamp, key, value):
        self.records.append((key, value))
        return object()


class FakeProducer:
    """aiokafka's producer as the outbox uses it; every delivery waits for the test (``ack``/``fail``)."""

    def __init__(self):
        self.handed = []   # [topic, partition, records, future]
        self._message_accumulator = SimpleNamespace(_batches={})
        self.client = SimpleNamespace(cluster=SimpleNamespace(partitions_for_topic=lambda t: {0, 1, 2, 3}))
        self.fail_next_send = False

    def create_batch(self):
        return FakeBatch()

    async def send_batch(self, batch, topic, *, partition):
        if self.fail_next_send:
            self.fail_next_send = False
            raise RuntimeError("producer closed")
        future = asyncio.get_running_loop().create_future()
        self.handed.append([topic, partition, list(batch.records), future])
        return future

    async def send(self, topic, value, *, key, partition):
        future = asyncio.get_running_loop().create_future()
        self.handed.append([topic, partition, [(key, value)], future])
        return future


class FakeTable:
    key_serializer = value_serializer = "json"

    def __init__(self):
        self.changelog_topic = SimpleNamespace(partitions=4, get_topic_name=lambda: TOPIC)
        self.app = SimpleNamespace(conf=SimpleNamespace(topic_partitions=4, producer_partitioner=KeyPartitioner()))
        self.partition = 0
        self.written = []   # (partition, offset, raw key, raw value): what reached the local store

    def partition_for_key(self, key):
        return self.partition

    def apply_changelog_batch(self, events):
        self.written += [(e.message.partition, e.message.offset, e.message.key, e.message.value) for e in events]


def runtime():
    producer = FakeProducer()
    rt = SimpleNamespace(sent_listeners=[])
    rt.outbox = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: [f(fut, n) for f in rt.sent_listeners])
    rt.send = rt.outbox.send
    table = FakeTable()
    pending = tables.Pending(table, SimpleNamespace(accepts=lambda partition: True))
    tables.Deliveries.of(rt).tables[TOPIC] = pending
    return rt, producer, table, pending


def ack(handed, offset):
    topic, partition, records, future = handed
    future.set_result(Metadata(topic, partition, offset))


async def turn():
    for _ in range(3):
        await asyncio.sleep(0)


def test_a_change_is_read_from_memory_until_acknowledged_then_written_with_its_offset():
    async def main():
        rt, producer, table, pending = runtime()
        token = current_scope.set(BatchScope())
        await tables.put(rt, table, "a", {"n": 1}, pending)
        await tables.put(rt, table, "b", {"n": 2}, pending)
        await tables.put(rt, table, "a", None, pending)
        current_scope.reset(token)
        await rt.outbox.flush()
        assert pending.get("a") == [None, 1] and pending.get("b") == [{"n": 2}, 1]
        assert table.written == []
        (batch,) = producer.handed
        assert batch[2] == [(b'"a"', None), (b'"b"', b'{"n":2}')], "a's two writes leave as one record, in a's place"
        ack(batch, 40)
        await turn()
        assert table.written == [(0, 40, b'"a"', None), (0, 41, b'"b"', b'{"n":2}')]
        assert pending.values == {} and not pending.broken

    asyncio.run(main())


def test_a_write_after_its_keys_record_was_handed_over_is_a_record_of_its_own():
    async def main():
        rt, producer, table, pending = runtime()
        token = current_scope.set(BatchScope())
        await tables.put(rt, table, "a", 1, pending)
        await rt.outbox.flush()                         # handed to the producer, not yet acknowledged
        await tables.put(rt, table, "a", 2, pending)
        await tables.put(rt, table, "a", 3, pending)
        current_scope.reset(token)
        await rt.outbox.flush()
        first, second = producer.handed
        assert first[2] == [(b'"a"', b"1")] and second[2] == [(b'"a"', b"3")]
        assert pending.get("a") == [3, 2]
        ack(first, 5)
        await turn()
        assert pending.get("a") == [3, 1], "the newest value is still read from memory"
        ack(second, 6)
        await turn()
        assert table.written == [(0, 5, b'"a"', b"1"), (0, 6, b'"a"', b"3")] and pending.values == {}

    asyncio.run(main())


def test_acknowledgements_resolving_out_of_order_are_taken_in_the_order_handed():
    """aiokafka shields a batch's future: it completes after the futures of records that joined the batch later."""
    async def main():
        rt, producer, table, pending = runtime()
        await tables.put(rt, table, "a", 1, pending)      # outside a batch: leaves at once, as a batch
        producer._message_accumulator._batches[TopicPartition(TOPIC, 0)] = ["on its way"]
        await tables.put(rt, table, "b", 2, pending)      # joins it: a future of its own
        first, second = producer.handed
        ack(second, 8)
        await turn()
        assert table.written == [], "b is not written before a"
        ack(first, 7)
        await turn()
        assert table.written == [(0, 7, b'"a"', b"1"), (0, 8, b'"b"', b"2")]

    asyncio.run(main())


def test_a_change_lost_by_a_failed_flush_is_never_written_under_another_changes_offset(caplog):
    async def main():
        rt, producer, table, pending = runtime()
        token = current_scope.set(BatchScope())
        await tables.put(rt, table, "lost", 1, pending)
        current_scope.reset(token)
        producer.fail_next_send = True
        try:
            await rt.outbox.flush()
        except RuntimeError:
            pass
        await tables.put(rt, table, "later", 2, pending)
        (batch,) = producer.handed
        ack(batch, 100)
        await turn()
        assert table.written == [], "'lost' must not be written at offset 100, where 'later' is"
        assert pending.broken and pending.get("later") == [2, 1] and pending.get("lost") == [1, 1]

    with caplog.at_level(logging.ERROR, "remedy.runtime.tables"):
        asyncio.run(main())
    assert "no longer follows the changelog (1 change(s) of partition 0 never reached the broker)" in caplog.text


def test_a_failed_delivery_stops_the_local_store_following():
    async def main():
        rt, producer, table, pending = runtime()
        await tables.put(rt, table, "a", 1, pending)
        await tables.put(rt, table, "b", 2, pending)
        first, second = producer.handed
        first[3].set_exception(RuntimeError("broker gone"))
        ack(second, 5)
        await turn()
        assert table.written == [] and "broker gone" in pending.broken
        assert pending.get("b") == [2, 1], "still read from memory"

    asyncio.run(main())


def test_each_partition_keeps_its_own_order():
    async def main():
        rt, producer, table, pending = runtime()
        token = current_scope.set(BatchScope())
        for key, partition in (("a", 0), ("b", 1), ("c", 0), ("d", 1)):
            table.partition = partition
            await tables.put(rt, table, key, key.upper(), pending)
        current_scope.reset(token)
        await rt.outbox.flush()
        p0, p1 = producer.handed
        ack(p1, 10)
        ack(p0, 20)
        await turn()
        assert sorted(table.written) == [(0, 20, b'"a"', b'"A"'), (0, 21, b'"c"', b'"C"'),
                                         (1, 10, b'"b"', b'"B"'), (1, 11, b'"d"', b'"D"')]

    asyncio.run(main())


def test_items_are_the_stores_with_the_changes_on_their_way_as_they_were_when_iteration_began():
    async def main():
        rt, producer, table, pending = runtime()
        await tables.put(rt, table, "b", "new b", pending)
        await tables.put(rt, table, "c", None, pending)
        await tables.put(rt, table, "d", "new d", pending)
        items = pending.merged(iter([("a", "A"), ("b", "B"), ("c", "C")]))
        assert next(items) == ("a", "A")
        await tables.put(rt, table, "e", "too late", pending)
        assert list(items) == [("b", "new b"), ("d", "new d")]

    asyncio.run(main())


def test_a_use_partitioner_change_goes_to_the_partition_of_the_inputs_keyed_by_its_key():
    """A case's changelog record lands on the partition its inputs (keyed by the plain case id) come from, so
    the instance reading them recovers it; the JSON form of the key would pick another partition for about
    three keys in four."""
    class Producer:
        async def partitions_for(self, topic):
            return {0, 1, 2, 3}

    table = FakeTable()
    table.partition = None
    table.app.producer = SimpleNamespace(_ensure_producer=lambda: Producer())
    partitioner = KeyPartitioner()
    moved = 0
    for n in range(40):
        key = f"C{n:04d}"
        partition, known = asyncio.run(tables.changelog_partition(table, key, json.dumps(key).encode(), None))
        assert known == [0, 1, 2, 3]
        assert partition == partitioner(key.encode(), known, known)
        moved += partition != partitioner(json.dumps(key).encode(), known, known)
    assert moved, "the two forms of a key do disagree on some partitions (the defect this guards against)"
