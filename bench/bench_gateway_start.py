"""The gateway's start with N cases in its history: its read model on disk, built once and then resumed from its
stored offsets, against the baseline of the read model replayed from offset 0 into the heap at every start.

A fresh Tansu gets N scripted case logs from a dozen lenders (``sim.funnel_events.case_log``: every lifecycle
path, about 7 events a case). Each start is a real ``python -m services.gateway``, timed from its launch to
/healthz counting all N cases (and, on disk, caught up with the topics); printed per start: that time, the CPU
seconds the process used by then, its RSS then and its peak RSS (VmHWM), and the store's size on disk.

- heap: the gateway as it was before its read model went to disk (``BASE``, taken from git into a temporary
  directory), which replays every topic from offset 0 into Python dicts at every start;
- disk, first start: the store built from offset 0 (what a new instance, or one whose store was lost, does);
  then SIGKILLed;
- disk, restarted after SIGKILL: the store reopened, each partition read from its stored offset.

    python -m bench.bench_gateway_start [N]        (default 100,000)
"""
from __future__ import annotations

import io
import json
import random
import runpy
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.bench_intake import cpu_seconds
from bench.bench_table_store import dir_mib
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from sim.funnel_events import case_log

N = 100_000
LENDERS = [f"LENDER-{i:02d}" for i in range(1, 13)]
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
BASE = "d0c6de4a22ba6348d4375e9f579c015da8173ca0"  # the last commit whose gateway kept its read model on the heap


@dataclass
class Start:
    ready_s: float
    cpu_s: float
    rss_mib: float
    peak_mib: float
    disk_mib: float = 0.0


def publish_history(bootstrap: str, codec: Codec, n: int) -> int:
    """N case logs on case.events, lender after lender in turn; the number of events."""
    pub, rng, events = Publisher(bootstrap, codec), random.Random(7), 0
    for k in range(n):
        log, _ = case_log(rng, LENDERS[k % len(LENDERS)], k, START)
        for e in log:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        events += len(log)
    pub.flush()
    pub.close()
    return events


def heap_gateway(tmp: Path) -> Path | None:
    """A directory holding ``services/gateway`` as it was at BASE (first on PYTHONPATH), or None without git."""
    try:
        archive = subprocess.run(["git", "archive", BASE, "services/__init__.py", "services/gateway"], cwd=REPO_ROOT,
                                 capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    out = tmp / "heap-gateway"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return out


def status(pid: int) -> dict[str, float]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: int(v.split()[0]) / 1024 for k, _, v in (line.partition(":") for line in lines) if k in ("VmRSS", "VmHWM")}


def ready(proc: ServiceProcess, n: int, timeout: float = 1800) -> tuple[float, float, dict]:
    """(seconds from launch, CPU seconds, /healthz) once /healthz counts n cases and, if it says, has caught up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"the gateway exited; its log:\n{proc.tail()}")
        try:
            health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/healthz", timeout=5).read())
        except OSError:
            health = {"cases": 0}
        if health["cases"] >= n and health.get("caught_up", True):
            return time.monotonic() - proc.started_at, cpu_seconds(proc.proc.pid), health
        time.sleep(0.05)
    raise RuntimeError(f"not ready within {timeout:.0f}s; its log:\n{proc.tail()}")


def start(proc: ServiceProcess, n: int, store: Path | None = None) -> Start:
    proc.start()
    ready_s, cpu_s, health = ready(proc, n)
    if ("caught_up" in health) != (store is not None):
        raise RuntimeError(f"{proc.name} is not the gateway it should be (/healthz: {health})")
    mem = status(proc.proc.pid)
    return Start(ready_s, cpu_s, mem["VmRSS"], mem["VmHWM"], dir_mib(store) if store else 0.0)


def gateway(name: str, bootstrap: str, data: Path, **env: str) -> ServiceProcess:
    port = free_port()
    proc = ServiceProcess(name, {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(data / name),
                                 "REMEDY_GATEWAY_PORT": str(port), "REMEDY_LOG_LEVEL": "info", **env},
                          data / "logs", module="services.gateway", service="gateway")
    proc.port = port
    return proc


def measure(n: int, tmp: Path) -> tuple[int, dict[str, Start | None]]:
    codec = Codec(REPO_ROOT / "schemas")
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    results: dict[str, Start | None] = {}
    try:
        provision(bootstrap)
        events = publish_history(bootstrap, codec, n)
        old = heap_gateway(tmp)
        if old is not None:
            proc = gateway("gateway-heap", bootstrap, tmp)
            proc.module, proc.args = "bench.bench_gateway_start", ("--heap-gateway", str(old))
            try:
                results["heap, replayed from offset 0 (baseline)"] = start(proc, n)
            finally:
                proc.stop()
        else:
            results["heap, replayed from offset 0 (baseline)"] = None
        store = tmp / "gateway-disk" / "gateway" / "read-model"
        proc = gateway("gateway-disk", bootstrap, tmp)
        try:
            results["disk, first start (built from 0)"] = start(proc, n, store)
            proc.kill()
            results["disk, restarted after SIGKILL"] = start(proc, n, store)
        finally:
            proc.stop()
        return events, results
    finally:
        tansu.kill()
        tansu.wait()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    with tempfile.TemporaryDirectory() as tmp:
        events, results = measure(n, Path(tmp))
    print(f"gateway start: {n:,} cases in history ({events:,} case events, {len(LENDERS)} lenders), one gateway on a fresh Tansu")
    for label, r in results.items():
        if r is None:
            print(f"gateway start: {label:40} not measured (no git checkout to take the gateway at {BASE[:7]} from)")
            continue
        disk = f", {r.disk_mib:4.0f} MiB on disk" if r.disk_mib else ""
        print(f"gateway start: {label:40} answers for every case {r.ready_s:6.1f} s after launch, {r.cpu_s:6.1f} s CPU, "
              f"RSS {r.rss_mib:5.0f} MiB (peak {r.peak_mib:5.0f} MiB){disk}")


def heap_worker(path: str) -> None:
    """``python -m services.gateway`` with the package taken from ``path`` (``-m`` puts the repository first)."""
    for name in [m for m in sys.modules if m == "services" or m.startswith("services.")]:
        del sys.modules[name]
    sys.path.insert(0, path)
    sys.argv = [sys.argv[0]]
    runpy.run_module("services.gateway", run_name="__main__")


if __name__ == "__main__":
    if "--heap-gateway" in sys.argv:
        heap_worker(sys.argv[sys.argv.index("--heap-gateway") + 1])
    else:
        main()
