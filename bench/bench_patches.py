"""What Remedy's faust patches (``remedy/runtime/patches``) buy: the pass-through worker on Remedy's runtime
(``bench/passthrough_batched.py``) with every patch, with none (``REMEDY_FAUST_PATCHES=none``), and with all
but each speed patch in turn.

Set up as ``bench/bench_intake.py`` sets up: each worker starts on a fresh Tansu with N defaults already
published, so it consumes at full speed; records/s from the output records' own timestamps. Worker CPU
per record is the worker's CPU time (sampled every 10 ms) between the first and the last output
timestamp, over the records written in between: unlike bench_intake's reading, it does not depend on
the reader keeping up with the worker. The configurations run in turn, ROUNDS times, the order rotated each
round, so that a slow spell of the shared machine falls on all of them alike; each figure printed is
the median over the rounds, and each ratio the median of the per-round ratios. ``highwater`` is a
correctness fix (tests/broker/test_highwater.py) and costs nothing here: the pass-through has no table.

    .venv/bin/python -m bench.bench_patches [N] [ROUNDS]
"""
from __future__ import annotations

import bisect
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from kafka import KafkaConsumer

from bench.bench_intake import NOW, cpu_seconds
from bench.passthrough import OUT_TOPIC
from bench.harness import broker_with_defaults, worker_env
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from sim.defaults import batch

N = 40_000
ROUNDS = 3
CONFIGS = {  # label -> REMEDY_FAUST_PATCHES
    "all patches": "all",
    "no patches": "none",
    "all but fastpath": "highwater,nomonitor",
    "all but nomonitor": "fastpath,highwater",
}


@dataclass
class Run:
    rate: float           # records out per second, from the output records' own timestamps
    worker_cpu_us: float  # worker CPU per record between the first and the last output


class CpuSampler(threading.Thread):
    """(wall time, CPU seconds) of one process every ``every`` seconds, until stopped."""

    def __init__(self, pid: int, every: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.done = pid, every, [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.samples.append((time.time(), cpu_seconds(self.pid)))
            except (OSError, IndexError, ValueError):
                return
            self.done.wait(self.every)

    def at(self, t: float) -> float:
        """CPU seconds at wall time ``t``, interpolated between the samples around it."""
        times = [s[0] for s in self.samples]
        i = min(max(bisect.bisect_left(times, t), 1), len(times) - 1)
        (t0, c0), (t1, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * min(max((t - t0) / (t1 - t0), 0.0), 1.0) if t1 > t0 else c1


def output_run(bootstrap: str, expect: int, sampler: CpuSampler, timeout: float = 300) -> Run:
    consumer = KafkaConsumer(OUT_TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    while len(stamps) < expect and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            stamps += [r.timestamp for r in records]
    consumer.close()
    if len(stamps) < expect:
        raise RuntimeError(f"{OUT_TOPIC}: only {len(stamps)} of {expect} records within {timeout}s")
    first, last = min(stamps) / 1000, max(stamps) / 1000
    inside = sum(1 for s in stamps if s > min(stamps))  # the records written after the first instant
    cpu = sampler.at(last + 0.001) - sampler.at(first)
    return Run(len(stamps) / (last - first), 1e6 * cpu / max(inside, 1))


def measure(patches: str, name: str, defaults: list[dict], codec: Codec, tmp: Path) -> Run:
    with broker_with_defaults(codec, defaults, (OUT_TOPIC,)) as (bootstrap, _):
        env = worker_env(bootstrap, tmp / name, NOW, REMEDY_PRODUCER_LINGER_MS="5", REMEDY_FAUST_PATCHES=patches)
        proc = ServiceProcess(name, env, tmp / "logs", module="bench.passthrough_batched").start()
        try:
            sampler = CpuSampler(proc.proc.pid)
            sampler.start()
            proc.wait_ready()
            try:
                return output_run(bootstrap, len(defaults), sampler)
            finally:
                sampler.done.set()
                sampler.join()
        finally:
            proc.stop()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("LENDER-BENCH", "B1", n, 0, NOW)
    labels = list(CONFIGS)
    runs: dict[str, list[Run]] = {label: [] for label in labels}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for label in labels[r % len(labels):] + labels[:r % len(labels)]:
                slug = label.replace(" ", "-")
                runs[label].append(measure(CONFIGS[label], f"{slug}-{r}", defaults, codec, Path(tmp)))
    for label in labels:
        measured = runs[label]
        rates = ", ".join(f"{m.rate:,.0f}" for m in measured)
        cpus = ", ".join(f"{m.worker_cpu_us:.0f}" for m in measured)
        print(f"patches: {label:18} (REMEDY_FAUST_PATCHES={CONFIGS[label]:19}) {median(m.rate for m in measured):7,.0f} "
              f"records/s ({rates}); worker CPU {median(m.worker_cpu_us for m in measured):4.0f} us/record ({cpus})")
    full = runs["all patches"]
    for label in labels[1:]:
        other = runs[label]
        rate = median(a.rate / b.rate for a, b in zip(full, other))
        cpu = median(b.worker_cpu_us / a.worker_cpu_us for a, b in zip(full, other))
        saved = median(b.worker_cpu_us - a.worker_cpu_us for a, b in zip(full, other))
        print(f"patches: all patches vs {label:18}: {rate:.2f}x the records/s, {label} spends {cpu:.2f}x the CPU "
              f"per record ({saved:+.0f} us)")
    print(f"patches: medians of {rounds} rounds of {n:,} records each")


if __name__ == "__main__":
    main()
