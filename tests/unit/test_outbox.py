"""remedy.runtime.outbox: records leave grouped per topic-partition, in the order they were written; inside an
agent batch they wait for the batch's flush, anywhere else they leave at once."""
from __future__ import annotations

import asyncio

from remedy.runtime.outbox import BatchScope, Outbox, current_scope
from remedy.runtime.partitioner import KeyPartitioner


class FakeBatch:
    def __init__(self, room):
        self.records, self.room = [], room

    def append(self, *, timestamp, key, value):
        if len(self.records) >= self.room:
            return None
        self.records.append((key, value))
        return object()


class FakeProducer:
    """The part of aiokafka's producer the outbox uses; batches hold ``room`` records."""

    def __init__(self, room=100):
        self.room, self.sent, self.sent_one_by_one = room, [], []
        self._message_accumulator = type("A", (), {"_batches": {}})()  # topic-partition → batches on their way
        self.client = type("C", (), {"cluster": type("K", (), {"partitions_for_topic": staticmethod(lambda t: {0, 1, 2, 3})})()})()

    def create_batch(self):
        return FakeBatch(self.room)

    async def send(self, topic, value, *, key, partition):
        self.sent_one_by_one.append((topic, partition, key, value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    async def send_batch(self, batch, topic, *, partition):
        self.sent.append((topic, partition, list(batch.records)))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def run(coro):
    return asyncio.run(coro)


def test_inside_a_batch_records_wait_for_the_flush_and_keep_their_order_per_partition():
    producer, sent_counts = FakeProducer(room=2), []
    box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: sent_counts.append(n))

    async def main():
        token = current_scope.set(BatchScope())
        for i in range(5):
            await box.send("case.events", b"K1", f"v{i}".encode())
        await box.send("t-changelog", b"K1", b"c0", partition=2)
        assert producer.sent == [], "nothing leaves before the batch is handled"
        current_scope.reset(token)
        await box.flush()

    run(main())
    partition = KeyPartitioner()(b"K1", [0, 1, 2, 3], [])
    assert producer.sent == [("case.events", partition, [(b"K1", b"v0"), (b"K1", b"v1")]),
                             ("case.events", partition, [(b"K1", b"v2"), (b"K1", b"v3")]),
                             ("case.events", partition, [(b"K1", b"v4")]),
                             ("t-changelog", 2, [(b"K1", b"c0")])]
    assert sent_counts == [2, 2, 1, 1]


def test_outside_a_batch_or_after_it_closed_a_record_leaves_at_once():
    producer = FakeProducer()
    box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: None)

    async def main():
        await box.send("notify.intents", b"D1", b"settle")
        assert len(producer.sent) == 1
        scope = BatchScope()
        token = current_scope.set(scope)
        scope.open = False  # a task started by the agent, running after its batch was handled
        await box.send("notify.intents", b"D1", b"settle-2")
        current_scope.reset(token)
        assert len(producer.sent) == 2

    run(main())


def test_a_partition_with_a_batch_on_its_way_gets_its_records_one_by_one_without_waiting():
    # aiokafka would hold a second batch for that partition until the first has been drained: a timer
    # writing one record at a time to a one-partition topic stalled on it.
    from aiokafka.structs import TopicPartition

    producer = FakeProducer()
    producer._message_accumulator._batches[TopicPartition("mediation.desk", 0)] = ["a batch on its way"]
    box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: None)

    async def main():
        token = current_scope.set(BatchScope())
        await box.send("mediation.desk", b"M1", b"free", partition=0)
        await box.send("mediation.desk", b"M2", b"free", partition=0)
        await box.send("case.events", b"K1", b"v0", partition=1)
        current_scope.reset(token)
        await box.flush()

    run(main())
    assert producer.sent_one_by_one == [("mediation.desk", 0, b"M1", b"free"), ("mediation.desk", 0, b"M2", b"free")]
    assert producer.sent == [("case.events", 1, [(b"K1", b"v0")])]


def test_changelog_records_leave_only_once_the_broker_has_the_outputs():
    """A worker killed between its outputs and its changelog would otherwise remember an input as handled
    whose outputs never arrived: after the restart that input is a duplicate, and its outputs are lost."""
    producer = FakeProducer()

    async def main():
        loop = asyncio.get_running_loop()
        pending = loop.create_future()

        async def send_batch(batch, topic, *, partition):
            producer.sent.append((topic, partition, list(batch.records)))
            return pending if not topic.endswith("-changelog") else loop.create_future()

        producer.send_batch = send_batch
        box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: None)

        async def agent_batch():
            async with box.batch():   # flushed at the end
                await box.send("t-changelog", b"K1", b"state", partition=1)
                await box.send("case.events", b"K1", b"event")

        flushing = asyncio.ensure_future(agent_batch())
        await asyncio.sleep(0.01)
        assert [s[0] for s in producer.sent] == ["case.events"], "the changelog waits for the output's delivery"
        pending.set_result(None)
        await asyncio.sleep(0.01)
        assert [s[0] for s in producer.sent] == ["case.events", "t-changelog"]
        await asyncio.wait_for(flushing, 1)

    run(main())


def test_a_key_written_twice_in_one_batch_leaves_its_changelog_one_record_with_the_last_value():
    """Coalescing: the broker gets one changelog record per key and partition per flush, in the first write's
    place; outputs, and a key's record on another partition, are never merged."""
    producer = FakeProducer()

    async def main():
        box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: None)
        async with box.batch():
            await box.send("t-changelog", b"waiting", b"1", partition=0)
            await box.send("t-changelog", b"slot", b"s", partition=0)
            await box.send("t-changelog", b"waiting", b"2", partition=0)
            await box.send("t-changelog", b"waiting", b"x", partition=1)
            await box.send("case.events", b"C1", b"e1", partition=0)
            await box.send("case.events", b"C1", b"e2", partition=0)
            await box.send("t-changelog", b"waiting", None, partition=0)
        async with box.batch():
            await box.send("t-changelog", b"waiting", b"3", partition=0)
        return box.coalesced

    coalesced = run(main())
    assert producer.sent == [("case.events", 0, [(b"C1", b"e1"), (b"C1", b"e2")]),
                             ("t-changelog", 0, [(b"waiting", None), (b"slot", b"s")]),
                             ("t-changelog", 1, [(b"waiting", b"x")]),
                             ("t-changelog", 0, [(b"waiting", b"3")])]
    assert coalesced == 2


class HeldProducer(FakeProducer):
    """Every batch's delivery future stays open until the test says the broker answered."""

    def __init__(self):
        super().__init__()
        self.futures = []

    async def send_batch(self, batch, topic, *, partition):
        self.sent.append((topic, partition, list(batch.records)))
        self.futures.append(asyncio.get_running_loop().create_future())
        return self.futures[-1]


def test_acknowledged_records_leave_at_once_even_inside_a_batch_and_return_when_the_broker_has_them():
    producer = HeldProducer()
    box = Outbox(lambda: producer, KeyPartitioner(), lambda fut, n: None)

    async def main():
        token = current_scope.set(BatchScope())
        await box.send("case.events", b"K1", b"waits for its batch")
        sending = asyncio.ensure_future(box.send_acknowledged([("notice.log", b"D1", b"SENT", None),
                                                               ("case.events", b"K2", b"proof", None)]))
        await asyncio.sleep(0)
        assert [topic for topic, _, _ in producer.sent] == ["notice.log", "case.events"], "handed over at once"
        assert box.pending == [("case.events", b"K1", b"waits for its batch", None)]
        producer.futures[0].set_result(None)
        await asyncio.sleep(0)
        assert not sending.done(), "one of them is not acknowledged yet"
        producer.futures[1].set_result(None)
        await asyncio.wait_for(sending, 1)
        current_scope.reset(token)

    run(main())
