"""`remedy run` end to end: the whole platform on free ports, a small simulated batch through every
stage, the report printed (in Chinese: no language chosen) — and its figures equal what ClickHouse holds afterwards."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from remedy.runtime.broker import free_port, port_open
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.report_pdf import browser
from remedy.ops.stack import SERVICES

pytestmark = pytest.mark.e2e
CASES = 200
# 23:40 China time today: the batch is published twenty minutes before midnight, and every case still
# opens on that day (time holds until the batch is in), the day the report's baseline and ClickHouse share.
LATE_EVENING = datetime.now(timezone.utc).replace(hour=15, minute=40, second=0, microsecond=0).isoformat()


def test_remedy_run_reports_figures_equal_to_clickhouse_and_stops_everything(tmp_path):
    ports = {f"REMEDY_{name.upper()}_PORT": str(free_port()) for name in SERVICES}
    ports |= {"REMEDY_BROKER_PORT": str(free_port()), "REMEDY_SMTP_PORT": str(free_port()),
              "REMEDY_SMS_URL": f"http://127.0.0.1:{free_port()}"}
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT),
           "REMEDY_DATA_DIR": str(tmp_path / "data"), "REMEDY_SIM_CASES": str(CASES), "REMEDY_SIM_LENDERS": "4",
           "REMEDY_CLOCK_EPOCH": LATE_EVENING, **ports}
    done = subprocess.run([sys.executable, "-m", "remedy.ops.cli", "run", "--no-wait", "--horizon-days", "45"], env=env,
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "已停止：所有进程均已结束" in out
    for port in ports.values():
        assert not port_open("127.0.0.1", int(port.rsplit(":", 1)[-1])), f"port {port} still open after the run"

    m = re.search(r"案件 ([\d,]+)\s+未结 ([\d,]+)\s+已结 ([\d,]+)\n诉请金额 ¥([\d,]+)\s+已回收 ¥([\d,]+)\s+回收率 ([\d.]+)%", out)
    assert m, out[-3000:]
    cases, open_, closed, claimed, recovered = (int(g.replace(",", "")) for g in m.groups()[:5])
    assert cases >= CASES * 0.95 and closed > 0, "most of the batch was accepted and some cases finished"
    assert f"报告：{tmp_path / 'data' / 'report.html'}" in out
    page = (tmp_path / "data" / "report.html").read_text(encoding="utf-8")
    shown = re.search(r'data-key="cases">.*?<span class="v">([\d,]+)</span>', page)
    english = (tmp_path / "data" / "report.en.html").read_text(encoding="utf-8")
    assert f"报告（英文）：{tmp_path / 'data' / 'report.en.html'}" in out, "the English report beside the Chinese one"
    if browser():
        assert f"报告 PDF：{tmp_path / 'data' / 'report.pdf'}" in out
        assert (tmp_path / "data" / "report.pdf").read_bytes().startswith(b"%PDF")
        assert (tmp_path / "data" / "report.en.pdf").read_bytes().startswith(b"%PDF")
    final = re.findall(r"^(已受理（.*?）|  已离开\S+|已结案|模拟天数) +[█░]+ ([\d,]+)/([\d,]+)(.*)$", out, re.M)
    assert final and final[0][1] == final[0][2] and final[-1][0] == "模拟天数", f"every valid default opened: {final[:1]}"
    for label, done, total, note in final:
        assert int(done.replace(",", "")) >= int(total.replace(",", "")) or note.strip(), f"the {label.strip()} bar stopped short without saying why"

    import json

    from remedy.contract import i18n
    from services.analytics.queries import Filters, recovery, summary
    from services.analytics.settings import AnalyticsSettings
    from services.analytics.store import Store

    store = Store.open(AnalyticsSettings.from_env(env).clickhouse_url)
    try:
        s, days = summary(store.rows, Filters()), recovery(store.rows, Filters())
    finally:
        store.close()
    assert (s["cases"], s["open"], s["closed"]) == (cases, open_, closed)
    assert shown and int(shown.group(1).replace(",", "")) == s["cases"], "the page's headline cases figure is ClickHouse's"
    assert (round(s["claimed_cents"] / 100), round(s["recovered_cents"] / 100)) == (claimed, recovered)
    assert f"{s['recovery']:.1%}" == m.group(6) + "%"
    for lang, html in (("zh", page), ("en", english)):
        for key, value in (("cases", i18n.number(s["cases"])), ("recovered", i18n.money(s["recovered_cents"], cents=False)),
                           ("recovery", i18n.percent(s["recovery"]))):
            assert re.search(f'data-key="{key}">.*?<span class="v">{re.escape(value)}</span>', html), (lang, key, value)
    run = json.loads((tmp_path / "data" / "run.json").read_text(encoding="utf-8"))
    assert sum(c for c, _ in run["baseline_by_day"].values()) == s["claimed_cents"], "the baseline covers the same cases"
    for d in days:   # each opening day's column: that day's recovery, cases and baseline, as ClickHouse has them
        claimed, got = run["baseline_by_day"][str(d["day"])]
        tip = (f"{i18n.day(d['day'], 'en')}: {i18n.percent(d['recovered_cents'] / d['claimed_cents'])} "
               f"({i18n.number(d['cases'])} cases) · traditional {i18n.percent(got / claimed)}")
        assert tip in english, tip
