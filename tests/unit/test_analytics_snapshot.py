"""The dashboard's snapshot (services/analytics/snapshot.py): the panels read the newest complete build, which holds
what was written before it began and nothing after; old and cut-short builds are dropped, a build still running is
not; and the keeper builds again only once the sink wrote something, no more than a tenth of the time."""
from __future__ import annotations

import asyncio
import json

import pytest

from services.analytics.snapshot import Snapshotter
from tests.unit.test_dashboard_queries import in_own_process

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BUILDS = r"""
import json
from bench.dashboard_world import fill
from services.analytics import queries, snapshot
from services.analytics.store import Store

store = Store.open("chdb://:memory:")
store.migrate()
shown = lambda: queries.summary(store.rows, queries.Filters())["cases"]   # noqa: E731
seen = {"before": shown()}
fill(store, 400)
seen["written, not built"] = shown()
first = snapshot.build(store)
seen["built"] = shown()
seen["built cases"] = first["cases"]
fill(store, 100, first=400)
seen["more written"] = shown()
snapshot.build(store)
seen["rebuilt"] = shown()
store.client.command("INSERT INTO case_snapshot (version, case_id) VALUES (1, 'cut-short'), (9999999999999999999, 'running')")
snapshot.build(store)
versions = lambda t: sorted(int(r["p"]) for r in store.rows(f"SELECT DISTINCT partition AS p FROM system.parts WHERE table = '{t}' AND active"))  # noqa: E731
recorded = [r["version"] for r in store.rows("SELECT version FROM snapshots ORDER BY version")]
seen["recorded"] = len(recorded)
seen["case partitions are the newest two and the running one"] = versions("case_snapshot") == recorded[-2:] + [9999999999999999999]
seen["funnel partitions are the newest two"] = versions("stage_funnel") == recorded[-2:] == versions("notice_counts")
snapshot.TRIM_AT = 3
snapshot.build(store)
seen["recorded once trimmed"] = store.rows("SELECT count() AS n FROM snapshots")[0]["n"]
seen["funnel entered"] = {r["stage"]: r["entered"] for r in queries.funnel(store.rows, queries.Filters())}
seen["entered by stage, from the events"] = {r["stage"]: r["n"] for r in store.rows(
    "SELECT stage, uniqExact(case_id) AS n FROM case_events FINAL WHERE stage != '' GROUP BY stage")}
print(json.dumps(seen))
"""


def test_the_panels_read_the_newest_complete_snapshot_and_old_ones_are_dropped():
    seen = json.loads(in_own_process(["-c", BUILDS]))
    assert seen["before"] == 0 and seen["written, not built"] == 0, "nothing shown before a snapshot is built"
    assert seen["built"] == seen["built cases"] == 400
    assert seen["more written"] == 400, "events written after a build wait for the next one"
    assert seen["rebuilt"] == 500
    assert seen["recorded"] == 3
    assert seen["case partitions are the newest two and the running one"], "a cut-short build dropped, a running one kept"
    assert seen["funnel partitions are the newest two"]
    assert seen["recorded once trimmed"] == 2
    assert seen["funnel entered"] == seen["entered by stage, from the events"]


class FakeStore:
    """Runs nothing: counts the statements a build sends, each lasting ``step`` seconds of the fake clock."""

    def __init__(self, clock: list[float], step: float):
        self.clock, self.step, self.statements = clock, step, 0

    async def run(self, fn, *args):
        name = getattr(fn, "__name__", "")
        if name == "lenders":
            return ["L1", "L2"]
        if name == "record":
            return {"version": args[1], "as_of_ms": args[2], "cases": 7, "build_ms": args[3]}
        self.statements += 1
        self.clock[0] += self.step
        return None


def test_the_keeper_builds_when_the_sink_wrote_and_no_more_than_a_tenth_of_the_time(monkeypatch):
    clock, flushed = [1000.0], [0.0]
    store = FakeStore(clock, step=1.5)
    monkeypatch.setattr("services.analytics.snapshot.time.perf_counter", lambda: clock[0])
    keeper = Snapshotter(store, lambda: flushed[0], now=lambda: clock[0])
    assert not keeper.current()
    keeper.next_at = clock[0] + 5   # as after a failed build
    assert asyncio.run(keeper.tick()) is None and store.statements == 0, "a failed build is not retried at once"
    clock[0] += 5
    built = asyncio.run(keeper.tick())
    assert built and store.statements == 6, "three statements per lender"
    assert built["build_ms"] == 9000 and keeper.current()
    assert asyncio.run(keeper.tick()) is None, "nothing written since: no build"
    flushed[0] = clock[0] + 1
    clock[0] += 2
    assert not keeper.current(), "written after the build began"
    assert asyncio.run(keeper.tick()) is None, "9 s of build: the next waits 81 s"
    clock[0] += 78
    assert asyncio.run(keeper.tick()) is None
    clock[0] += 1
    assert asyncio.run(keeper.tick()) is not None
    assert keeper.current()
