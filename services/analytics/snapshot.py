"""The dashboard's snapshot (deploy/clickhouse/006_snapshot.sql): every case's state, flat, the funnel rolled up by
cohort, and the notices by day, lender, region, status and rule, rebuilt whole whenever the sink wrote something.

Why a snapshot: ``case_facts`` takes an insert at every sink flush, and reading it merged (``FINAL``) costs seconds
at ten million events whatever the panel asks; the snapshot's flat rows answer in tens of milliseconds. What the
panels show is therefore as of the last build (``as_of``, shown on the page). A build costs about 5 µs a case on
one core (8 s at 1.7 million cases: bench/bench_dashboard.py), so ``Snapshotter`` waits at least nine times as
long as the last build took before the next: at most a tenth of the time, a build a second on a small funnel,
one every minute and a half at ten million events on two cores. The service gives it a ClickHouse connection of
its own (another chDB session on the same engine, or another server connection) and half the cores, so the
panels' queries never queue behind a build.

Builds are safe from any number of analytics instances at once: each writes its own version (a partition of its
own), records it only once complete, and drops older versions but the newest two recorded.
"""
from __future__ import annotations

import asyncio
import logging
import os
import random
import time

from services.analytics.store import Store

log = logging.getLogger("remedy.analytics")
KEEP = 2                      # versions kept: the newest, and the one a reader may still be reading
TRIM_AT = 64                  # records of past builds kept before they are trimmed to the newest KEEP
DUTY = 0.1                    # at most this share of the time spent building
THREADS = max(1, (os.cpu_count() or 2) // 2)   # a build leaves the other half of the cores to the panels and the sink
MIN_INTERVAL = 1.0            # seconds between builds, however small the funnel
CASE_COLUMNS = ("case_id", "lender_id", "region_code", "lender_region_code", "product", "claimed_cents", "route", "court",
                "cross_region", "stage", "stage_since", "tier_extended_to", "confirmation_requests", "objections_overdue",
                "opened_at", "closed", "closed_at", "cycle_seconds", "recovered_cents", "last_event_at", "day",
                "last_confirmation_event", "peoples_assigned_at", "court_assigned_at", "peoples_mediator", "peoples_outcome",
                "court_mediator", "court_outcome")

# How a stage visit ended, from the next stage entered (and that event's reason): 002_views.sql's stage_visits
# rule, which tests/unit/test_lifecycle.py holds to services/analytics/stages.py's visit_outcome.
OUTCOME = """multiIf(
        next_stage = '', 'open',
        next_stage = 'ON_HOLD', 'held',
        next_stage IN ('CONFIRMATION', 'PERFORMING', 'CREDIT_REPAIR')
            OR (next_stage = 'CLOSED' AND next_reason IN ('PAID_OFF', 'PERFORMED', 'LENDER_PAID_IN_FULL', 'CREDIT_REPAIRED')), 'settled',
        next_stage IN ('PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT')
            AND (stage IN ('RELIEF', 'CONFIRMATION', 'PERFORMING')
                 OR transform(stage, ['PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT'], [1, 2, 3, 4, 5], 99)
                    < transform(next_stage, ['PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT'], [1, 2, 3, 4, 5], 99)), 'escalated',
        next_stage IN ('CLOSED', 'REJECTED'), 'closed',
        'advanced')"""

# Each case's stays in a stage (consecutive entries of one stage are one stay), from its stage entries in log
# order: the stage, when entered, how it ended (OUTCOME, from the next stay's stage and reason) and how long it
# lasted; per stay also when the case first entered that stage, whether it is that first entry, and whether any
# stay of the case in that stage settled or escalated. The lambdas read only the case's own few stays.
VISITS = f"""
SELECT lender_id, region_code, vstage, outcome, secs,
       arrayMap(s -> vat[indexOf(vstage, s)], vstage) AS first_at,
       arrayMap(n -> n = 1, arrayEnumerateUniq(vstage)) AS first,
       arrayMap(s -> arrayExists((s2, o2) -> s2 = s AND o2 = 'settled', vstage, outcome), vstage) AS any_settled,
       arrayMap(s -> arrayExists((s2, o2) -> s2 = s AND o2 = 'escalated', vstage, outcome), vstage) AS any_escalated
FROM (
    SELECT lender_id, f_facts.3 AS region_code, arraySort(f_stages) AS h, arrayMap(x -> x.3, h) AS entries,
           arrayFilter((x, k) -> k, h, arrayMap((s, p) -> s != p, entries, arrayPushFront(arrayPopBack(entries), ''))) AS vs,
           arrayMap(x -> x.3, vs) AS vstage, arrayMap(x -> x.1, vs) AS vat,
           arrayMap((stage, next_stage, next_reason) -> {OUTCOME}, vstage, arrayPushBack(arrayPopFront(vstage), ''),
                    arrayPushBack(arrayPopFront(arrayMap(x -> x.4, vs)), '')) AS outcome,
           arrayMap((a, b) -> (toUnixTimestamp64Milli(b) - toUnixTimestamp64Milli(a)) / 1000, vat,
                    arrayPushBack(arrayPopFront(vat), vat[-1])) AS secs
    FROM case_facts FINAL WHERE lender_id = {{lender:String}}
)"""

FUNNEL = f"""
SELECT {{v:UInt64}}, toDate(at, 'Asia/Shanghai') AS day, lender_id, region_code, s AS stage, countIf(f) AS entered,
       countIf(f AND st) AS settled, countIf(f AND es) AS escalated, countIf(o != 'open') AS exits,
       quantilesExactIfState(0.5, 0.9)(sec, o != 'open') AS seconds
FROM ({VISITS})
ARRAY JOIN vstage AS s, first_at AS at, first AS f, any_settled AS st, any_escalated AS es, outcome AS o, secs AS sec
GROUP BY day, lender_id, region_code, stage"""


NOTICES = """
SELECT {v:UInt64}, toDate(n.at, 'Asia/Shanghai') AS day, n.lender_id, c.region_code, n.status, n.rule, count() AS notices
FROM (SELECT case_id, lender_id, at, status, rule FROM notices FINAL WHERE lender_id = {lender:String}) AS n
LEFT JOIN (SELECT case_id, region_code FROM case_snapshot WHERE version = {v:UInt64} AND lender_id = {lender:String}) AS c
    ON c.case_id = n.case_id
GROUP BY day, n.lender_id, c.region_code, n.status, n.rule"""
TABLES = ("case_snapshot", "stage_funnel", "notice_counts")


def new_version() -> int:
    """Unique across instances: the wall time in ms, then three random digits."""
    return int(time.time() * 1000) * 1000 + random.randrange(1000)


def lenders(store: Store) -> list[str]:
    return [r["lender_id"] for r in store.rows("SELECT lender_id FROM case_facts UNION DISTINCT "
                                               "SELECT lender_id FROM notices ORDER BY lender_id")]


def statements(v: int, lender: str) -> list[tuple[str, dict]]:
    """One lender's part of snapshot ``v``: each statement reads that lender's range of the folded table only (the
    sorting key's first column), which keeps a statement's memory to one lender's cases."""
    listed, p = ", ".join(CASE_COLUMNS), {"v": v, "lender": lender}
    return [(f"INSERT INTO case_snapshot (version, {listed}) SELECT {{v:UInt64}}, {listed} FROM case_state "
             "WHERE lender_id = {lender:String}", p),
            (f"INSERT INTO stage_funnel {FUNNEL}", p),
            (f"INSERT INTO notice_counts {NOTICES}", p)]   # after the lender's cases: their regions


def execute(store: Store, sql: str, params: dict) -> None:
    """One statement of a build, on at most ``THREADS`` cores."""
    store.client.command(sql, parameters=params, settings={"max_threads": THREADS})


def record(store: Store, v: int, as_of_ms: int, build_ms: int) -> dict:
    """Make snapshot ``v`` the one read, and drop the old ones."""
    (row,) = store.rows("SELECT count() AS cases FROM case_snapshot WHERE version = {v:UInt64}", {"v": v})
    store.client.command("INSERT INTO snapshots (version, as_of, cases, build_ms) "
                         "VALUES ({v:UInt64}, fromUnixTimestamp64Milli({at:Int64}), {n:UInt64}, {ms:UInt32})",
                         parameters={"v": v, "at": as_of_ms, "n": row["cases"], "ms": build_ms})
    _drop_old(store)
    return {"version": v, "as_of_ms": as_of_ms, "cases": row["cases"], "build_ms": build_ms}


def build(store: Store) -> dict:
    """Write a new snapshot and make it the one read, in one go (tools, tests and the benchmark; the service builds
    in steps). Also says how many statements it took and how long the longest ran."""
    started, as_of_ms, v, steps = time.perf_counter(), int(time.time() * 1000), new_version(), []
    for lender in lenders(store):
        for sql, params in statements(v, lender):
            step = time.perf_counter()
            execute(store, sql, params)
            steps.append(time.perf_counter() - step)
    built = record(store, v, as_of_ms, int((time.perf_counter() - started) * 1000))
    return {**built, "statements": len(steps), "longest_ms": int(max(steps, default=0) * 1000)}


def _drop_old(store: Store) -> None:
    """Keep the newest ``KEEP`` recorded versions; drop every other partition older than the newest (a build cut
    short, or one another instance finished later), never a newer one: it may be a build still running."""
    kept = [r["version"] for r in store.rows(f"SELECT version FROM snapshots ORDER BY version DESC LIMIT {KEEP}")]
    for table in TABLES:
        stale = store.rows("SELECT DISTINCT partition FROM system.parts WHERE database = currentDatabase() AND table = {t:String} "
                           "AND active AND toUInt64(partition) < {newest:UInt64} AND toUInt64(partition) NOT IN {kept:Array(UInt64)}",
                           {"t": table, "newest": kept[0], "kept": kept})
        for r in stale:
            store.client.command(f"ALTER TABLE {table} DROP PARTITION {int(r['partition'])}")
    (row,) = store.rows("SELECT count() AS n FROM snapshots")
    if row["n"] > TRIM_AT:   # a delete is a mutation, which slows readers down: one every TRIM_AT builds
        store.client.command("DELETE FROM snapshots WHERE version < {v:UInt64}", parameters={"v": kept[-1]})


def current(store: Store) -> dict | None:
    """The snapshot the panels read: its version, ``as_of`` and size; None before the first build."""
    rows = store.rows("SELECT version, as_of, cases, build_ms FROM snapshots ORDER BY version DESC LIMIT 1")
    return rows[0] if rows else None


class Snapshotter:
    """Rebuilds the snapshot once the sink has written since the last build began, at most a tenth of the time."""

    def __init__(self, store: Store, last_flush, now=time.time):
        self.store, self.last_flush, self.now = store, last_flush, now   # last_flush(): wall time of the sink's last write
        self.began: float | None = None   # wall time the last build began
        self.next_at = 0.0

    def due(self) -> bool:
        """Never before ``next_at`` (the duty cycle, or a pause after a failed build); then the first build, or one
        once the sink has written since the last began."""
        if self.now() < self.next_at:
            return False
        return self.began is None or (self.last_flush() or 0.0) >= self.began

    def current(self) -> bool:
        """Whether the snapshot read holds everything the sink has written."""
        return self.began is not None and (self.last_flush() or 0.0) < self.began   # began: set once a build is recorded

    async def tick(self) -> dict | None:
        if not self.due():
            return None
        began, started = self.now(), time.perf_counter()
        v, run = new_version(), self.store.run
        for lender in await run(lenders, self.store):
            for sql, params in statements(v, lender):
                await run(execute, self.store, sql, params)
        built = await run(record, self.store, v, int(began * 1000), int((time.perf_counter() - started) * 1000))
        self.began = began
        self.next_at = self.now() + max(MIN_INTERVAL, built["build_ms"] / 1000 * (1 - DUTY) / DUTY)
        return built

    async def run(self, stop: asyncio.Event, metrics, poll: float = 0.5) -> None:
        """Keep the snapshot current until ``stop``; a failed build is logged and tried again, never fatal."""
        while not stop.is_set():
            try:
                built = await self.tick()
                if built:
                    metrics.snapshot_seconds.observe(built["build_ms"] / 1000)
                    metrics.snapshot_as_of.set(built["as_of_ms"] / 1000)
                    metrics.snapshot_cases.set(built["cases"])
            except Exception as exc:  # noqa: BLE001 - the panels keep the last snapshot meanwhile
                log.warning("analytics: building the dashboard's snapshot failed: %s: %s", type(exc).__name__, exc)
                self.next_at = self.now() + 5.0
            try:
                await asyncio.wait_for(stop.wait(), poll)
            except asyncio.TimeoutError:
                pass
