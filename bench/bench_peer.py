"""The cost of the framework, side by side (issue 18 item 7): Remedy's triage worker and the same logic in
quixstreams, same input, same decisions, same codec, both with RocksDB state, in one run.

For each peer a fresh Tansu gets the same case log (bench/peer_log.py: per case an opening and five later
events, one case in five with a failed mediation; about 100,000 case events) and one worker reads it from the
start: Remedy's triage (``python -m services.triage``, faust, the RocksDB table store) and bench/peer_quix.py
(quixstreams 3, its RocksDB state, at-least-once). Both commit every ``REMEDY_COMMIT_INTERVAL_SECONDS``.
Printed per peer (medians over the rounds, which alternate the peers so that a slow spell of the machine falls
on both):

- case events/s: decisions seen on case.events per second, times the case events per case, from the first
  decision to the last (the worker's start, group join and recovery left out);
- CPU per case event of the worker and of the broker (user + system, /proc) over the same window;
- the changelog records each wrote, against the keys they hold (what coalescing per key could save);
- the ratio Remedy/quixstreams per round and its median; the goal is at least 0.5.

    .venv/bin/python -m bench.bench_peer [--records N] [--rounds R]

Needs quixstreams (``pip install -e '.[bench]'``); without it the benchmark says so and stops.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient

from bench.bench_intake import cpu_seconds
from bench.harness import worker_env
from bench.peer_log import DECISIONS, CaseLog, Reading, Run, case_log, changelog_line, figures, ratio_line, summary
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from sim.defaults import utc

N = 100_000
ROUNDS = 2
NOW = utc(2026, 11, 28, 4)


@contextmanager
def preloaded(codec: Codec, log: CaseLog) -> Iterator[tuple[str, object]]:
    """A fresh Tansu with every registry topic and the case log on case.events: (bootstrap, Tansu's process)."""
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        provision(bootstrap)
        pub = Publisher(bootstrap, codec)
        for key, value in log.records:
            pub.send_raw("case.events", key, value)
        pub.close()
        yield bootstrap, tansu
    finally:
        tansu.kill()
        tansu.wait()


def watch(bootstrap: str, codec: Codec, cases: int, pids: tuple[int, int], timeout: float = 1800) -> list[Reading]:
    """Read case.events until every case has its decision; a reading at each poll that brought decisions."""
    consumer = KafkaConsumer("case.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    readings, seen = [], 0
    deadline = time.monotonic() + timeout
    try:
        while seen < cases and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=200)
            found = sum(codec.case_event_type(r.value) in DECISIONS for records in batch.values() for r in records)
            if found:
                seen += found
                readings.append(Reading(seen, time.monotonic(), *(cpu_seconds(pid) for pid in pids)))
    finally:
        consumer.close()
    if seen < cases:
        raise RuntimeError(f"only {seen} of {cases} cases decided within {timeout:.0f}s")
    return readings


def changelogs(bootstrap: str) -> dict[str, tuple[int, int]]:
    """Every changelog topic that holds records: (records, distinct keys)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    names = [t for t in admin.list_topics() if "changelog" in t]
    admin.close()
    out = {}
    for name in names:
        consumer = KafkaConsumer(name, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None,
                                 consumer_timeout_ms=2000)
        keys = [r.key for r in consumer]
        consumer.close()
        if keys:
            out[name] = (len(keys), len(set(keys)))
    return out


def measure(bootstrap: str, codec: Codec, log: CaseLog, pids: tuple[int, int]) -> Run:
    load0 = os.getloadavg()[0]
    rate, worker_us, broker_us = figures(watch(bootstrap, codec, log.cases, pids), log.per_case)
    load1 = os.getloadavg()[0]
    time.sleep(2 * 2.8 + 1)  # past two commits: quixstreams writes its changelogs at a commit
    return Run(rate, worker_us, broker_us, (load0, load1), changelogs(bootstrap))


def run_remedy(codec: Codec, log: CaseLog, tmp: Path, name: str) -> Run:
    with preloaded(codec, log) as (bootstrap, tansu):
        env = worker_env(bootstrap, tmp / name, NOW, REMEDY_TRIAGE_PORT=str(free_port()), REMEDY_TABLE_STORE="rocksdb://")
        proc = ServiceProcess(name, env, tmp / "logs", module="services.triage", service="triage").start()
        try:
            proc.wait_ready()
            return measure(bootstrap, codec, log, (proc.proc.pid, tansu.pid))
        finally:
            proc.stop()


def run_quix(codec: Codec, log: CaseLog, tmp: Path, name: str) -> Run:
    with preloaded(codec, log) as (bootstrap, tansu):
        (tmp / "logs").mkdir(parents=True, exist_ok=True)
        with open(tmp / "logs" / f"{name}.log", "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bench.peer_quix", bootstrap, str(tmp / name), NOW.isoformat()],
                                    cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        try:
            return measure(bootstrap, codec, log, (proc.pid, tansu.pid))
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=N, help="case events pre-loaded (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds, each running both peers (default %(default)s)")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("quixstreams") is None:
        print("peer: skipped, quixstreams is not installed (.venv/bin/pip install -e '.[bench]')")
        return 0
    codec = Codec(REPO_ROOT / "schemas")
    log = case_log(codec, args.records, NOW)
    print(f"peer: triage over {len(log.records):,} case events ({log.cases:,} cases, {log.failures:,} failed mediations), "
          f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    runs: dict[str, list[Run]] = {"Remedy triage (faust)": [], "quixstreams": []}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            runs["Remedy triage (faust)"].append(run_remedy(codec, log, Path(tmp), f"triage-{rnd}"))
            runs["quixstreams"].append(run_quix(codec, log, Path(tmp), f"quix-{rnd}"))
    for label, measured in runs.items():
        print(summary(label, measured))
        print(changelog_line(label, measured[-1]))
    print(ratio_line(*runs.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
