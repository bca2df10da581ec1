"""intake's sustained events/s per worker beside a bare faust pass-through agent, same broker, same run.

Each worker starts on a fresh Tansu with N defaults already published, so it consumes at full speed.
Throughput = records out / (last output timestamp - first output timestamp), read back from the topic.
Target (issue 2): intake >= 70% of the bare agent.

The three workers run in turn, ROUNDS times, so that a slow spell of the machine falls on all of them
alike; each figure printed is the median over the rounds, and the verdict uses the median of the
per-round ratios.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from kafka import KafkaConsumer

from bench.harness import broker_with_defaults, worker_env
from remedy.contract.codec import Codec
from remedy.ops.procs import ServiceProcess
from remedy.kernel.settings import REPO_ROOT
from sim.defaults import batch, utc

N = 20_000
ROUNDS = 3
NOW = utc(2026, 11, 28, 4)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    rate: float           # records out per second, from the output records' own timestamps
    worker_cpu_us: float  # worker CPU per record while output flowed
    broker_cpu_us: float  # Tansu CPU per record over the same window


def output_rate(bootstrap: str, topic: str, expect: int, pids: tuple[int, int], timeout: float = 300) -> Run:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    stamps: list[int] = []
    readings: list[tuple[int, tuple[float, ...]]] = []  # (records seen, CPU seconds of worker and broker)
    deadline = time.monotonic() + timeout
    while len(stamps) < expect and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            stamps += [r.timestamp for r in records]
        if stamps:
            readings.append((len(stamps), tuple(cpu_seconds(pid) for pid in pids)))
    consumer.close()
    if len(stamps) < expect:
        raise RuntimeError(f"{topic}: only {len(stamps)} of {expect} records within {timeout}s")
    (n0, cpu0), (n1, cpu1) = readings[0], readings[-1]
    worker_us, broker_us = (1e6 * (b - a) / max(n1 - n0, 1) for a, b in zip(cpu0, cpu1))
    return Run(len(stamps) / ((max(stamps) - min(stamps)) / 1000), worker_us, broker_us)


def measure(module: str, name: str, out_topic: str, defaults: list[dict], codec: Codec, tmp: Path) -> Run:
    with broker_with_defaults(codec, defaults, ("bench.passthrough",)) as (bootstrap, tansu):
        proc = ServiceProcess(name, worker_env(bootstrap, tmp / name, NOW), tmp / "logs", module=module).start()
        try:
            proc.wait_ready()
            return output_rate(bootstrap, out_topic, len(defaults), (proc.proc.pid, tansu.pid))
        finally:
            proc.stop()


WORKERS = (("bare faust pass-through agent", "bench.passthrough", "passthrough", "bench.passthrough"),
           ("pass-through on Remedy's runtime", "bench.passthrough_batched", "passthrough_batched", "bench.passthrough"),
           ("intake worker", "services.intake", "intake", "case.events"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else N
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("LENDER-BENCH", "B1", n, 0, NOW)
    runs: dict[str, list[Run]] = {label: [] for label, *_ in WORKERS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for label, module, name, out_topic in WORKERS:
                runs[label].append(measure(module, f"{name}-{r}", out_topic, defaults, codec, Path(tmp)))
    for label, measured in runs.items():
        rates = ", ".join(f"{m.rate:,.0f}" for m in measured)
        print(f"intake: {label:33} {median(m.rate for m in measured):8,.0f} events/s per worker ({rates}); CPU per "
              f"event: worker {median(m.worker_cpu_us for m in measured):4.0f} us, broker "
              f"{median(m.broker_cpu_us for m in measured):4.0f} us")
    bare, batched, intake = (runs[label] for label, *_ in WORKERS)
    shares = [i.rate / b.rate for i, b in zip(intake, bare)]
    share = median(shares)
    print(f"intake: {share:.0%} of the bare agent's rate (median of {rounds} rounds: "
          f"{', '.join(f'{x:.0%}' for x in shares)}; {n:,} events each); target >= 70%: {'met' if share >= 0.7 else 'NOT met'}")
    print(f"intake: {median(i.rate / b.rate for i, b in zip(intake, batched)):.0%} of the pass-through on Remedy's own runtime")


if __name__ == "__main__":
    main()
