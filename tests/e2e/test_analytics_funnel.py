"""Issue 6's "done when" on the real funnel: a simulated batch (150 cases, 3 lenders) runs through intake,
triage, mediation, enforcement, repair, objections and notify (real SMTP server and SMS provider double
in-process) on a real broker, a simulated day per real second, with the simulator playing mediators,
courts, debtors and lenders. Then the simulator and the stage services stop, analytics drains, and the
dashboard's JSON API — for ops and for each lender's token — must give exactly the figures computed
here, in plain Python, from every record on ``case.events``, ``notice.log`` and
``loan.defaults.rejected``; a lender token asking for another lender gets 403; and the page rendered in
headless Chromium shows the same summary numbers (screenshot kept under ``artifacts/``).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

import pytest
from kafka import KafkaConsumer, TopicPartition

from remedy.runtime.broker import free_port
from remedy.ops.procs import ServiceProcess
from remedy.kernel.settings import REPO_ROOT
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider
from tests.conftest import metric_value

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
SCALE = 86_400.0                       # one simulated day per real second
START_IN = 40.0                        # real seconds for the workers to join before the epoch is reached
RUN_SECONDS = 110.0                    # ~110 simulated days of funnel once the batch is in
CASES, N_LENDERS, MALFORMED = 150, 3, 4
STAGES = ("intake", "triage", "mediation", "enforcement", "repair", "objections", "notify")
LENDER_A, LENDER_B, LENDER_C = "LENDER-XM01", "LENDER-XM02", "LENDER-QZ01"   # sim.defaults.LENDERS[:3]
TOKENS = f"ops-tok=ops,a-tok={LENDER_A},b-tok={LENDER_B}"
ARTIFACTS = REPO_ROOT / "artifacts"

# The lifecycle (docs/lifecycle.md), written out here on its own (not analytics' code): the stage an event moves a case into.
ENTERS = {"CaseOpened": "OPENED", "CaseRejected": "REJECTED", "ReliefGranted": "RELIEF",
          "MediationSettled": "CONFIRMATION", "ConfirmationRequested": "CONFIRMATION",
          "ConfirmationGranted": "PERFORMING", "ConfirmationLapsed": "PERFORMING",   # unanswered: in force as agreed
          "LitigationFiled": "LITIGATION", "JudgmentEntered": "JUDGMENT", "EnforcementApplied": "ENFORCEMENT",
          "CreditRepairRequested": "CREDIT_REPAIR", "CaseHeld": "ON_HOLD", "CaseClosed": "CLOSED"}
FROM_BODY = {"CaseTriaged": "route", "CaseEscalated": "to_stage", "CaseReleased": "stage"}


def stage_of(e: dict) -> str:
    if e["type"] in FROM_BODY:
        return e["event"][FROM_BODY[e["type"]]] or ""
    return ENTERS.get(e["type"], "")


# -- reading the topics ------------------------------------------------------------------------

def read_all(bootstrap: str, topic: str, codec, schema: str, idle: float = 4.0) -> list[tuple[int, int, dict]]:
    """Every record on the topic, as (partition, offset, record): until every partition is read up to its end
    offset as the read began, and nothing new came for ``idle`` s (a pause of a loaded machine alone does not
    end it; Tansu's end offset is its last batch's start, which a read of that batch passes)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    out, last_new, deadline, read_to_end = [], time.monotonic(), time.monotonic() + 90, False
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                for m in records:
                    out.append((m.partition, m.offset, codec.decode(m.value, expect=schema)[1]))
                    last_new = time.monotonic()
            read_to_end = all(consumer.position(tp) >= ends[tp] for tp in partitions)
            if read_to_end and time.monotonic() - last_new >= idle:
                break
    finally:
        consumer.close()
    assert read_to_end, f"{topic}: not read to its end offsets {ends} within 90 s"
    return out


def quantile(values: list[float], q: float) -> float | None:
    """ClickHouse's quantileExact: the element at floor(q·n) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(events, notices, rejections, lender: str | None = None) -> dict:
    """The funnel's figures from the raw records (optionally one lender's): plain Python."""
    seen, by_case = set(), defaultdict(list)
    for part, off, e in sorted(events, key=lambda t: (t[0], t[1])):
        if e["event_id"] in seen or lender not in (None, e["lender_id"]):
            continue   # at-least-once: a re-emitted event counts once
        seen.add(e["event_id"])
        by_case[e["case_id"]].append(e)   # a case lives on one partition: offset order is its log order
    entered, backlog = defaultdict(set), Counter()
    per_lender = defaultdict(lambda: {"cases": 0, "closed": 0, "claimed": 0, "recovered": 0})
    cycles = []
    for cid, log in by_case.items():
        facts = [e["event"]["facts"] for e in log if e["type"] in ("CaseOpened", "CaseAmended")][-1]
        claimed = facts["principal_cents"] + facts["interest_cents"] + facts["penalty_cents"]
        closed = [e for e in log if e["type"] == "CaseClosed"]
        paid = sum(e["event"]["amount_cents"] for e in log if e["type"] == "InstalmentPaid") + \
            sum(e["event"]["recovered_cents"] for e in log if e["type"] == "EnforcementConcluded")
        recovered = max(sum(e["event"]["recovered_cents"] for e in closed), paid)
        stages = [s for s in map(stage_of, log) if s]
        for s in stages:
            entered[s].add(cid)
        if stages and not closed and stages[-1] != "REJECTED":
            # a closed case never moves: an event a stage emitted racing the close (stamped before it, logged
            # after it — seen here: a mediator's FAILED outcome escalating a case its lender had just closed)
            # does not put it back in the backlog
            backlog[stages[-1]] += 1
        if closed:
            opened = min(e["occurred_at"] for e in log if e["type"] == "CaseOpened")
            cycles.append((max(e["occurred_at"] for e in closed) - opened).total_seconds())
        row = per_lender[log[0]["lender_id"]]
        row["cases"] += 1
        row["closed"] += bool(closed)
        row["claimed"] += claimed
        row["recovered"] += recovered
    notice_set = {tuple(sorted((k, repr(v)) for k, v in n.items())): n for _, _, n in notices
                  if lender in (None, n["lender_id"])}
    rejection_set = {tuple(sorted((k, repr(v)) for k, v in r.items())): r for _, _, r in rejections
                     if lender in (None, r["lender_id"])}
    total = lambda key: sum(r[key] for r in per_lender.values())  # noqa: E731
    return {
        "summary": {"cases": total("cases"), "closed": total("closed"), "open": total("cases") - total("closed"),
                    "claimed_cents": total("claimed"), "recovered_cents": total("recovered"),
                    "cycle_p50_seconds": quantile(cycles, 0.5), "cycle_p90_seconds": quantile(cycles, 0.9)},
        "per_lender": {k: dict(v) for k, v in per_lender.items()},
        "entered": {s: len(c) for s, c in entered.items()},
        "backlog": dict(backlog),
        "notices": dict(Counter((n["status"], n["rule"] or "") for n in notice_set.values())),
        "rejections": dict(Counter((r["lender_id"], code) for r in rejection_set.values() for code in r["reason_codes"])),
        "event_types": Counter(e["type"] for log in by_case.values() for e in log),
    }


# -- the dashboard's API -----------------------------------------------------------------------

def api(port: int, path: str, token: str | None) -> tuple[int, object]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def as_shown(port: int, token: str, query: str = "") -> dict:
    """The dashboard's figures in the shape ``figures`` computes, from /api/dashboard and the per-chart endpoints."""
    status, d = api(port, f"/api/dashboard{query}", token)
    assert status == 200, d
    s = d["summary"]
    summary = {k: s[k] for k in ("cases", "closed", "open", "claimed_cents", "recovered_cents",
                                 "cycle_p50_seconds", "cycle_p90_seconds")}
    shown = {"summary": summary,
             "entered": {r["stage"]: r["entered"] for r in d["funnel"]},
             "backlog": {r["stage"]: r["cases"] for r in d["backlog"]},
             "notices": {(r["status"], r["rule"]): r["notices"] for r in d["compliance"]["notices"]},
             "rejections": {(r["lender_id"], r["reason"]): r["rejections"] for r in d["rejections"]}}
    charts = {}
    for name in ("summary", "funnel", "backlog", "notices", "rejections"):
        status, charts[name] = api(port, f"/api/{name}{query}", token)
        assert status == 200, (name, charts[name])
    assert {k: charts["summary"][k] for k in summary} == summary, "/api/summary disagrees with /api/dashboard"
    assert {r["stage"]: r["entered"] for r in charts["funnel"]} == shown["entered"]
    assert {r["stage"]: r["cases"] for r in charts["backlog"]} == shown["backlog"]
    assert {(r["status"], r["rule"]): r["notices"] for r in charts["notices"]} == shown["notices"]
    assert {(r["lender_id"], r["reason"]): r["rejections"] for r in charts["rejections"]} == shown["rejections"]
    return shown


def settled(port: int, timeout: float = 120.0) -> dict:
    """Wait until analytics has consumed everything it will (its counters and figures stop changing) and the
    dashboard's snapshot holds it all."""
    deadline, last, same = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline:
        _, d = api(port, "/api/dashboard", "ops-tok")
        if not (d.get("snapshot") or {}).get("current"):   # the panels' snapshot is behind what the sink wrote
            last, same = None, 0
            time.sleep(1)
            continue
        key = json.dumps([d["summary"], d["funnel"], d["compliance"]["notices"], d["rejections"],
                          metric_value(port, "remedy_analytics_rows_written_total")], sort_keys=True, default=str)
        same = same + 1 if key == last else 0
        if same >= 3:
            return d
        last = key
        time.sleep(2)
    raise AssertionError(f"analytics still changing after {timeout:.0f}s")


def stop_in_parallel(procs: list[ServiceProcess]) -> None:
    threads = [threading.Thread(target=p.stop) for p in procs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# -- the test ----------------------------------------------------------------------------------

def test_dashboard_equals_the_funnel_computed_from_the_topics(broker, codec, tmp_path):
    mail, sms = MailServer().start(), SmsProvider().start()
    anchor = time.time() + START_IN
    common = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": str(SCALE),
              "REMEDY_CLOCK_ANCHOR": repr(anchor), "REMEDY_SMTP_PORT": str(mail.port), "REMEDY_SMS_URL": sms.url,
              **{f"REMEDY_{s.upper()}_SWEEP_SECONDS": "0.25" for s in ("mediation", "enforcement", "repair", "objections")}}
    logs = tmp_path / "logs"
    analytics_port = free_port()
    analytics = ServiceProcess("analytics", {**common, "REMEDY_DATA_DIR": str(tmp_path / "analytics"),
                                             "REMEDY_ANALYTICS_PORT": str(analytics_port),
                                             "REMEDY_CLICKHOUSE_URL": f"chdb://{tmp_path / 'clickhouse'}",
                                             "REMEDY_ANALYTICS_TOKENS": TOKENS, "REMEDY_ANALYTICS_FLUSH_ROWS": "500",
                                             "REMEDY_ANALYTICS_FLUSH_MS": "300"}, logs)
    stages = [ServiceProcess(name, {**common, "REMEDY_DATA_DIR": str(tmp_path / name),
                                    f"REMEDY_{name.upper()}_PORT": str(free_port())}, logs) for name in STAGES]
    sim = ServiceProcess("sim", {**common, "REMEDY_DATA_DIR": str(tmp_path / "sim"), "REMEDY_SIM_CASES": str(CASES),
                                 "REMEDY_SIM_LENDERS": str(N_LENDERS), "REMEDY_SIM_MALFORMED": str(MALFORMED)},
                         logs, module="sim", args=("--publish",))
    try:
        for p in [analytics, *stages]:
            p.start()
        for p in [analytics, *stages]:
            p.wait_ready(timeout=180)
        sim.start().wait_ready(timeout=120)
        time.sleep(max(0.0, anchor - time.time()) + RUN_SECONDS)

        # freeze the funnel: the outside world first, then every stage; analytics drains what is left
        for p in [sim, *stages]:
            assert p.proc.poll() is None, f"{p.name} died during the run:\n{p.tail()}"
        stop_in_parallel([sim])
        stop_in_parallel(stages)
        settled(analytics_port)

        events = read_all(broker, "case.events", codec, "CaseEvent")
        notices = read_all(broker, "notice.log", codec, "NoticeLogEntry")
        rejections = read_all(broker, "loan.defaults.rejected", codec, "LoanDefaultRejected")
        want = figures(events, notices, rejections)
        print(f"\n{len(events)} case events, {len(notices)} notice entries, {len(rejections)} rejections; "
              f"summary {want['summary']}\nentered {want['entered']}\nbacklog {want['backlog']}\n"
              f"notices {want['notices']}\nrejections {want['rejections']}\ntypes {dict(want['event_types'])}")

        # the batch really went through the funnel
        assert want["summary"]["cases"] >= CASES * 0.95, "most of the batch became cases"
        assert want["summary"]["closed"] > 0 and want["summary"]["recovered_cents"] > 0
        for stage in ("OPENED", "PEOPLES_MEDIATION", "CONFIRMATION", "CLOSED"):
            assert want["entered"].get(stage, 0) > 0, f"no case reached {stage}"
        assert want["notices"] and want["rejections"]
        assert set(want["per_lender"]) == {LENDER_A, LENDER_B, LENDER_C}

        # ops: everything, then each lender through the filter
        shown = as_shown(analytics_port, "ops-tok")
        for key in ("summary", "entered", "backlog", "notices", "rejections"):
            assert shown[key] == want[key], key
        for lender in (LENDER_A, LENDER_B, LENDER_C):
            mine = figures(events, notices, rejections, lender)
            got = as_shown(analytics_port, "ops-tok", f"?lender={lender}")
            for key in ("summary", "entered", "backlog", "notices", "rejections"):
                assert got[key] == mine[key], (lender, key)
            p = want["per_lender"][lender]
            assert (got["summary"]["cases"], got["summary"]["closed"], got["summary"]["claimed_cents"],
                    got["summary"]["recovered_cents"]) == (p["cases"], p["closed"], p["claimed"], p["recovered"])

        # a lender token: only its own lender, whatever it asks for; another lender is 403
        for token, lender, other in (("a-tok", LENDER_A, LENDER_B), ("b-tok", LENDER_B, LENDER_A)):
            mine = figures(events, notices, rejections, lender)
            got = as_shown(analytics_port, token)
            for key in ("summary", "entered", "backlog", "notices", "rejections"):
                assert got[key] == mine[key], (token, key)
            assert got["summary"]["cases"] < want["summary"]["cases"]
            assert {lid for lid, _ in got["rejections"]} <= {lender}
            assert api(analytics_port, "/api/dashboard", token)[1]["lenders"] == [lender]
            assert as_shown(analytics_port, token, f"?lender={lender}") == got
            for path in ("/api/dashboard", "/api/summary", "/api/funnel", "/api/notices", "/api/rejections"):
                assert api(analytics_port, f"{path}?lender={other}", token)[0] == 403, path
                assert api(analytics_port, f"{path}?lender={LENDER_C}", token)[0] == 403, path
        assert api(analytics_port, "/api/summary", "not-a-token")[0] == 401

        page_shows(analytics_port, "ops-tok", want["summary"], tmp_path, "analytics-funnel.png")
        page_shows(analytics_port, "a-tok", figures(events, notices, rejections, LENDER_A)["summary"], tmp_path,
                   "analytics-funnel-lender.png")
    finally:
        for p in [sim, *stages]:
            if p.proc is not None:
                p.stop()
        analytics.stop()
        mail.stop()
        sms.stop()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def page_shows(port: int, token: str, summary: dict, tmp_path, shot_name: str) -> None:
    """The page in headless Chromium renders the summary tiles with these numbers; a screenshot is kept."""
    if chromium() is None:
        pytest.skip("headless Chromium not installed (Debian package `chromium`)")
    url = f"http://127.0.0.1:{port}/?token={token}"
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / ('profile-' + token)}", "--virtual-time-budget=15000", "--window-size=1400,2200"]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    assert 'data-state="ready"' in dom, dom[-2000:]
    for key, field in (("cases", "cases"), ("open", "open"), ("closed", "closed"), ("claimed", "claimed_cents"),
                       ("recovered", "recovered_cents")):
        assert f'data-key="{key}" data-value="{summary[field]}"' in dom, (key, summary[field])
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / shot_name
    shot.unlink(missing_ok=True)
    subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000
