"""Analytics' resident memory with embedded chDB, as configured before and as configured now, in one run.

    python -m bench.bench_analytics_memory [--events 600000]

Publishes N CaseEvents to a fresh Tansu once, then runs the analytics sink over them twice, each in a process of
its own (one chDB engine a process), handing freed memory back every 5 s as the service's loop does
(``Store.return_free_memory``), then builds the dashboard's snapshot once on a second session, as the service's
builder does. Before: the engine's default options, the tables of migrations 001–006, and the purge
(``SYSTEM JEMALLOC PURGE``) alone. Now: ``Store.open`` (``store.engine_options``: the allocator's freed pages purged
past 20 MiB), every migration (007: compact case_facts parts, case_events merged vertically) and
``return_free_memory`` as it is (also dropping the engine library's pages not in use and trimming the C heap).
Each process samples its own memory every 0.25 s. Printed per run: resident memory after the engine opened, at
the end of the sink's run, its peak, and the peak while the snapshot is built; each split into anonymous (the
allocators') and file-backed (chDB's library, shared and reclaimable); then the difference. The issue's target
is at most 500 MB (477 MiB) for every service at a million open cases (several million events).

measured 2026-12-07, 600,000 events, load 0.95 when the runs began and 5.3 at the end (other work on the 2 cores):
before: end 509 MiB (269 anonymous, 240 file-backed), peak 647 (407 anonymous), while building the snapshot 677;
now: end 335 MiB (258 anonymous, 77 file-backed), peak 455 (327 anonymous, 127 file-backed), while building the
snapshot 515 (340 anonymous, 175 file-backed). An earlier run that day (load 3 – 4): now peak 440, building 477;
before 646 and 673. Each purge now takes 100 – 200 ms (34 – 61 ms before).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import clickhouse_connect

from bench.bench_analytics import publish
from bench.million_proc import parse_status
from remedy.contract.codec import Codec
from remedy.kernel.clock import SystemClock
from remedy.kernel.settings import REPO_ROOT, Settings
from remedy.runtime.broker import free_port, provision, start_tansu
from services.analytics import snapshot
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.settings import AnalyticsSettings
from services.analytics.sink import Sink
from services.analytics.store import MIGRATIONS_DIR, Store, migration_files

MIB = 1024 ** 2
EVERY = 5.0   # seconds between purges: the service's GAUGE_INTERVAL
BEFORE_MIGRATIONS = 6   # the tables as they were: migrations up to 006


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


class Before(Store):
    """The configuration before: the engine's default options, the purge alone."""

    @classmethod
    def open(cls, url: str) -> "Before":
        path = Path(url[len("chdb://"):])
        path.mkdir(parents=True, exist_ok=True)
        return cls(clickhouse_connect.get_client(interface="chdb", path=str(path)), embedded=True)

    def return_free_memory(self) -> None:
        self.client.command("SYSTEM JEMALLOC PURGE")


def migrate(store: Store, now: bool, folder: str) -> None:
    if now:
        store.migrate()
        return
    earlier = Path(folder) / "migrations"
    earlier.mkdir()
    for version, _, path in migration_files(MIGRATIONS_DIR):
        if version <= BEFORE_MIGRATIONS:
            shutil.copy(path, earlier / path.name)
    store.migrate(earlier)


async def run_sink(bootstrap: str, n: int, chdir: str, now: bool) -> dict:
    codec = Codec(REPO_ROOT / "schemas")
    env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_ANALYTICS_FLUSH_ROWS": "20000", "REMEDY_ANALYTICS_FLUSH_MS": "1000"}
    kind = Store if now else Before
    url = f"chdb://{chdir}/clickhouse"
    store = kind.open(url)
    await store.run(migrate, store, now, chdir)
    await store.run(store.return_free_memory)
    opened = memory()
    sampler = Sampler()
    sampler.start()
    sink = Sink(Settings.from_env(env), AnalyticsSettings.from_env(env), store, codec, SystemClock(), AnalyticsMetrics(),
                group_id=f"bench-analytics-memory-{now}")   # each run reads from the start
    await sink.start()
    purges, purge_seconds, last = 0, 0.0, time.monotonic()
    try:
        consumed = 0
        while consumed < n:
            consumed += sink.add(await sink.consumer.getmany(timeout_ms=200, max_records=20_000))
            if sink.due():
                await sink.flush(wait=False)
            if time.monotonic() - last >= EVERY:
                started = time.perf_counter()
                await store.run(store.return_free_memory)
                purge_seconds += time.perf_counter() - started
                purges, last = purges + 1, time.monotonic()
        await sink.flush()
        await store.run(store.return_free_memory)
        end, sink_peak = memory(), sampler.peak
        sampler.peak = {}
        builder = kind.open(url)   # the service's builder: a session of its own
        built = await builder.run(snapshot.build, builder)
        await store.run(store.return_free_memory)
        builder.close()
    finally:
        sampler.done.set()
        await sink.stop()
        store.close()
    return {"opened": opened, "end": end, "peak": sink_peak, "build": sampler.peak, "build_ms": built["build_ms"],
            "purges": purges, "purge_ms": 1000 * purge_seconds / max(1, purges)}


def child(args) -> None:
    print(json.dumps(asyncio.run(run_sink(args.bootstrap, args.events, args.chdir, args.now))))


def line(name: str, run: dict) -> str:
    def m(sample: dict) -> str:
        return f"{sample['rss'] / MIB:4.0f} MiB ({sample['anon'] / MIB:3.0f} anon, {sample['file'] / MIB:3.0f} file)"
    return (f"{name:<7} opened {m(run['opened'])}  end {m(run['end'])}  peak {m(run['peak'])}\n"
            f"{'':<7} snapshot build {run['build_ms'] / 1000:.1f} s, peak {m(run['build'])}; "
            f"{run['purges']} purges, {run['purge_ms']:.0f} ms each")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=600_000)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--now", action="store_true", help=argparse.SUPPRESS)
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
            print(f"published {n:,} CaseEvents; load {os.getloadavg()[0]:.2f}")
            for name, now in (("before", False), ("now", True)):
                folder = os.path.join(tmp, name)
                os.mkdir(folder)
                cmd = [sys.executable, "-m", "bench.bench_analytics_memory", "--child", "--events", str(n),
                       "--bootstrap", bootstrap, "--chdir", folder] + (["--now"] if now else [])
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, check=True)
                runs[name] = json.loads(out.stdout.strip().splitlines()[-1])
                print(line(name, runs[name]), flush=True)
        finally:
            tansu.kill()
            tansu.wait(10)
    before, after = runs["before"], runs["now"]
    for when in ("end", "peak", "build"):
        saved = before[when]["rss"] - after[when]["rss"]
        print(f"{when}: {saved / MIB:.0f} MiB less now ({after[when]['rss'] / before[when]['rss']:.0%} of before; "
              f"anonymous {(before[when]['anon'] - after[when]['anon']) / MIB:.0f} MiB less, "
              f"file-backed {(before[when]['file'] - after[when]['file']) / MIB:.0f})")
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
