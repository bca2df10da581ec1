"""How fast the analytics sink writes case events to ClickHouse, beside raw aiokafka + fastavro decoding.

    python bench/bench_analytics.py [--events 100000] [--cpu 0]

Starts a fresh Tansu, publishes N CaseEvents (scripted case logs), then, pinned to one CPU core, in
the same run over the same bytes:
  1. raw:  aiokafka ``getmany`` + fastavro ``schemaless_reader`` of every value (no mapping, no writes);
  2. sink: the analytics sink's own loop — consume, batch-decode, map to rows, column-oriented insert
     into embedded chDB, commit offsets after each insert — until all N rows are written.
Prints events/s for both. The target for the sink is ≥ 20,000 events/s on one core.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fastavro  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402

from remedy.runtime.broker import free_port, provision, start_tansu  # noqa: E402
from remedy.kernel.clock import SystemClock  # noqa: E402
from remedy.contract.codec import HEADER_LEN, Codec  # noqa: E402
from remedy.kernel.settings import REPO_ROOT, Settings  # noqa: E402
from services.analytics.metrics import AnalyticsMetrics  # noqa: E402
from services.analytics.settings import AnalyticsSettings  # noqa: E402
from services.analytics.sink import Sink  # noqa: E402
from services.analytics.store import Store  # noqa: E402
from sim.funnel_events import scripted  # noqa: E402
from sim.defaults import utc  # noqa: E402

TOPIC = "case.events"


async def publish(bootstrap: str, codec: Codec, n: int) -> int:
    data = scripted({"LENDER-A": n // 10 + 1, "LENDER-B": n // 10 + 1}, utc(2026, 10, 1))
    events = data.events[:n]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10, max_batch_size=512 * 1024, acks=1)
    await producer.start()
    try:
        futures = [await producer.send(TOPIC, key=e["case_id"].encode(), value=codec.encode("CaseEvent", e))
                   for e in events]
        await producer.flush()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(events)


async def raw_decode(bootstrap: str, codec: Codec, n: int) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                max_partition_fetch_bytes=8 * 1024 * 1024, fetch_max_bytes=32 * 1024 * 1024)
    await consumer.start()
    schema = codec.current["CaseEvent"].parsed
    reader = fastavro.schemaless_reader
    try:
        parts = [TopicPartition(TOPIC, p) for p in consumer.partitions_for_topic(TOPIC) or range(4)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        seen, started = 0, None
        while seen < n:
            batches = await consumer.getmany(timeout_ms=500, max_records=20_000)
            if batches and started is None:
                started = time.perf_counter()
            for messages in batches.values():
                for m in messages:
                    body = io.BytesIO(m.value)
                    body.seek(HEADER_LEN)
                    reader(body, schema, None, return_record_name=True, return_record_name_override=True)
                seen += len(messages)
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def sink_run(bootstrap: str, codec: Codec, n: int, chdir: str) -> tuple[float, float]:
    env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_ANALYTICS_FLUSH_ROWS": "20000", "REMEDY_ANALYTICS_FLUSH_MS": "1000"}
    store = Store.open(f"chdb://{chdir}")
    await store.run(store.migrate)
    metrics = AnalyticsMetrics()
    sink = Sink(Settings.from_env(env), AnalyticsSettings.from_env(env), store, codec, SystemClock(), metrics,
                group_id="bench-analytics")
    await sink.start()
    try:
        started = cpu0 = None
        consumed = 0
        while consumed < n:  # the body of Sink.run, timed from the first record to the last commit
            batches = await sink.consumer.getmany(timeout_ms=200, max_records=20_000)
            if batches and started is None:
                started, cpu0 = time.perf_counter(), time.process_time()
            consumed += sink.add(batches)
            if sink.due():
                await sink.flush(wait=False)
        await sink.flush()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        (count,) = store.rows("SELECT count() AS n FROM case_events FINAL")[0].values()
        assert count == n, f"wrote {count} of {n}"
        return n / wall, n / cpu
    finally:
        await sink.stop()
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--cpu", type=int, default=0, help="the core the consumer side is pinned to")
    args = parser.parse_args()
    codec = Codec(REPO_ROOT / "schemas")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        tansu = start_tansu(port, log_path=os.path.join(tmp, "tansu.log"))  # Tansu keeps every core
        bootstrap = f"127.0.0.1:{port}"
        try:
            provision(bootstrap)
            t = time.perf_counter()
            n = asyncio.run(publish(bootstrap, codec, args.events))
            print(f"published {n} CaseEvents in {time.perf_counter() - t:.1f}s")
            os.sched_setaffinity(0, {args.cpu})
            raw = asyncio.run(raw_decode(bootstrap, codec, n))
            sink_wall, sink_cpu = asyncio.run(sink_run(bootstrap, codec, n, os.path.join(tmp, "ch")))
        finally:
            tansu.kill()
            tansu.wait(10)
    print(f"raw aiokafka + fastavro decode : {raw:10,.0f} events/s")
    print(f"analytics sink → chDB           : {sink_wall:10,.0f} events/s  ({sink_cpu:,.0f} per CPU-second; "
          f"{sink_wall / raw:.0%} of raw)")
    print(f"target ≥ 20,000 events/s on one core: {'met' if sink_wall >= 20_000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
