"""Whether a worker working through a backlog keeps serving its other partitions, with and without a limit on the
records it takes from its consumer at a time (``REMEDY_POLL_MAX_RECORDS``), same broker build, same run.

An intake worker starts on a fresh Tansu with N defaults already published. It consumes two inputs: the defaults
and ``intake.tallies``, the batch counts it sends itself every second. Without a limit faust takes everything its
consumer has fetched (here up to ~24,000 records in one take) and hands each on before it takes again, so a tally
fetched behind them waits until all are handled. Figures per variant (median over the rounds, which alternate):

- the longest any ``intake.tallies`` / ``loan.defaults`` partition went unserved while records waited on it
  (``remedy_intake_unserved_seconds``, sampled every 0.5 s);
- defaults handled per second (from the output records' own timestamps) and the worker's CPU per default.

Targets: with the limit, no partition unserved past 5 s, and throughput >= 95% of the unlimited worker's.
"""
from __future__ import annotations

import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from bench.bench_intake import NOW, output_rate
from bench.harness import broker_with_defaults, worker_env
from bench.million_metrics import fetch, parse_prometheus
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT, Settings
from remedy.ops.procs import ServiceProcess
from sim.defaults import batch

N = 40_000
ROUNDS = 3
GAUGE = "remedy_intake_unserved_seconds"
INPUTS = ("intake.tallies", "loan.defaults")
LIMIT = Settings().poll_max_records
VARIANTS = (("no limit (faust's default)", "0"), (f"{LIMIT} a take", str(LIMIT)))


@dataclass
class Run:
    unserved: dict[str, float]   # input topic -> longest seen unserved (s)
    rate: float
    worker_cpu_us: float


def watch_unserved(port: int, stop: threading.Event) -> dict[str, float]:
    """Scrape the worker's gauge until ``stop``: the longest unserved per input topic."""
    longest = dict.fromkeys(INPUTS, 0.0)
    while not stop.wait(0.5):
        for name, labels, value in parse_prometheus(fetch(port) or ""):
            if name == GAUGE and labels.get("topic") in longest:
                longest[labels["topic"]] = max(longest[labels["topic"]], value)
    return longest


def measure(limit: str, name: str, defaults: list[dict], codec: Codec, tmp: Path) -> Run:
    with broker_with_defaults(codec, defaults) as (bootstrap, tansu):
        env = worker_env(bootstrap, tmp / name, NOW, REMEDY_POLL_MAX_RECORDS=limit, REMEDY_LAG_SAMPLE_SECONDS="0.5")
        proc = ServiceProcess(name, env, tmp / "logs", module="services.intake").start()
        stop, found = threading.Event(), {}
        watcher = threading.Thread(target=lambda: found.update(watch_unserved(int(env["REMEDY_INTAKE_PORT"]), stop)))
        try:
            proc.wait_ready()
            watcher.start()
            run = output_rate(bootstrap, "case.events", len(defaults), (proc.proc.pid, tansu.pid))
        finally:
            stop.set()
            if watcher.is_alive():
                watcher.join()
            proc.stop()
        return Run(found, run.rate, run.worker_cpu_us)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("LENDER-BENCH", "F1", n, 0, NOW)
    runs: dict[str, list[Run]] = {label: [] for label, _ in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for k, (label, limit) in enumerate(VARIANTS):
                runs[label].append(measure(limit, f"intake-{r}-{k}", defaults, codec, Path(tmp)))
    for label, measured in runs.items():
        unserved = ", ".join(f"{topic} {median(m.unserved[topic] for m in measured):4.1f} s "
                             f"({'/'.join(f'{m.unserved[topic]:.1f}' for m in measured)})" for topic in INPUTS)
        print(f"fair serving: {label:27} longest unserved: {unserved}; {median(m.rate for m in measured):6,.0f} "
              f"defaults/s, {median(m.worker_cpu_us for m in measured):4.0f} us CPU each")
    unlimited, limited = (runs[label] for label, _ in VARIANTS)
    worst = median(max(m.unserved.values()) for m in limited)
    share = median(b.rate / a.rate for a, b in zip(unlimited, limited))
    print(f"fair serving: with the limit the longest unserved is {worst:.1f} s (target <= 5 s: "
          f"{'met' if worst <= 5 else 'NOT met'}); throughput {share:.0%} of the unlimited worker's "
          f"(target >= 95%: {'met' if share >= 0.95 else 'NOT met'}; {n:,} defaults, {rounds} rounds)")


if __name__ == "__main__":
    main()
