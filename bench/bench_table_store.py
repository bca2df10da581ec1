"""intake on each table store: records/s, CPU per record and the worker's peak RSS, then a restart after SIGKILL.

For each store (REMEDY_TABLE_STORE) a fresh Tansu gets N defaults, and one intake worker opens their N cases
(its ``seen`` table grows by one entry per case). Printed per store:

- records/s: CaseOpened out per second, from the output records' own timestamps;
- CPU per record: the worker's user + system CPU over the same window;
- peak RSS: the worker's VmHWM (/proc/<pid>/status) once every case is open;
- after a SIGKILL, the restarted worker's time from its partitions assigned to its tables recovered, and its peak
  RSS then
  (``memory://`` reads its whole changelog back into the heap; RocksDB reopens its files and reads the tail).

``rocksdb:// (faust's options)`` runs Remedy's RocksDB store with faust's own default options (a 2 GiB block
cache per table partition, 3 x 64 MiB write buffers each) instead of the worker-wide budget of
remedy/runtime/stores.py, to show what that budget is for.

    python -m bench.bench_table_store [N]        (default 100,000)
"""
from __future__ import annotations

import re
import runpy
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.bench_intake import NOW, cpu_seconds
from kafka import KafkaConsumer

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from sim.defaults import batch

N = 100_000
STORES = (("memory://", "memory://", ()),
          ("rocksdb://", "rocksdb://", ()),
          ("rocksdb:// (faust's options)", "rocksdb://", ("--faust-rocksdb-options",)))


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1024 ** 2 if path.exists() else 0.0


@dataclass
class Result:
    rate: float
    cpu_us: float
    rss_mib: float
    disk_mib: float
    restart_s: float
    restart_rss_mib: float


def follow(bootstrap: str, n: int, pid: int, timeout: float = 900) -> tuple[float, float]:
    """CaseOpened/s from the records' timestamps, and the worker's CPU µs per record while they flowed."""
    consumer = KafkaConsumer("case.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    stamps: list[int] = []
    readings: list[tuple[int, float]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(stamps) < n and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                stamps += [r.timestamp for r in records]
            if stamps:
                readings.append((len(stamps), cpu_seconds(pid)))
    finally:
        consumer.close()
    if len(stamps) < n:
        raise RuntimeError(f"only {len(stamps)} of {n} cases opened within {timeout:.0f}s")
    (n0, c0), (n1, c1) = readings[0], readings[-1]
    return n / ((max(stamps) - min(stamps)) / 1000), 1e6 * (c1 - c0) / max(n1 - n0, 1)


STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]")


def stamp(line: str) -> float:
    return datetime.strptime(STAMP.match(line).group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()


def recovered(proc: ServiceProcess, mark: int, timeout: float = 600) -> float:
    """Seconds from partitions assigned to faust's 'Recovery complete' (the tables ready) in the restarted worker's log:
    the group's wait for the killed member to time out, the same for every store, is left out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = proc.log_path.read_text(errors="replace")[mark:].splitlines()
        done = [line for line in lines if "Recovery complete" in line and STAMP.match(line)]
        if done:
            assigned = [line for line in lines if "Executing _on_partitions_assigned" in line and STAMP.match(line)]
            return stamp(done[0]) - stamp(assigned[-1])
        time.sleep(0.2)
    raise RuntimeError("no recovery within timeout")


def measure(store: str, args: tuple[str, ...], n: int, defaults: list[dict], codec: Codec, tmp: Path) -> Result:
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    data = tmp / f"intake-{len(list(tmp.iterdir()))}"
    try:
        provision(bootstrap)
        pub = Publisher(bootstrap, codec)
        pub.publish_defaults(defaults)
        pub.close()
        env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(data), "REMEDY_INTAKE_PORT": str(free_port()),
               "REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_LOG_LEVEL": "info",
               "REMEDY_TABLE_STORE": store}
        proc = ServiceProcess("intake", env, data / "logs", module="bench.bench_table_store", args=("--worker", *args))
        proc.start().wait_ready()
        rate, cpu_us = follow(bootstrap, n, proc.proc.pid)
        time.sleep(4)  # past a commit
        rss = peak_rss_mib(proc.proc.pid)
        proc.kill()
        mark = len(proc.log_path.read_text(errors="replace"))
        proc.start()
        try:
            restart_s = recovered(proc, mark)
            restart_rss = peak_rss_mib(proc.proc.pid)
        finally:
            proc.stop()
        return Result(rate, cpu_us, rss, dir_mib(data / "faust"), restart_s, restart_rss)
    finally:
        tansu.kill()
        tansu.wait()


def worker(args: list[str]) -> None:
    """The intake worker, optionally with faust's own RocksDB options instead of Remedy's budget."""
    if "--faust-rocksdb-options" in args:
        from faust.stores.rocksdb import RocksDBOptions

        from remedy.runtime import stores

        stores.BoundedOptions.as_options = RocksDBOptions.as_options
        stores.BoundedOptions.write_buffer_size = RocksDBOptions.write_buffer_size
        stores.BoundedOptions.max_write_buffer_number = RocksDBOptions.max_write_buffer_number
    sys.argv = [sys.argv[0]]
    runpy.run_module("services.intake", run_name="__main__")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("LENDER-BENCH", "B1", n, 0, NOW)
    with tempfile.TemporaryDirectory() as tmp:
        results = {label: measure(store, args, n, defaults, codec, Path(tmp)) for label, store, args in STORES}
    print(f"table store: intake opening {n:,} cases (one 'seen' entry each), one worker on a fresh Tansu")
    for label, r in results.items():
        print(f"table store: {label:29} {r.rate:7,.0f} records/s, {r.cpu_us:4.0f} us CPU/record, peak RSS {r.rss_mib:6.0f} MiB"
              f" ({r.disk_mib:5.0f} MiB on disk); after SIGKILL: tables recovered in {r.restart_s:5.1f} s, "
              f"peak RSS {r.restart_rss_mib:6.0f} MiB")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker(sys.argv[1:])
    else:
        main()
