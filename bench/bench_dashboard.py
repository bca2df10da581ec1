"""How fast each dashboard panel answers from the embedded engine (chDB) over millions of case events.

    python -m bench.bench_dashboard [--events 10000000] [--runs 10] [--dir DIR]

Writes a synthetic funnel (bench/dashboard_world.py: INSERT … SELECT from numbers(), through the real DDL in
deploy/clickhouse/) until it holds ``--events`` case events, then runs each panel's queries ``--runs`` times, for
all lenders and for one lender, and prints p50 / p95 per panel against the 250 ms target, and by how much a panel
misses it. The first run of each panel is a warm-up and not counted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.dashboard_world import LENDERS, NOW, fill
from services.analytics import panels, queries
from services.analytics.store import Store

TARGET_MS = 250.0
PANELS = {
    "summary (tiles)": lambda run, f: queries.summary(run, f),
    "funnel": lambda run, f: queries.funnel(run, f),
    "recovery over time": lambda run, f: queries.recovery(run, f),
    "cycle time by route": lambda run, f: panels.cycle_routes(run, f),
    "cross-region heat map": lambda run, f: panels.cross_matrix(run, f),
    "mediators": lambda run, f: queries.mediators(run, f),
    "mediation queue": lambda run, f: panels.queue(run, f, NOW),
    "overdue deadlines": lambda run, f: queries.deadlines(run, f, NOW),
    "backlog": lambda run, f: queries.backlog(run, f, NOW),
    "notices": lambda run, f: queries.notices(run, f),
    "rejections": lambda run, f: queries.rejections(run, f),
    "filters (lenders, regions)": lambda run, f: (queries.lenders(run, f), panels.regions(run, f)),
}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_panel(store: Store, fn, f: queries.Filters, runs: int) -> list[float]:
    fn(store.rows, f)   # warm-up: the first read of each part
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn(store.rows, f)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=10_000_000)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--dir", help="where chDB keeps its files (default: a temporary directory)")
    args = p.parse_args(argv)
    folder = Path(args.dir or tempfile.mkdtemp(prefix="bench-dashboard-"))
    store = Store.open(f"chdb://{folder}")
    store.migrate()
    started = time.perf_counter()
    cases = max(1000, args.events // 4)
    events = fill(store, cases)
    while events < args.events:   # the paths are cut short at random: top up with more cases
        more = int((args.events - events) / (events / cases)) + 1000
        events = fill(store, more, first=cases)
        cases += more
    store.client.command("OPTIMIZE TABLE case_events FINAL")
    print(f"{events:,} case events of {cases:,} cases written and merged in {time.perf_counter() - started:.0f} s ({folder})")
    print(f"{'panel':<28} {'filter':<12} {'p50 ms':>8} {'p95 ms':>8}  against {TARGET_MS:.0f} ms")
    misses = 0
    for name, fn in PANELS.items():
        for label, f in (("all", queries.Filters()), ("one lender", queries.Filters(lender=LENDERS[0]))):
            ms = time_panel(store, fn, f, args.runs)
            p50, p95 = statistics.median(ms), quantile(ms, 0.95)
            verdict = "ok" if p95 <= TARGET_MS else f"MISS by {p95 - TARGET_MS:,.0f} ms ({p95 / TARGET_MS:.1f}x)"
            misses += p95 > TARGET_MS
            print(f"{name:<28} {label:<12} {p50:>8,.0f} {p95:>8,.0f}  {verdict}", flush=True)
    print(f"{misses} of {2 * len(PANELS)} panel queries miss the p95 target of {TARGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
