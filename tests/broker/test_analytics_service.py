"""analytics against a real Tansu: scripted case logs, notices and rejections in; the dashboard's
JSON API (and the page, in headless Chromium) must show the figures computed here, independently,
from the very records published — once, however often they are redelivered."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.contract.codec import Codec
from remedy.ops.procs import ServiceProcess
from remedy.runtime.publish import Publisher
from remedy.kernel.settings import REPO_ROOT
from services.analytics.queries import region_name
from services.analytics.stages import TERMINAL, stage_entered, visit_outcome
from sim.funnel_events import scripted
from tests.conftest import metric_value, read_topic, wait_for_metric

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("analytics-world")]  # the module's fixture runs once, on one test worker
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
NOW = datetime(2026, 12, 1, 4, tzinfo=timezone.utc)
TOKENS = "ops-secret=ops,a-secret=LENDER-A,b-secret=LENDER-B"
ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One broker, one analytics service, one scripted history, shared by this module's tests."""
    tmp = tmp_path_factory.mktemp("analytics")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    bootstrap = f"127.0.0.1:{port}"
    codec = Codec(REPO_ROOT / "schemas")
    proc = None
    try:
        provision(bootstrap)
        data = scripted({"LENDER-A": 48, "LENDER-B": 32}, START)
        pub = Publisher(bootstrap, codec)
        for e in data.events:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        for n in data.notices:
            pub.send("notice.log", n["case_id"], "NoticeLogEntry", n)
        for r in data.rejections:
            pub.send("loan.defaults.rejected", f"{r['lender_id']}:{r['loan_id']}", "LoanDefaultRejected", r)
        pub.send_raw("case.events", b"Cjunk", b"\xc3\x01not avro")
        # a producer re-emitting: the first 150 events and 20 notices again, at later offsets
        for e in data.events[:150]:
            pub.send("case.events", e["case_id"], "CaseEvent", e)
        for n in data.notices[:20]:
            pub.send("notice.log", n["case_id"], "NoticeLogEntry", n)
        pub.flush()
        pub.close()
        total = len(data.events) + 150 + 1 + len(data.notices) + 20 + len(data.rejections)
        env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(tmp / "data"),
               "REMEDY_CLICKHOUSE_URL": f"chdb://{tmp / 'clickhouse'}", "REMEDY_ANALYTICS_PORT": str(free_port()),
               "REMEDY_ANALYTICS_TOKENS": TOKENS, "REMEDY_ANALYTICS_FLUSH_ROWS": "500",
               "REMEDY_ANALYTICS_FLUSH_MS": "300", "REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
        proc = ServiceProcess("analytics", env, tmp / "logs")
        proc.port = int(env["REMEDY_ANALYTICS_PORT"])
        proc.start().wait_ready(timeout=120)
        wait_for_metric(proc, "remedy_analytics_consumed_total", total, timeout=120)
        wait_for_metric(proc, "remedy_analytics_rows_written_total", total - 1, timeout=60)  # all but the junk
        world = {"data": data, "proc": proc, "bootstrap": bootstrap, "codec": codec, "tmp": tmp}
        wait_for_snapshot(world)
        yield world
    finally:
        if proc is not None:
            proc.stop()
        tansu.kill()
        tansu.wait(10)


def api(world, path: str, token: str | None = "ops-secret") -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{world['proc'].port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def wait_for_snapshot(world, timeout: float = 60) -> dict:
    """The dashboard's snapshot once it holds every row written (the panels read it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, snap = api(world, "/api/snapshot")
        if status == 200 and snap and snap["current"]:
            return snap
        time.sleep(0.3)
    raise AssertionError(f"the dashboard's snapshot never caught up: {snap}")


# -- the figures, computed here from the published records --------------------------------------

def expected(data, lender: str | None = None) -> dict:
    events = [e for e in data.events if lender in (None, e["lender_id"])]
    by_case: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        by_case[e["case_id"]].append(e)
    cases, funnel, visits_secs = {}, defaultdict(lambda: defaultdict(set)), defaultdict(list)
    mediators = defaultdict(Counter)
    for cid, log in by_case.items():
        log.sort(key=lambda e: e["occurred_at"])
        facts = log[0]["event"]["facts"]
        closed = [e for e in log if e["type"] == "CaseClosed"]
        paid = sum(e["event"]["amount_cents"] for e in log if e["type"] == "InstalmentPaid") + \
            sum(e["event"]["recovered_cents"] for e in log if e["type"] == "EnforcementConcluded")
        stays = []
        for e in log:
            stage = stage_entered(e["type"], e["event"])
            if stage and (not stays or stays[-1][0] != stage):
                stays.append((stage, e["occurred_at"], e["event"].get("reason", "")))
        for i, (stage, at, _) in enumerate(stays):
            nxt = stays[i + 1] if i + 1 < len(stays) else ("", None, "")
            outcome = visit_outcome(stage, nxt[0], nxt[2])
            funnel[stage]["entered"].add(cid)
            funnel[stage][outcome].add(cid)
            if nxt[1] is not None:
                visits_secs[stage].append((nxt[1] - at).total_seconds())
        assigned = {}
        for e in log:
            if e["type"] == "MediatorAssigned":
                assigned[e["event"]["tier"]] = e["event"]["mediator_id"]
        for tier, mediator in assigned.items():
            settled = any(e["type"] == "MediationSettled" and e["event"]["tier"] == tier for e in log)
            failed = any(e["type"] == "MediationFailed" and e["event"]["tier"] == tier for e in log)
            mediators[(mediator, tier)]["assigned"] += 1
            mediators[(mediator, tier)]["settled" if settled else "failed" if failed else "active"] += 1
        triaged = [e["event"] for e in log if e["type"] == "CaseTriaged"]
        cases[cid] = {"claimed": facts["principal_cents"] + facts["interest_cents"] + facts["penalty_cents"],
                      "recovered": max(sum(e["event"]["recovered_cents"] for e in closed), paid),
                      "closed": bool(closed), "stage": stays[-1][0], "stage_since": stays[-1][1],
                      "cycle": (closed[-1]["occurred_at"] - log[0]["occurred_at"]).total_seconds() if closed else None,
                      "region": facts["region_code"], "lender_region": facts["lender_region_code"] or "",
                      "court": triaged[0]["court"] if triaged else "",
                      "cross_region": int(bool(triaged and triaged[0]["cross_region"]))}
    return {"cases": cases, "funnel": funnel, "visits_secs": visits_secs, "mediators": mediators}


def quantile(values: list[float], q: float) -> float:
    """ClickHouse's quantileExact: the element at floor(q·n) of the sorted values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- tests -------------------------------------------------------------------------------------

def test_dashboard_numbers_equal_figures_computed_from_the_published_records(world):
    status, d = api(world, "/api/dashboard")
    assert status == 200
    assert (d["snapshot"]["cases"], d["snapshot"]["current"]) == (80, True), "the panels read a snapshot of every case"
    want = expected(world["data"])
    cases = want["cases"]
    s = d["summary"]
    assert (s["cases"], s["closed"], s["open"]) == (80, sum(c["closed"] for c in cases.values()),
                                                    sum(not c["closed"] for c in cases.values()))
    assert s["claimed_cents"] == sum(c["claimed"] for c in cases.values())
    assert s["recovered_cents"] == sum(c["recovered"] for c in cases.values())
    assert s["recovery"] == pytest.approx(s["recovered_cents"] / s["claimed_cents"], abs=1e-6)
    cycles = [c["cycle"] for c in cases.values() if c["cycle"] is not None]
    assert (s["cycle_p50_seconds"], s["cycle_p90_seconds"]) == (quantile(cycles, 0.5), quantile(cycles, 0.9))

    funnel = {r["stage"]: r for r in d["funnel"]}
    assert set(funnel) == set(want["funnel"])
    for stage, sets in want["funnel"].items():
        row = funnel[stage]
        assert (row["entered"], row["settled"], row["escalated"]) == \
            (len(sets["entered"]), len(sets["settled"]), len(sets["escalated"])), stage
        secs = want["visits_secs"][stage]
        if secs:
            assert row["p50_seconds"] == pytest.approx(quantile(secs, 0.5)), stage
            assert row["p90_seconds"] == pytest.approx(quantile(secs, 0.9)), stage
    assert funnel["PEOPLES_MEDIATION"]["settled"] > 0 and funnel["PEOPLES_MEDIATION"]["escalated"] > 0

    backlog = {r["stage"]: r["cases"] for r in d["backlog"]}
    assert backlog == dict(Counter(c["stage"] for c in cases.values() if c["stage"] not in TERMINAL))
    overdue = sum(1 for c in cases.values() if c["stage"] in ("PEOPLES_MEDIATION", "COURT_MEDIATION")
                  and NOW > c["stage_since"] + timedelta(days=30))
    assert d["compliance"]["deadlines"] == {"mediation_tier": overdue, "confirmation": 0, "objection_answer": 0}
    assert overdue > 0

    notices = Counter((n["status"], n["rule"] or "") for n in world["data"].notices)
    assert {(r["status"], r["rule"]): r["notices"] for r in d["compliance"]["notices"]} == dict(notices)
    rejections = Counter((r["lender_id"], r["reason_codes"][0]) for r in world["data"].rejections)
    assert {(r["lender_id"], r["reason"]): r["rejections"] for r in d["rejections"]} == dict(rejections)
    mediators = {(r["mediator_id"], r["tier"]): {k: r[k] for k in ("assigned", "settled", "failed", "active")}
                 for r in d["mediators"]}
    assert mediators == {k: {f: v[f] for f in ("assigned", "settled", "failed", "active")}
                         for k, v in want["mediators"].items()}
    cross = Counter((c["region"], c["lender_region"], c["court"]) for c in cases.values())
    assert {(r["debtor_region"], r["lender_region"], r["court"]): r["cases"] for r in d["cross_region"]} == dict(cross)
    assert sum(r["cross_region_cases"] for r in d["cross_region"]) == sum(c["cross_region"] for c in cases.values())
    assert all(r["debtor_region_name"] == region_name(r["debtor_region"]) for r in d["cross_region"])
    assert sum(r["cases"] for r in d["recovery"]) == 80


def test_filters_by_region_and_date(world):
    want = expected(world["data"])["cases"]
    region = "3505"
    _, d = api(world, f"/api/summary?region={region}")
    assert d["cases"] == sum(1 for c in want.values() if c["region"].startswith(region))
    opened = {e["case_id"]: e["occurred_at"] for e in world["data"].events if e["type"] == "CaseOpened"}
    china = timezone(timedelta(hours=8))
    day = START.astimezone(china).date() + timedelta(days=9)
    _, d = api(world, f"/api/summary?to={day.isoformat()}")
    assert d["cases"] == sum(1 for at in opened.values() if at.astimezone(china).date() <= day)
    assert api(world, "/api/summary?from=yesterday")[0] == 400


def test_a_lender_token_sees_only_its_own_lender(world):
    want_a = expected(world["data"], "LENDER-A")["cases"]
    status, d = api(world, "/api/dashboard", token="a-secret")
    assert status == 200
    assert d["summary"]["cases"] == len(want_a) == 48
    assert d["summary"]["recovered_cents"] == sum(c["recovered"] for c in want_a.values())
    assert d["lenders"] == ["LENDER-A"]
    assert {r["lender_id"] for r in d["rejections"]} == {"LENDER-A"}
    assert sum(r["assigned"] for r in d["mediators"]) == sum(
        v["assigned"] for v in expected(world["data"], "LENDER-A")["mediators"].values())
    assert api(world, "/api/summary?lender=LENDER-B", token="a-secret")[0] == 403
    assert api(world, "/api/summary?lender=LENDER-A", token="a-secret")[1]["cases"] == 48
    assert api(world, "/api/summary", token="b-secret")[1]["cases"] == 32
    assert api(world, "/api/summary", token=None)[0] == 401
    assert api(world, "/api/summary", token="wrong")[0] == 401
    page = urllib.request.urlopen(f"http://127.0.0.1:{world['proc'].port}/", timeout=10)
    assert page.geturl().endswith("/login") and 'name="token"' in page.read().decode(), "no token: on to the sign-in page"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://127.0.0.1:{world['proc'].port}/api/summary?token=ops-secret", timeout=10)
    assert err.value.code == 401, "the API never reads a token from the URL"


def test_bad_record_is_dead_lettered_and_metrics_are_exposed(world):
    dead = [d for _, d in read_topic(world["bootstrap"], "analytics.dlq", world["codec"], until=1, timeout=30)]
    assert [(d["source_topic"], d["error_type"], d["value"]) for d in dead] == \
        [("case.events", "UnknownFingerprint", b"\xc3\x01not avro")]
    port = world["proc"].port
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    assert 'remedy_analytics_consumer_lag{partition="0",topic="case.events"}' in body
    assert metric_value(port, "remedy_analytics_rows_written_total") >= len(world["data"].events)
    assert 'remedy_analytics_stage_backlog{stage="PEOPLES_MEDIATION"}' in body
    assert metric_value(port, "remedy_analytics_snapshot_cases") == 80
    # the breach gauges are refreshed from ClickHouse every few seconds: the first refresh after the data
    # landed may still be on its way on a loaded machine
    assert wait_for_metric(world["proc"], "remedy_analytics_deadline_breaches", 1, timeout=30) > 0
    assert "sealed" not in body


def test_no_pii_reaches_clickhouse(world):
    # the sealed contact and the rejected input's raw bytes are never mapped; debtor_ref is a pseudonym
    from services.analytics.rows import EVENT_COLUMNS, NOTICE_COLUMNS, REJECTION_COLUMNS
    assert not {"sealed_contact", "original", "message", "name", "national_id", "phone", "email"} & \
        set(EVENT_COLUMNS + NOTICE_COLUMNS + REJECTION_COLUMNS)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(chromium() is None, reason="headless Chromium not installed (Debian package `chromium`)")
def test_the_page_renders_real_numbers_in_headless_chromium(world, tmp_path):
    url = f"http://127.0.0.1:{world['proc'].port}/?token=ops-secret"
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000", "--window-size=1400,2200"]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert 'data-state="ready"' in dom, dom[-2000:]
    _, d = api(world, "/api/dashboard")
    assert f'data-key="cases" data-value="{d["summary"]["cases"]}"' in dom
    (funnel,) = drawn(dom, "funnel")
    assert dict(zip(funnel["customdata"], funnel["x"])) == {r["stage"]: r["entered"] for r in d["funnel"]
                                                             if r["stage"] not in ("ON_HOLD", "REJECTED")}
    (backlog,) = drawn(dom, "backlog")
    assert dict(zip(backlog["customdata"], backlog["x"])) == {r["stage"]: r["cases"] for r in d["backlog"]}
    for chart in ("recovery", "cycle", "cross", "notices", "deadlines"):
        assert drawn(dom, chart), chart
    assert re.findall(r'data-empty="chart-(\w+)"', dom) == ([] if d["queue"]["tiers"] else ["queue"]), "no chart without data"

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "analytics-dashboard.png"
    shot.unlink(missing_ok=True)
    subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000


def drawn(dom: str, chart: str) -> list[dict]:
    """The figure a chart drew (its traces' data), from the element's data-figure attribute."""
    found = re.search(rf'id="chart-{chart}"[^>]*data-figure="([^"]*)"', dom) or \
        re.search(rf'data-figure="([^"]*)"[^>]*id="chart-{chart}"', dom)
    assert found, chart
    return json.loads(html.unescape(found.group(1)))


# -- two sinks in one consumer group: a real rebalance, and a member killed between insert and commit ---------

REBALANCE_GROUP = "analytics-rebalance"


def test_two_sinks_rebalance_and_take_over_a_killed_one_without_a_duplicate_or_a_gap(broker, tmp_path):
    """Sink A reads alone; sink B joins the group (a rebalance: A flushes and commits before its partitions
    move); A's commits are then lost while it keeps inserting, and A is killed. B, assigned A's partitions,
    resumes at the committed offsets and finds the rows A inserted past them: every record is one row,
    none missing, none twice (counted raw, not FINAL). chDB is one engine per process, so both sinks run
    in one child process, sharing its store, as two members of the group."""
    done = subprocess.run([sys.executable, "-m", "tests.broker.test_analytics_service", broker, str(tmp_path / "ch")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for table, want in out["published"].items():
        assert out["raw"][table] == out["distinct"][table] == want, (table, out)
    assert out["split"], "both sinks held partitions at once"
    assert out["taken_over"] > 0, "B found rows A had inserted past its last commit, and did not insert them again"


async def two_sinks(bootstrap: str, ch_path: str) -> dict:
    """The child process's part of the test above."""
    import asyncio
    import contextlib

    from remedy.kernel.clock import SystemClock
    from remedy.kernel.settings import Settings
    from services.analytics.metrics import AnalyticsMetrics
    from services.analytics.settings import AnalyticsSettings
    from services.analytics.sink import TABLES, Sink
    from services.analytics.store import Store

    codec = Codec(REPO_ROOT / "schemas")
    env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_ANALYTICS_FLUSH_ROWS": "100", "REMEDY_ANALYTICS_FLUSH_MS": "100"}
    store = Store.open(f"chdb://{ch_path}")
    await store.run(store.migrate)
    data = scripted({"LENDER-A": 30, "LENDER-B": 30}, START, seed=5)
    records = [("case.events", "CaseEvent", e["case_id"], e) for e in data.events] + \
        [("notice.log", "NoticeLogEntry", n["case_id"], n) for n in data.notices] + \
        [("loan.defaults.rejected", "LoanDefaultRejected", r["loan_id"], r) for r in data.rejections]
    waves = [records[n::3] for n in range(3)]
    pub = Publisher(bootstrap, codec)

    def publish(wave):
        for topic, schema, key, record in wave:
            pub.send(topic, key, schema, record)
        pub.flush()

    async def raw() -> int:
        sql = " + ".join(f"(SELECT count() FROM {t})" for t in TABLES.values())
        return (await store.run(store.rows, f"SELECT {sql} AS n"))[0]["n"]

    async def until(check, what: str, timeout: float = 90):
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"not in {timeout:.0f} s: {what}")
            await asyncio.sleep(0.2)

    def sink() -> Sink:
        return Sink(Settings.from_env(env), AnalyticsSettings.from_env(env), store, codec, SystemClock(),
                    AnalyticsMetrics(), group_id=REBALANCE_GROUP)

    async def committed(s: Sink) -> int:
        return sum(s.committed.values())

    publish(waves[0])
    a = sink()
    await a.start()
    ran_a = asyncio.create_task(a.run())
    await until(lambda: _true(sum(a.committed.values()) >= len(waves[0])), "A commits the first wave")
    b = sink()
    await b.start()
    ran_b = asyncio.create_task(b.run())
    await until(lambda: _true(bool(a.consumer.assignment()) and bool(b.consumer.assignment())
                              and not a.consumer.assignment() & b.consumer.assignment()), "the group rebalances")
    split = bool(a.consumer.assignment() and b.consumer.assignment())

    async def lost(offsets):   # A's commits no longer land: as if killed after each insert
        return None
    a.consumer.commit = lost
    publish(waves[1])
    await until(lambda: _ge(raw(), len(waves[0]) + len(waves[1])), "both insert the second wave")
    ran_a.cancel()             # A is killed: no flush, no commit; its consumer leaves the group
    with contextlib.suppress(asyncio.CancelledError):
        await ran_a
    await a.consumer.stop()
    await a.producer.stop()
    publish(waves[2])
    pub.close()
    await until(lambda: _ge(committed(b), len(records)), "B commits every partition to its end", timeout=120)
    await b.stop(ran_b)
    counts = {}
    for kind, sql in (("raw", "SELECT count() AS n FROM {}"),
                      ("distinct", "SELECT count(DISTINCT (src_partition, src_offset)) AS n FROM {}")):
        counts[kind] = {t: (await store.run(store.rows, sql.format(t)))[0]["n"] for t in TABLES.values()}
    published = {table: sum(1 for topic, *_ in records if TABLES[topic] == table) for table in TABLES.values()}
    store.close()
    return {**counts, "published": published, "split": split, "taken_over": b.stored.skipped}


async def _true(value) -> bool:
    return bool(value)


async def _ge(count, want: int) -> bool:
    return await count >= want


if __name__ == "__main__":
    import asyncio

    print(json.dumps(asyncio.run(two_sinks(sys.argv[1], sys.argv[2]))))
