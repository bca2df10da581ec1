"""The dashboard over a synthetic world, in a process of its own (chDB keeps one engine per process):
``python -m tests.dashboard_server PORT DIR [CASES]``. It writes the world into embedded ClickHouse through the real
DDL (bench/dashboard_world.py), reads what every panel must show with direct SQL over the raw tables — not the
views or queries the dashboard uses — into ``DIR/expected.json``, then serves the dashboard (tokens ``ops-tok`` for
ops, ``a-tok`` for LENDER-01; dev mode; the clock frozen at the world's end; a baseline in ``DIR/run.json``) and
prints ``ready``."""
from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from aiohttp import web

from bench.dashboard_world import NOW, fill
from remedy.kernel.clock import FrozenClock
from services.analytics import snapshot
from services.analytics.access import parse_tokens
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.store import Store
from services.analytics.web import Sessions, make_web

BASELINE = 0.25
TOKENS = "ops-tok=ops,a-tok=LENDER-01"
# Each case's facts from its raw events, in log order.
CASES = """SELECT case_id, any(lender_id) AS lender, argMaxIf(region_code, src_offset, event_type = 'CaseOpened') AS region,
                  argMaxIf(lender_region_code, src_offset, event_type = 'CaseOpened') AS lender_region,
                  argMaxIf(route, src_offset, event_type = 'CaseTriaged') AS route,
                  sumIf(claimed_cents, event_type = 'CaseOpened') AS claimed,
                  greatest(sumIf(amount_cents, event_type = 'CaseClosed'),
                           sumIf(amount_cents, event_type IN ('InstalmentPaid', 'EnforcementConcluded'))) AS recovered,
                  countIf(event_type = 'CaseClosed') > 0 AS closed,
                  argMaxIf(stage, src_offset, stage != '') AS stage, maxIf(occurred_at, stage != '') AS since,
                  maxIf(occurred_at, event_type = 'MediatorAssigned' AND tier = 'PEOPLES') AS peoples_at,
                  maxIf(occurred_at, event_type = 'MediatorAssigned' AND tier = 'COURT') AS court_at
           FROM case_events FINAL WHERE {where} GROUP BY case_id"""


def expected(store: Store, lender: str | None = None) -> dict:
    """What the dashboard must show, for everyone or one lender."""
    where = f"lender_id = '{lender}'" if lender else "1"
    rows = lambda sql: store.rows(sql.replace("{where}", where))  # noqa: E731
    now = f"toDateTime64('{NOW:%Y-%m-%d %H:%M:%S}', 3, 'UTC')"
    (s,) = rows(f"SELECT count() AS cases, countIf(closed) AS closed, sum(claimed) AS claimed, sum(recovered) AS recovered FROM ({CASES})")
    entered = rows("SELECT stage, uniqExact(case_id) AS n FROM case_events FINAL WHERE stage != '' AND {where} GROUP BY stage")
    waiting = rows(f"""SELECT if(stage = 'PEOPLES_MEDIATION', 'PEOPLES', 'COURT') AS tier, count() AS n FROM ({CASES})
                       WHERE NOT closed AND ((stage = 'PEOPLES_MEDIATION' AND (peoples_at < since OR peoples_at = 0))
                                             OR (stage = 'COURT_MEDIATION' AND (court_at < since OR court_at = 0))) GROUP BY tier""")
    backlog = rows(f"SELECT stage, count() AS n FROM ({CASES}) WHERE NOT closed GROUP BY stage")
    overdue = rows(f"""SELECT countIf(stage IN ('PEOPLES_MEDIATION', 'COURT_MEDIATION') AND {now} > since + toIntervalDay(30)) AS tier,
                              countIf(stage = 'CONFIRMATION' AND {now} > since + toIntervalDay(30)) AS confirmation
                       FROM ({CASES}) WHERE NOT closed""")[0]
    matrix = rows(f"""SELECT substring(region, 1, 4) AS debtor_city, substring(lender_region, 1, 4) AS lender_city, count() AS n
                      FROM ({CASES}) GROUP BY debtor_city, lender_city""")
    closed_by_route = rows(f"SELECT route, count() AS n FROM ({CASES}) WHERE closed GROUP BY route")
    assigned = rows("""SELECT mediator_id, toString(tier) AS tier, uniqExact(case_id) AS n FROM case_events FINAL
                       WHERE event_type = 'MediatorAssigned' AND {where} GROUP BY mediator_id, tier""")
    notices = rows("SELECT status, rule, count() AS n FROM notices FINAL WHERE {where} GROUP BY status, rule")
    rejections = rows("""SELECT lender_id, arrayJoin(reason_codes) AS reason, count() AS n FROM rejections FINAL
                         WHERE {where} GROUP BY lender_id, reason""")
    return {"summary": {"cases": s["cases"], "closed": s["closed"], "open": s["cases"] - s["closed"],
                        "claimed_cents": s["claimed"], "recovered_cents": s["recovered"]},
            "entered": {r["stage"]: r["n"] for r in entered}, "waiting": {r["tier"]: r["n"] for r in waiting},
            "backlog": {r["stage"]: r["n"] for r in backlog},
            "deadlines": {"mediation_tier": overdue["tier"], "confirmation": overdue["confirmation"], "objection_answer": 0},
            "matrix": {f"{r['debtor_city']}|{r['lender_city']}": r["n"] for r in matrix},
            "closed_by_route": {r["route"]: r["n"] for r in closed_by_route},
            "assigned": {f"{r['mediator_id']}|{r['tier']}": r["n"] for r in assigned},
            "notices": {f"{r['status']}|{r['rule']}": r["n"] for r in notices},
            "rejections": {f"{r['lender_id']}|{r['reason']}": r["n"] for r in rejections}}


async def main(port: int, folder: Path, cases: int) -> None:
    store = Store.open(f"chdb://{folder / 'clickhouse'}")
    store.migrate()
    events = fill(store, cases)
    snapshot.build(store)
    lenders = [r["lender_id"] for r in store.rows("SELECT DISTINCT lender_id FROM case_events ORDER BY lender_id")]
    want = {"events": events, "all": expected(store), "lenders": {lender: expected(store, lender) for lender in lenders[:3]}}
    (folder / "expected.json").write_text(json.dumps(want, default=str), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps({"cases": cases, "baseline_recovery": BASELINE}), encoding="utf-8")
    clock = FrozenClock(NOW)
    app = make_web(store, parse_tokens(TOKENS), AnalyticsMetrics(), clock,
                   sessions=Sessions(b"k" * 32, dev=True, clock=clock), data_dir=folder)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)   # over embedded ClickHouse's own handler
    print("ready", flush=True)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2000))
