"""A funnel run's real output into an embedded ClickHouse, then the research export over it.

The in-memory funnel (every stage's own wiring) takes a demo batch (``sim.defaults.demo_batch``) while
the simulator's own outside world (``sim.runner.World``: mediators, courts, debtors, lenders) answers
its events; analytics' own decoder and row mapper (``BatchDecoder``, ``event_row``) turn ``case.events``
into ``case_events`` rows, inserted as the sink inserts them. chDB keeps one engine per process, so
this runs as a process of its own: ``python -m tests.memory.research_run OUT_DIR CASES DAYS K``.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.ops.memory_funnel import CASE_EVENTS, MemoryFunnel
from remedy.ops.research.write import export
from services.analytics.decoding import BatchDecoder
from services.analytics.rows import EVENT_COLUMNS, Columns, event_row
from services.analytics.store import Store
from sim.defaults import demo_batch
from sim.runner import World
from sim.world import WorldConfig

START = "2026-06-01T01:00:00+00:00"


async def run_funnel(cases: int, days: int) -> MemoryFunnel:
    funnel = MemoryFunnel(FrozenClock(parse_instant(START)))
    world = World(seed=11, cfg=WorldConfig())
    defaults, _ = demo_batch(n_cases=cases, n_lenders=3, now=funnel.clock.now(), seed=11)
    for default in defaults:
        funnel.publish_default(default)

    def observe(event: dict) -> None:
        world.observe(event, funnel.clock.now())

    end = funnel.clock.now() + timedelta(days=days)
    while funnel.clock.now() < end:
        await funnel.run(timedelta(hours=12), step=timedelta(hours=12), on_event=observe)
        for action in world.due(funnel.clock.now()):
            funnel.publish(action.topic, action.key, action.schema, action.record)
    return funnel


def case_event_columns(funnel: MemoryFunnel) -> Columns:
    decoder, columns = BatchDecoder(funnel.codec, ("CaseEvent",)), Columns(EVENT_COLUMNS)
    for partition, log in enumerate(funnel.bus.logs[CASE_EVENTS]):
        for i, rec, exc in decoder.each([r.value for r in log], "CaseEvent"):
            assert exc is None, exc
            columns.append(event_row(rec, partition, log[i].offset))
    return columns


def main(out: str, cases: int, days: int, k: int) -> dict:
    started = time.monotonic()
    funnel = asyncio.run(run_funnel(cases, days))
    ran = time.monotonic() - started
    columns = case_event_columns(funnel)
    store = Store.open("chdb://:memory:")
    store.migrate()
    store.insert("case_events", EVENT_COLUMNS, columns.columns())
    written = export(store.rows, Path(out), funnel.clock, k=k, fmt="both")
    store.close()
    return {"events": columns.rows, "funnel_seconds": round(ran, 2), "export_seconds": round(written.seconds, 3),
            "cases_read": written.cases, "rows": len(written.result.rows), "suppressed": written.result.suppressed,
            "case_ids": sorted(funnel.by_case), "debtor_refs": sorted({e["event"]["facts"]["debtor_ref"]
                                                                      for evs in funnel.by_case.values() for e in evs
                                                                      if e["type"] == "CaseOpened"})}


if __name__ == "__main__":
    out_dir, n_cases, n_days, k_ = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(main(out_dir, n_cases, n_days, k_)))
