"""Triage of two checkouts side by side: this one against a baseline (another commit's worktree), over the same
case log (bench/peer_log.py), rounds alternating the two, so that a busy spell of the shared machine falls on both.

    git worktree add --detach /tmp/wt-base <commit>
    .venv/bin/python -m bench.bench_triage_ab --baseline /tmp/wt-base [--records N] [--rounds R]

Each run is bench_peer's Remedy run (a fresh Tansu holding the log, ``python -m services.triage`` with RocksDB
tables, started from that checkout) and prints the worker's CPU per case event two ways:

- all: from the moment the worker is ready to the last decision: every input it handled, whatever the order in
  which its two agents took them. The figure to compare.
- window: bench_peer's, from the first decision seen to the last. The ``cases`` agent reads case.events ahead of
  the ``debtors`` agent, so how much of its work falls before the first decision varies from run to run and with
  the size of the log: at 50,000 case events the window left out about three quarters of the CPU, at 100,000
  about a third (2026-12-05), which made the figure seem to grow with the input.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from bench.bench_intake import cpu_seconds
from bench.bench_peer import NOW, preloaded, watch
from bench.harness import worker_env
from bench.peer_log import CaseLog, case_log, figures
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port


def run(root: Path, codec: Codec, log: CaseLog, tmp: Path, name: str) -> tuple[float, float, float]:
    """(case events/s in the window, worker µs per case event from ready, in the window) for one checkout."""
    with preloaded(codec, log) as (bootstrap, tansu):
        env = worker_env(bootstrap, tmp / name, NOW, REMEDY_TRIAGE_PORT=str(free_port()), REMEDY_TABLE_STORE="rocksdb://")
        proc = ServiceProcess(name, env, tmp / "logs", module="services.triage", service="triage", root=root).start()
        try:
            proc.wait_ready()
            ready = cpu_seconds(proc.proc.pid)
            readings = watch(bootstrap, codec, log.cases, (proc.proc.pid, tansu.pid))
            rate, window_us, _ = figures(readings, log.per_case)
            return rate, 1e6 * (readings[-1].worker_cpu - ready) / len(log.records), window_us
        finally:
            proc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.bench_triage_ab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the other checkout (a git worktree)")
    parser.add_argument("--records", type=int, default=100_000, help="case events pre-loaded (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each running both (default %(default)s)")
    args = parser.parse_args(argv)
    roots = {"baseline": args.baseline.resolve(), "this checkout": REPO_ROOT}
    # Encoded with the baseline's schemas (this checkout reads them too), read back with this checkout's.
    log = case_log(Codec(roots["baseline"] / "schemas"), args.records, NOW)
    codec = Codec(REPO_ROOT / "schemas")
    print(f"triage A/B over {len(log.records):,} case events; baseline {roots['baseline']}, this checkout {REPO_ROOT}; "
          f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores", flush=True)
    results: dict[str, list[tuple[float, float, float]]] = {label: [] for label in roots}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for label in (list(roots) if rnd % 2 == 0 else list(roots)[::-1]):
                t0 = time.monotonic()
                rate, all_us, window_us = run(roots[label], codec, log, Path(tmp), f"{label.split()[0]}-{rnd}")
                results[label].append((rate, all_us, window_us))
                print(f"  round {rnd + 1} {label:13}  all {all_us:6.1f} µs/case event  window {window_us:6.1f} µs  "
                      f"{rate:8,.0f} case events/s  ({time.monotonic() - t0:.0f} s, load {os.getloadavg()[0]:.1f})",
                      flush=True)
    for label, runs in results.items():
        print(f"{label:13}  all {median(r[1] for r in runs):6.1f} µs/case event (median), window "
              f"{median(r[2] for r in runs):6.1f} µs, {median(r[0] for r in runs):8,.0f} case events/s")
    ratios = [b[1] / a[1] for a, b in zip(*results.values())]
    print(f"this checkout / baseline, CPU per case event (all), per round: {' '.join(f'{r:.2f}' for r in ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
