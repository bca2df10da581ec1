"""What the dev broker spends on a fetch and on ListOffsets as a partition's record batches add up.

    python -m bench.bench_broker_batches [--records 100000]

For each batch size (1, 10, 100, 1,000 records) a fresh Tansu gets one single-partition topic holding the same
records (400 bytes each), written that many at a time; then the broker's CPU (/proc, user + system) is read
around 200 Fetch requests for the partition's last 100 records and 200 ListOffsets requests for its end. Same
records, same answers: only the number of batches they are stored in differs. The largest batches are the
baseline of the run. ``bench/broker_batches.py`` counts a running stack's batches per topic (``bench_million``
prints them).

measured 2026-12-07 (100,000 records, 50 requests each, load 2.3 – 2.1), broker CPU a request against batches of 1,000:

    100,000 batches of 1:   fetch at the start 132 ms (44x), in the middle 132 ms (94x), the last 100 84 ms (53x),
                            ListOffsets 58 ms (289x)
     10,000 batches of 10:  15 ms (4.9x), 16 ms (11.6x), 6.8 ms (4.2x), 4.8 ms (24x)
      1,000 batches of 100: 4.0 ms (1.3x), 1.4 ms (1.0x), 1.4 ms (0.9x), 0.6 ms (3.0x)
        100 batches of 1,000: 3.0 ms, 1.4 ms, 1.6 ms, 0.2 ms

A fetch costs Tansu about 0.8 µs for every batch its partition holds, wherever it reads: a consumer reading a
partition written a record at a time costs the broker more at every fetch as the partition grows.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys

from aiokafka import AIOKafkaProducer
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.offset import OffsetRequest
from aiokafka.structs import TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from bench.bench_intake import cpu_seconds
from remedy.runtime.broker import free_port, start_tansu

SIZES = (1, 10, 100, 1000)
ROUNDS = 50
LABELS = ("fetch at the start", "in the middle", "the last 100", "ListOffsets")
VALUE = b"x" * 400


async def fill(bootstrap: str, records: int, size: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    try:
        for start in range(0, records, size):
            batch = producer.create_batch()
            for _ in range(min(size, records - start)):
                batch.append(timestamp=None, key=None, value=VALUE)
            await (await producer.send_batch(batch, "t", partition=0))
    finally:
        await producer.stop()


async def costs(bootstrap: str, pid: int, records: int) -> tuple[float, float]:
    """Broker CPU (µs) per Fetch of the last 100 records and per ListOffsets of the end."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        node = client.cluster.leader_for_partition(TopicPartition("t", 0))
        fetches = [FetchRequest(100, 1, 1 << 20, 0, [("t", [(0, at, 1 << 20)])]) for at in (0, records // 2, records - 100)]
        listing = OffsetRequest(-1, 0, [("t", [(0, -1)])])
        out = []
        for request in (*fetches, listing):
            before = cpu_seconds(pid)
            for _ in range(ROUNDS):
                await client.send(node, request)
            out.append(1e6 * (cpu_seconds(pid) - before) / ROUNDS)
        return tuple(out)
    finally:
        await client.close()


def measure(records: int, size: int) -> tuple[float, float]:
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic("t", 1, 1)])
        admin.close()
        asyncio.run(fill(bootstrap, records, size))
        return asyncio.run(costs(bootstrap, tansu.pid, records))
    finally:
        tansu.kill()
        tansu.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_broker_batches", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records in the partition (default %(default)s)")
    args = parser.parse_args(argv)
    print(f"broker batches: {args.records:,} records in one partition, load {os.getloadavg()[0]:.1f}", flush=True)
    found = {size: measure(args.records, size) for size in SIZES}
    base = found[SIZES[-1]]
    for size, figures in found.items():
        print(f"  {args.records // size:>9,} batches of {size:>5,}: " + ", ".join(
            f"{label} {us:8.0f} us ({us / max(b, 1):6.1f}x)" for label, us, b in zip(LABELS, figures, base)), flush=True)
    print(f"baseline: batches of {SIZES[-1]:,}, same run; load {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
