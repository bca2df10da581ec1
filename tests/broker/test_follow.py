"""Following a topic whole on a real Tansu (remedy/runtime/follow.py): ``caught_up()`` returns only once every
record the topic held at start has been handed over, from every partition and every record batch; later records
follow; a record the handler cannot apply is counted and the rest still come."""
from __future__ import annotations

import asyncio

import pytest
from kafka import KafkaProducer

from remedy.runtime.follow import Follower
from remedy.runtime.metrics import ServiceMetrics

pytestmark = pytest.mark.broker
TOPIC = "webhooks.subscriptions"


def produce(bootstrap: str, values: list[bytes], partition: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=50)
    for value in values:
        producer.send(TOPIC, key=b"k", value=value, partition=partition)
    producer.flush()
    producer.close()


def test_caught_up_after_every_record_held_at_start_then_later_ones_follow(broker):
    produce(broker, [b"a%d" % i for i in range(10)], partition=0)
    produce(broker, [b"b%d" % i for i in range(5)], partition=0)   # a second batch: Tansu reports its end as 11
    produce(broker, [b"bad", b"c"], partition=2)
    got: list[bytes] = []

    def handle(record) -> None:
        if record.value == b"bad":
            raise ValueError("unreadable")
        got.append(record.value)

    metrics = ServiceMetrics("followtest")

    async def run() -> list[bytes]:
        follower = Follower(TOPIC, handle, broker, metrics, "follow-test")
        task = asyncio.create_task(follower.run())
        try:
            await asyncio.wait_for(follower.caught_up(), 30)
            at_start = list(got)
            await asyncio.to_thread(produce, broker, [b"later"], 1)
            for _ in range(100):
                if b"later" in got:
                    break
                await asyncio.sleep(0.1)
            return at_start
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    at_start = asyncio.run(run())
    assert sorted(at_start) == sorted([b"a%d" % i for i in range(10)] + [b"b%d" % i for i in range(5)] + [b"c"])
    assert got[-1] == b"later"
    assert metrics.registry.get_sample_value("remedy_followtest_rejected_total", {"reason": "FOLLOWED_RECORD_UNREADABLE"}) == 1
