"""``remedy report`` against a stand-in analytics service: a local HTTP server serving a dashboard."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from remedy.runtime.broker import free_port
from remedy.ops import report_pdf
from remedy.ops.cli import main
from remedy.ops.report_pdf import browser

DASHBOARD = {
    "summary": {"cases": 1200, "open": 200, "closed": 1000, "claimed_cents": 1_000_000_000, "recovered_cents": 680_000_000,
                "recovery": 0.68, "cycle_p50_seconds": 45 * 86400, "cycle_p90_seconds": 80 * 86400},
    "funnel": [{"stage": "PEOPLES_MEDIATION", "entered": 900, "settled": 600, "escalated": 250, "settle_rate": 600 / 900,
                "escalate_rate": 250 / 900, "exits": 850, "p50_seconds": 20 * 86400, "p90_seconds": 29 * 86400}],
    "compliance": {"notices": [{"status": "SENT", "rule": "", "notices": 3100}, {"status": "DEFERRED", "rule": "QUIET_HOURS",
                                                                                "notices": 42}], "deadlines": {}},
    "rejections": [{"lender_id": "L1", "reason": "NATIONAL_ID_CHECKSUM", "rejections": 7},
                   {"lender_id": "L1", "reason": "UNKNOWN_PRODUCT", "rejections": 2},
                   {"lender_id": "L2", "reason": "NATIONAL_ID_CHECKSUM", "rejections": 4}],
}


@pytest.fixture(autouse=True)
def chinese_terminal(monkeypatch):
    """No locale or REMEDY_LANG from the machine running the tests: the command's own default, Chinese."""
    for name in ("LANG", "LC_ALL", "LC_MESSAGES", "REMEDY_LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def analytics(monkeypatch, tmp_path):
    """Serves DASHBOARD at /api/dashboard to the ops token; REMEDY_* point the CLI at it and at tmp_path."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/api/dashboard" and self.headers.get("Authorization") == "Bearer ops-secret"
            body = json.dumps(DASHBOARD if ok else {"error": "unauthorized"}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REMEDY_ANALYTICS_PORT", str(server.server_address[1]))
    monkeypatch.setenv("REMEDY_ANALYTICS_TOKENS", "ops-secret=ops")
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path))
    yield tmp_path
    server.shutdown()
    server.server_close()


def test_report_prints_the_figures_against_the_last_runs_baseline_and_writes_html(analytics, capsys):
    (analytics / "run.json").write_text(json.dumps({"cases": 1200, "baseline_recovery": 0.4}))
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "案件 1,200  未结 200  已结 1,000" in out
    assert "诉请金额 ¥10,000,000  已回收 ¥6,800,000  回收率 68.0%" in out
    assert "传统催收基线 40.0%  →  本平台回收为其 1.70 倍（+70%）" in out
    assert "基线：上次 `remedy run` 的 1,200 笔违约按传统催收计算" in out
    assert "\n人民调解 " in out and "延后/夜间免打扰 42 条" in out
    assert "不予受理的违约记录：身份证号码的校验码不符合 GB 11643 11 条；" in out, "one figure per reason, all lenders"
    page = (analytics / "report.html").read_text(encoding="utf-8")
    assert f"报告：{analytics / 'report.html'}" in out
    assert "Remedy 报告：1,200 件案件" in page and ">1.70倍<" in page and 'data-stage="PEOPLES_MEDIATION"' in page
    if browser():
        assert f"报告 PDF：{analytics / 'report.pdf'}" in out and (analytics / "report.pdf").stat().st_size > 0


def test_report_without_a_run_has_no_baseline_and_writes_where_told(analytics, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(report_pdf, "browser", lambda: None)
    target = tmp_path / "out" / "r.html"
    assert main(["report", "--html", str(target)]) == 0
    out = capsys.readouterr().out
    assert "无基线：未找到" in out and "run.json（由 `remedy run` 写入）" in out
    assert "回收率 68.0%" in out and "传统催收基线" not in out
    assert ">68.0%<" in target.read_text(encoding="utf-8") and "无传统催收基线" in target.read_text(encoding="utf-8")
    assert "未生成 PDF：未安装无头 Chromium" in out and not target.with_suffix(".pdf").exists()
    assert not (analytics / "report.html").exists()


def test_report_says_when_the_dashboard_s_snapshot_lags_what_was_written(analytics, capsys, monkeypatch):
    monkeypatch.setattr(report_pdf, "browser", lambda: None)
    monkeypatch.setitem(DASHBOARD, "snapshot", {"cases": 1200, "current": False, "age_seconds": 42.4})
    assert main(["report"]) == 0
    assert "注意：看板快照汇总于 42 秒前，其后写入的事件未计入本报告" in capsys.readouterr().out
    monkeypatch.setitem(DASHBOARD, "snapshot", {"cases": 1200, "current": True, "age_seconds": 2.0})
    assert main(["report"]) == 0
    assert "看板快照" not in capsys.readouterr().out, "a current snapshot needs no word"


def test_report_says_analytics_is_not_reachable(monkeypatch, tmp_path, capsys):
    port = free_port()
    monkeypatch.setenv("REMEDY_ANALYTICS_PORT", str(port))
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path))
    assert main(["report"]) == 1
    captured = capsys.readouterr()
    assert f"错误：无法连接分析服务 http://127.0.0.1:{port}" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "report.html").exists()


def test_report_says_when_analytics_refuses_the_token(analytics, monkeypatch, capsys):
    monkeypatch.setenv("REMEDY_ANALYTICS_TOKENS", "wrong=ops")
    assert main(["report"]) == 1
    assert "返回 HTTP 401" in capsys.readouterr().err
    assert main(["--lang", "en", "report"]) == 1
    assert "error: analytics at http://127.0.0.1:" in capsys.readouterr().err


def test_report_in_english_beside_the_chinese_one_with_the_baseline_per_opening_day(analytics, capsys, monkeypatch):
    monkeypatch.setattr(report_pdf, "browser", lambda: None)
    dash = {**DASHBOARD, "recovery": [{"day": "2026-08-01", "cases": 1200, "claimed_cents": 1_000_000_000,
                                       "recovered_cents": 680_000_000, "recovery": 0.68}]}
    monkeypatch.setitem(globals(), "DASHBOARD", dash)
    (analytics / "run.json").write_text(json.dumps({"cases": 1200, "baseline_recovery": 0.4,
                                                    "baseline_by_day": {"2026-08-01": [1_000_000_000, 300_000_000]}}))
    assert main(["report", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    page = (analytics / "report.en.html").read_text(encoding="utf-8")
    assert f"report: {analytics / 'report.en.html'}" in out and not (analytics / "report.html").exists()
    assert '<html lang="en">' in page and "Remedy report: 1,200 cases" in page and ">1.70×<" in page
    assert "traditional collection, same cases (whole batch 40.0%)" in page and "traditional 30.0%" in page
    assert "cases 1,200  open 200  closed 1,000" in out and "\nPeople's mediation " in out, "the terminal speaks it too"
    assert "baseline: traditional collection over the 1,200 defaults of the last `remedy run`" in out
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in out), "no Chinese on the English terminal"


def test_report_follows_the_command_s_language_whichever_way_it_was_chosen(analytics, capsys, monkeypatch):
    monkeypatch.setattr(report_pdf, "browser", lambda: None)
    monkeypatch.setenv("REMEDY_LANG", "en")
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert f"report: {analytics / 'report.en.html'}" in out and "no PDF: headless Chromium not installed" in out
    assert main(["--lang", "zh", "report"]) == 0, "--lang wins over REMEDY_LANG"
    assert f"报告：{analytics / 'report.html'}" in capsys.readouterr().out
    assert '<html lang="zh' in (analytics / "report.html").read_text(encoding="utf-8")


def test_report_refuses_a_language_it_does_not_have(analytics, capsys):
    with pytest.raises(SystemExit):
        main(["report", "--lang", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err
