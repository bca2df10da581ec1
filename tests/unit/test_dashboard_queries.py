"""The dashboard's queries on the embedded engine: the folded case state (005_case_facts.sql) answers exactly what
002's views, which fold every event at query time, answer; the live mediation queue, the cycle time per route and
the cross-region matrix count what a small hand-written case log holds."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from remedy.kernel.lifecycle import STAGES
from services.analytics.panels import region_known
from services.analytics.snapshot import OUTCOME
from services.analytics.stages import PAID_CLOSE_REASONS, visit_outcome

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def in_own_process(args: list[str], stdin: str | None = None) -> str:
    """chDB keeps one engine per process: each query set runs in a process of its own."""
    pytest.importorskip("chdb")
    done = subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_the_folded_case_state_answers_as_the_views_that_fold_every_event_do():
    d = json.loads(in_own_process(["-m", "tests.dashboard_reference"]))
    folded, reference = d["state"]
    assert len(folded) == len(reference) > 3000
    assert folded == reference
    hand = {r["case_id"]: r for r in folded if r["case_id"].startswith("H")}
    assert hand["H1"]["region_code"] == "350503" and hand["H1"]["objections_overdue"] == 1, "amended, objection overdue"
    assert hand["H1"]["stage"] == "PEOPLES_MEDIATION" and hand["H1"]["tier_extended_to"], "released from hold, extended"
    assert hand["H2"]["recovered_cents"] == 100_000 and hand["H3"]["closed"] == 1
    for name in ("all", "lender", "region", "days"):
        answers, expected = d[name]
        assert answers["funnel"] == expected["funnel"], name
        assert answers["mediators"] == expected["mediators"], name
        assert answers["deadlines"] == expected["deadlines"], name
    assert d["all"][0]["deadlines"]["objection_answer"] == 1 and d["all"][0]["deadlines"]["confirmation"] > 0


def test_the_funnel_classifies_every_pair_of_stages_as_the_kernel_does():
    stages, nexts = [*STAGES, "UNKNOWN"], ["", *STAGES, "UNKNOWN"]
    reasons = ["", *PAID_CLOSE_REASONS, "WITHDRAWN"]
    sql = (f"SELECT stage, next_stage, next_reason, {OUTCOME} AS outcome "
           f"FROM (SELECT arrayJoin({stages!r}) AS stage) AS a, (SELECT arrayJoin({nexts!r}) AS next_stage) AS b, "
           f"(SELECT arrayJoin({reasons!r}) AS next_reason) AS c")
    code = ("import json, sys, clickhouse_connect\n"
            "client = clickhouse_connect.get_client(interface='chdb', path=':memory:')\n"
            "print(json.dumps(client.query(sys.stdin.read()).result_rows))\n")
    rows = json.loads(in_own_process(["-c", code], sql))
    assert len(rows) == len(stages) * len(nexts) * len(reasons)
    assert [r for r in rows if r[3] != visit_outcome(*r[:3])] == []


QUEUE = r"""
import json
from datetime import datetime, timedelta, timezone
from services.analytics import panels, queries, snapshot
from services.analytics.store import Store
from services.analytics.web import _plain

store = Store.open("chdb://:memory:")
store.migrate()
t0 = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
now = t0 + timedelta(days=20)
log = [  # case, type, stage, day, tier, region/route
    ("W1", "CaseOpened", "OPENED", 0, "", "350502"), ("W1", "CaseTriaged", "PEOPLES_MEDIATION", 0, "", "PEOPLES_MEDIATION"),
    ("W2", "CaseOpened", "OPENED", 0, "", "350503"), ("W2", "CaseTriaged", "PEOPLES_MEDIATION", 0, "", "PEOPLES_MEDIATION"),
    ("W2", "MediatorAssigned", "", 1, "PEOPLES", ""), ("W2", "MediationFailed", "", 10, "PEOPLES", ""),
    ("W2", "CaseEscalated", "COURT_MEDIATION", 18, "", ""),
    ("A3", "CaseOpened", "OPENED", 0, "", "440106"), ("A3", "CaseTriaged", "COURT_MEDIATION", 0, "", "COURT_MEDIATION"),
    ("A3", "MediatorAssigned", "", 2, "COURT", ""),
    ("C4", "CaseOpened", "OPENED", 0, "", "350502"), ("C4", "CaseTriaged", "PEOPLES_MEDIATION", 0, "", "PEOPLES_MEDIATION"),
    ("C4", "CaseClosed", "CLOSED", 9, "", ""),
    ("W5", "CaseOpened", "OPENED", 19.5, "", "110105"), ("W5", "CaseTriaged", "PEOPLES_MEDIATION", 19.5, "", "PEOPLES_MEDIATION"),
]
names = ("event_id", "case_id", "lender_id", "lender_region_code", "event_type", "stage", "occurred_at", "src_offset", "tier",
         "mediator_id", "region_code", "route", "court", "cross_region")
rows = [(f"E{i}", c, "LENDER-A", "350100", t, s, t0 + timedelta(days=d), i, tier, "M-1" if tier else "",
         r if t == "CaseOpened" else "", r if t == "CaseTriaged" else "", "CT-" + c if t == "CaseTriaged" else "",
         int(c == "A3" and t == "CaseTriaged")) for i, (c, t, s, d, tier, r) in enumerate(log)]
store.insert("case_events", names, [list(col) for col in zip(*rows)])
snapshot.build(store)   # what the panels read
f = queries.Filters()
print(json.dumps(_plain({"queue": panels.queue(store.rows, f, now), "fujian": panels.queue(store.rows, queries.Filters(region="35"), now),
                         "cycle": panels.cycle_routes(store.rows, f), "matrix": panels.cross_matrix(store.rows, f),
                         "known": [panels.lender_known(store.rows, "LENDER-A"), panels.lender_known(store.rows, "LENDER-Z")]})))
"""


def test_the_queue_lists_who_waits_for_a_mediator_in_which_tier_and_for_how_long():
    d = json.loads(in_own_process(["-c", QUEUE]))
    q = d["queue"]
    assert [(t["tier"], t["waiting"], t["buckets"]) for t in q["tiers"]] == [("PEOPLES", 2, [1, 0, 0, 0, 1]), ("COURT", 1, [0, 1, 0, 0, 0])]
    assert [(r["case_id"], r["tier"], r["waited_seconds"] / 86400) for r in q["longest"]] == [
        ("W1", "PEOPLES", 20.0), ("W2", "COURT", 2.0), ("W5", "PEOPLES", 0.5)], "longest first; assigned and closed cases are not waiting"
    assert q["longest"][0]["region_name_en"] == "Licheng District, Quanzhou, Fujian"
    assert q["longest"][0]["region_name"] == "福建省泉州市鲤城区" and "W1" in json.dumps(q) and "debtor" not in json.dumps(q)
    assert [r["case_id"] for r in d["fujian"]["longest"]] == ["W1", "W2"]
    assert d["cycle"] == [{"route": "PEOPLES_MEDIATION", "closed": 1, "p05_seconds": 777600.0, "p25_seconds": 777600.0,
                           "p50_seconds": 777600.0, "p75_seconds": 777600.0, "p95_seconds": 777600.0,
                           "weeks": [{"week": 1, "cases": 1}]}]
    m = d["matrix"]
    assert [c["name"] for c in m["debtor"]] == ["福建省泉州市", "北京市", "广东省广州市"] and m["lender"] == [{"code": "3501", "name": "福建省福州市", "name_en": "Fuzhou, Fujian"}]
    assert m["cases"] == [[3], [1], [1]] and m["cross_region_cases"] == 1
    assert d["known"] == [True, False]


def test_a_region_filter_must_name_a_division():
    assert all(map(region_known, ("35", "3505", "350502", "11", "110105")))
    assert not any(map(region_known, ("9", "99", "3599", "350599", "35050", "abc", "35a5", "3505021")))


COMPACT = r"""
import asyncio, json
from bench.dashboard_world import fill
from services.analytics.compaction import Compactor
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.store import Store

store, metrics, clock = Store.open("chdb://:memory:"), AnalyticsMetrics(), [1000.0]
store.migrate()
fill(store, 300)
fill(store, 300, first=300)
parts = lambda: store.rows("SELECT count() AS n FROM system.parts WHERE table = 'case_facts' AND active")[0]["n"]
compactor = Compactor(store, metrics, quiet=60, now=lambda: clock[0])
seen = [parts(), asyncio.run(compactor.tick())]          # never flushed: nothing to wait for
metrics.last_flush.set(990.0)
seen += [asyncio.run(compactor.tick()), parts()]          # flushed 10 s ago: not quiet yet
clock[0] = 1060.0
seen += [asyncio.run(compactor.tick()), parts(), asyncio.run(compactor.tick())]   # quiet: merged, once
print(json.dumps(seen))
"""


def test_a_quiet_funnel_has_its_folded_rows_merged_once():
    before, never, early, still, merged, after, again = json.loads(in_own_process(["-c", COMPACT]))
    assert before > 1 and (never, early, still) == (False, False, before)
    assert (merged, after, again) == (True, 1, False)
