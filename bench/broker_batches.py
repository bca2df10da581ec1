"""Record batches per topic on a running broker: the unit the dev broker's fetch cost grows with.

Tansu keeps each partition as a list of the record batches producers sent, and a fetch or a ListOffsets costs
it time in proportion to the batches the partition holds (``bench/bench_broker_batches.py``), so a topic written
a few records at a time costs the broker more at every fetch as it grows. A consumer's records do not tell
their batches, so this reads every partition from its start with Kafka's Fetch request (aiokafka's client and
protocol classes) and counts the batches of the record sets it gets back.
"""
from __future__ import annotations

import asyncio

from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

FETCH_BYTES = 8 << 20


async def _partition(client: AIOKafkaClient, topic: str, partition: int, last: int | None) -> tuple[int, int]:
    """(batches, records) of one partition, read to its end from its start or from ``last`` records before its
    end; batches are counted from their headers, never decompressed."""
    node = client.cluster.leader_for_partition(TopicPartition(topic, partition))
    offset = batches = records = 0
    if last is not None:
        answer = await client.send(node, OffsetRequest(-1, 0, [(topic, [(partition, -1)])]))
        end = answer.topics[0][1][0][-1]
        offset = max(0, end - last)
    while True:
        request = FetchRequest(100, 1, FETCH_BYTES, 0, [(topic, [(partition, offset, FETCH_BYTES)])])
        response = await client.send(node, request)
        data = response.topics[0][1][0][-1] if response.topics else None
        found = MemoryRecords(data) if data else None
        before = offset
        while found is not None and (batch := found.next_batch()) is not None:
            if batch.next_offset > offset:
                batches += 1
                records += batch.next_offset - max(batch.base_offset, offset)
                offset = batch.next_offset
        if offset == before:
            return batches, records


async def _count(bootstrap: str, last: int | None) -> dict[str, tuple[int, int]]:
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        await client.force_metadata_update()
        out: dict[str, tuple[int, int]] = {}
        for topic in sorted(client.cluster.topics()):
            for partition in sorted(client.cluster.partitions_for_topic(topic) or ()):
                b, r = await _partition(client, topic, partition, last)
                if r:
                    before = out.get(topic, (0, 0))
                    out[topic] = (before[0] + b, before[1] + r)
        return dict(sorted(out.items(), key=lambda kv: -kv[1][0]))
    finally:
        await client.close()


def batches_per_topic(bootstrap: str, last: int | None = None) -> dict[str, tuple[int, int]]:
    """{topic: (record batches, records)} for every topic that holds records, most batches first; with ``last``,
    over at most the last ``last`` records of each partition."""
    return asyncio.run(_count(bootstrap, last))
