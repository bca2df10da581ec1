"""Analytics' resident memory with embedded chDB, with and without handing freed pages back, in one run.

    python -m bench.bench_analytics_memory [--events 600000]

Publishes N CaseEvents to a fresh Tansu once, then runs the analytics sink over them twice, each in a process of
its own (one chDB engine a process): the baseline as the sink alone, then with ``Store.return_free_memory``
every 5 s as the service's loop calls it. Each process samples its own memory every 0.25 s. Printed per run:
resident memory after the engine opened, at the end, and at its peak, and how much of it is anonymous (the
allocator's) and file-backed (chDB's library, shared and reclaimable); then the difference. The issue's target
is at most 500 MB for every service at a million open cases (several million events).

measured 2026-12-06, 600,000 events: baseline end 654 MiB (414 anonymous), peak 669; with the purge end 545 MiB
(304 anonymous: 110 MiB less), peak 670 (the same: a burst of inserts and merges between two purges). Each
purge took 65 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from bench.bench_analytics import publish
from bench.million_proc import parse_status
from remedy.contract.codec import Codec
from remedy.kernel.clock import SystemClock
from remedy.kernel.settings import REPO_ROOT, Settings
from remedy.runtime.broker import free_port, provision, start_tansu
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.settings import AnalyticsSettings
from services.analytics.sink import Sink
from services.analytics.store import Store

MIB = 1024 ** 2
EVERY = 5.0   # seconds between purges: the service's GAUGE_INTERVAL


def memory() -> dict[str, int]:
    """This process's resident memory (bytes): total, anonymous and file-backed."""
    with open("/proc/self/status") as status:
        found = parse_status(status.read(), ("VmRSS", "RssAnon", "RssFile"))
    return {"rss": found["VmRSS"], "anon": found["RssAnon"], "file": found["RssFile"]}


class Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak: dict[str, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            now = memory()
            if now["rss"] > self.peak.get("rss", 0):
                self.peak = now


async def run_sink(bootstrap: str, n: int, chdir: str, purge: bool) -> dict:
    codec = Codec(REPO_ROOT / "schemas")
    env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_ANALYTICS_FLUSH_ROWS": "20000", "REMEDY_ANALYTICS_FLUSH_MS": "1000"}
    store = Store.open(f"chdb://{chdir}")
    await store.run(store.migrate)
    opened = memory()
    sampler = Sampler()
    sampler.start()
    sink = Sink(Settings.from_env(env), AnalyticsSettings.from_env(env), store, codec, SystemClock(), AnalyticsMetrics(),
                group_id=f"bench-analytics-memory-{purge}")   # each run reads from the start
    await sink.start()
    purges, purge_seconds, last = 0, 0.0, time.monotonic()
    try:
        consumed = 0
        while consumed < n:
            consumed += sink.add(await sink.consumer.getmany(timeout_ms=200, max_records=20_000))
            if sink.due():
                await sink.flush(wait=False)
            if purge and time.monotonic() - last >= EVERY:
                started = time.perf_counter()
                await store.run(store.return_free_memory)
                purge_seconds += time.perf_counter() - started
                purges, last = purges + 1, time.monotonic()
        await sink.flush()
        if purge:
            await store.run(store.return_free_memory)
        end = memory()
    finally:
        sampler.done.set()
        await sink.stop()
        store.close()
    return {"opened": opened, "end": end, "peak": sampler.peak, "purges": purges, "purge_ms": 1000 * purge_seconds / max(1, purges)}


def child(args) -> None:
    print(json.dumps(asyncio.run(run_sink(args.bootstrap, args.events, args.chdir, args.purge))))


def line(name: str, run: dict) -> str:
    def m(sample: dict) -> str:
        return f"{sample['rss'] / MIB:5.0f} MiB ({sample['anon'] / MIB:4.0f} anon, {sample['file'] / MIB:4.0f} file)"
    extra = f"; {run['purges']} purges, {run['purge_ms']:.0f} ms each" if run["purges"] else ""
    return f"{name:<22} opened {m(run['opened'])}  end {m(run['end'])}  peak {m(run['peak'])}{extra}"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=600_000)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--purge", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--bootstrap", help=argparse.SUPPRESS)
    p.add_argument("--chdir", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
        return 0
    port = free_port()
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        tansu = start_tansu(port, log_path=os.path.join(tmp, "tansu.log"))
        bootstrap = f"127.0.0.1:{port}"
        try:
            provision(bootstrap)
            n = asyncio.run(publish(bootstrap, Codec(REPO_ROOT / "schemas"), args.events))
            print(f"published {n:,} CaseEvents")
            for name, purge in (("sink alone (baseline)", False), ("sink + purge every 5 s", True)):
                cmd = [sys.executable, "-m", "bench.bench_analytics_memory", "--child", "--events", str(n),
                       "--bootstrap", bootstrap, "--chdir", os.path.join(tmp, f"ch-{purge}")] + (["--purge"] if purge else [])
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, check=True)
                runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
                print(line(name, runs[name]), flush=True)
        finally:
            tansu.kill()
            tansu.wait(10)
    base, purged = runs.values()
    for when in ("end", "peak"):
        saved = base[when]["rss"] - purged[when]["rss"]
        print(f"{when}: {saved / MIB:.0f} MiB less with the purge ({purged[when]['rss'] / base[when]['rss']:.0%} "
              f"of the baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
