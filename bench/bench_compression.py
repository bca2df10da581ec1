"""Producer compression on case.events: none (the baseline) against lz4 and zstd, on a real Tansu.

    python -m bench.bench_compression [--events 50000] [--rounds 2] [--codecs none,lz4,zstd] [--trickle 8]
                                      [--trickle-events 10000]

Publishes N real encoded CaseEvents (scripted case logs, ``sim/funnel_events.py``, in the order the
funnel writes them: by time, cases interleaved) through the path a worker uses — aiokafka with the
runtime's producer options and the service outbox (``remedy/runtime/outbox.py``), one record batch per
partition per agent batch — to a fresh in-memory Tansu per run, provisioned from the registry. Two shapes:

  burst:   agent batches of 500 events (a day's openings, an instalment wave): full record batches;
  trickle: agent batches of ``--trickle`` events, each delivered before the next (a paced run's steady state;
           10,000 events by default: it runs at the pace of round trips).

For each codec it prints, per 10,000 records: the bytes Tansu received from the producer and sent back to
a consumer reading everything (TCP payload on the wire, requests and framing included: the kernel's
counters, ``ss -ti``), the producer's and the consumer's CPU-seconds, Tansu's RSS growth (VmRSS) and
CPU-seconds; records/s; and Tansu's RSS growth per case. Reading back, it checks each partition holds
exactly what was sent, in order. Rounds alternate the codecs, so a slow spell of the machine falls on all of them;
figures are medians over the rounds.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from remedy.contract.codec import Codec  # noqa: E402
from remedy.contract.topics import load_registry  # noqa: E402
from remedy.kernel.settings import REPO_ROOT  # noqa: E402
from remedy.runtime.broker import free_port, provision, start_tansu  # noqa: E402
from remedy.runtime.outbox import Outbox  # noqa: E402
from remedy.runtime.partitioner import KeyPartitioner  # noqa: E402
from sim.defaults import utc  # noqa: E402
from sim.funnel_events import scripted  # noqa: E402

TOPIC = "case.events"
PER = 10_000


def case_events(n: int) -> tuple[list[tuple[bytes, bytes]], int]:
    """(key, value) of the whole logs of as many cases as make n encoded CaseEvents, in funnel order (by time,
    cases interleaved), and how many cases they are."""
    codec = Codec(REPO_ROOT / "schemas")
    lenders = [f"LENDER-{c}" for c in "ABCDEFGHIJKL"]
    events = scripted({lender: n // (6 * len(lenders)) + 1 for lender in lenders}, utc(2026, 10, 1)).events
    cases: dict[str, list[dict]] = {}
    for e in events:
        cases.setdefault(e["case_id"], []).append(e)
    chosen, count = [], 0
    for log in cases.values():
        if count >= n:
            break
        chosen += log
        count += len(log)
    chosen.sort(key=lambda e: e["occurred_at"])
    return [(e["case_id"].encode(), codec.encode("CaseEvent", e)) for e in chosen], len({e["case_id"] for e in chosen})


def wire_bytes(port: int) -> tuple[int, int]:
    """Bytes Tansu received and sent on its open client connections (the kernel's TCP counters, ``ss -ti``)."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True,
                         check=True).stdout
    received = sum(int(m) for m in re.findall(r"bytes_received:(\d+)", out))
    sent = sum(int(m) for m in re.findall(r"bytes_sent:(\d+)", out))
    return received, sent


def proc_status(pid: int) -> dict[str, float]:
    """Tansu's resident memory (bytes) and CPU-seconds."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return {"rss": rss, "cpu": (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")}


async def publish(port: int, records: list[tuple[bytes, bytes]], codec: str, per_batch: int,
                  wait_each: bool) -> tuple[float, int]:
    """Send every record through a worker's outbox; returns the producer's CPU-seconds and the bytes Tansu received."""
    producer = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{port}", acks="all", linger_ms=5, max_batch_size=256 * 1024,
                                compression_type=None if codec == "none" else codec, partitioner=KeyPartitioner())
    await producer.start()
    futures: list[asyncio.Future] = []
    outbox = Outbox(lambda: producer, KeyPartitioner(), lambda future, n: futures.append(future))
    try:
        await producer.partitions_for(TOPIC)
        received = wire_bytes(port)[0]
        cpu = time.process_time()
        for i in range(0, len(records), per_batch):
            async with outbox.batch():
                for key, value in records[i:i + per_batch]:
                    await outbox.send(TOPIC, key, value)
            if wait_each:
                await asyncio.gather(*futures)
                futures.clear()
        await producer.flush()
        await asyncio.gather(*futures)
        cpu = time.process_time() - cpu
        return cpu, wire_bytes(port)[0] - received
    finally:
        await producer.stop()


async def read_back(port: int, n: int) -> tuple[dict[int, list[tuple[bytes, bytes]]], float, int]:
    """Every record of the topic per partition, the consumer's CPU-seconds (decompression included) and the bytes
    Tansu sent it."""
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=f"127.0.0.1:{port}", auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None, max_partition_fetch_bytes=512 * 1024)
    await consumer.start()
    got: dict[int, list[tuple[bytes, bytes]]] = {}
    count, deadline, cpu = 0, time.monotonic() + 120, time.process_time()
    try:
        while count < n and time.monotonic() < deadline:
            for tp, messages in (await consumer.getmany(timeout_ms=500, max_records=10_000)).items():
                got.setdefault(tp.partition, []).extend((m.key, m.value) for m in messages)
                count += len(messages)
        return got, time.process_time() - cpu, wire_bytes(port)[1]
    finally:
        await consumer.stop()


def expected_partitions(records: list[tuple[bytes, bytes]], partitions: int) -> dict[int, list[tuple[bytes, bytes]]]:
    part, out = KeyPartitioner(), {}
    for key, value in records:
        out.setdefault(part(key, list(range(partitions)), []), []).append((key, value))
    return out


def one_run(records, codec: str, per_batch: int, wait_each: bool, workdir: str) -> dict[str, float]:
    port = free_port()
    tansu = start_tansu(port, log_path=os.path.join(workdir, f"tansu-{codec}.log"))
    try:
        topics = {TOPIC: load_registry()[TOPIC]}
        provision(f"127.0.0.1:{port}", topics)
        time.sleep(0.5)
        before = proc_status(tansu.pid)
        start = time.perf_counter()
        cpu, wire = asyncio.run(publish(port, records, codec, per_batch, wait_each))
        wall = time.perf_counter() - start
        time.sleep(0.5)
        after = proc_status(tansu.pid)
        got, read_cpu, served = asyncio.run(read_back(port, len(records)))
        want = expected_partitions(records, topics[TOPIC].partitions)
        if got != want:
            raise SystemExit(f"{codec}: Tansu served back {sum(map(len, got.values()))} records that differ from the "
                             f"{len(records)} sent")
    finally:
        tansu.kill()
        tansu.wait(10)
    k = PER / len(records)
    return {"wire": wire * k, "served": served * k, "rate": len(records) / wall, "cpu": cpu * k,
            "rss": (after["rss"] - before["rss"]) * k, "tansu_cpu": (after["cpu"] - before["cpu"]) * k,
            "read_cpu": read_cpu * k}


def report(shape: str, results: dict[str, list[dict[str, float]]], records: list, cases: int) -> None:
    med = {codec: {m: statistics.median(r[m] for r in runs) for m in runs[0]} for codec, runs in results.items()}
    base = med.get("none")
    raw = sum(len(k) + len(v) for k, v in records) * PER / len(records)
    per_case = len(records) / cases
    print(f"per {PER:,} CaseEvents (keys and values {raw / 1024:,.0f} KiB; {per_case:.1f} events a case)")
    print(f"{'codec':<6} {'wire KiB':>9} {'vs none':>8} {'served KiB':>10} {'records/s':>10} {'producer CPU-s':>15} "
          f"{'consumer CPU-s':>15} {'Tansu RSS MiB':>14} {'Tansu CPU-s':>12} {'RSS KiB/case':>13}")
    for codec, m in med.items():
        ratio = f"{m['wire'] / base['wire']:.0%}" if base else "—"
        print(f"{codec:<6} {m['wire'] / 1024:>9,.0f} {ratio:>8} {m['served'] / 1024:>10,.0f} {m['rate']:>10,.0f} "
              f"{m['cpu']:>15.3f} {m['read_cpu']:>15.3f} {m['rss'] / 2**20:>14.1f} {m['tansu_cpu']:>12.3f} "
              f"{m['rss'] / PER * per_case / 1024:>13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="CaseEvents published in the burst shape")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--codecs", default="none,lz4,zstd")
    parser.add_argument("--trickle", type=int, default=8, help="events per agent batch in the trickle shape (0: skip it)")
    parser.add_argument("--trickle-events", type=int, default=10_000, help="CaseEvents published in the trickle shape "
                                                                              "(~1,300 a second whatever the codec)")
    args = parser.parse_args()
    if shutil.which("ss") is None:
        raise SystemExit("bench_compression reads the bytes on the wire with ss (Debian: apt-get install iproute2)")
    codecs = args.codecs.split(",")
    shapes = [("burst", args.events, 500, False)] + ([("trickle", args.trickle_events, args.trickle, True)] if args.trickle else [])
    print(f"{args.rounds} rounds, a fresh Tansu each run")
    with tempfile.TemporaryDirectory() as workdir:
        for shape, n, per_batch, wait_each in shapes:
            records, cases = case_events(n)
            print(f"\n{shape}: {len(records):,} CaseEvents of {cases:,} cases, mean value "
                  f"{sum(len(v) for _, v in records) / len(records):.0f} bytes, {per_batch} to an agent batch")
            results: dict[str, list[dict[str, float]]] = {c: [] for c in codecs}
            for r in range(args.rounds):
                for codec in codecs if r % 2 == 0 else reversed(codecs):
                    results[codec].append(one_run(records, codec, per_batch, wait_each, workdir))
            report(shape, results, records, cases)
    print("\nEvery run: Tansu served back every record, per partition and in order, as sent.")


if __name__ == "__main__":
    main()
