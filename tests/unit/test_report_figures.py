"""The report's figures and page from a dashboard JSON fixture: pure, no analytics, no browser."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from remedy.ops.report_figures import figures, zh_date
from remedy.ops.report_html import page

DASH = json.loads((Path(__file__).parents[1] / "data" / "report_dashboard.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def figs():
    return figures(DASH, 0.4, "Remedy 运行报告", {"CT-350503": "泉州市丰泽区人民法院"}.get)


def test_headline_figures_are_the_dashboards_formatted_the_chinese_way(figs):
    head = {f.key: (f.value, f.note) for f in figs.headline}
    assert head["cases"] == ("1,234", "未结 234 · 已结 1,000")
    assert head["recovered"] == ("¥8,024,691", "诉请 ¥12,345,678")
    assert head["recovery"] == ("65.0%", "传统催收 40.0%")
    assert head["lift"][1] == "+62%" and head["lift"][0] in ("1.62倍", "1.63倍")
    assert head["cycle"] == ("45.0 天", "P90 80.0 天")
    assert head["settled.PEOPLES_MEDIATION"] == ("600", "进入 900 件")
    assert head["settled.COURT_MEDIATION"] == ("180", "进入 300 件")
    assert figs.as_of == "2026年12月4日" and zh_date("2026-01-09") == "2026年1月9日"


def test_without_a_baseline_there_is_no_comparison():
    head = {f.key: f for f in figures(DASH, None, "t").headline}
    assert "lift" not in head and head["recovery"].note == "无传统催收基线"


def test_funnel_rows_split_each_stage_into_settled_escalated_and_the_rest(figs):
    rows = {r["stage"]: r for r in figs.funnel}
    assert [r["stage"] for r in figs.funnel] == [r["stage"] for r in DASH["funnel"]]
    pm = rows["PEOPLES_MEDIATION"]
    assert (pm["zh"], pm["entered"], pm["settled"], pm["escalated"], pm["other"]) == ("人民调解", 900, 600, 250, 50)
    assert pm["settle_rate"] == "66.7%" and pm["p50"] == "20.0 天"
    assert rows["CLOSED"]["p50"] == "-"


def test_recovery_is_cumulative_by_opening_day_against_the_baseline(figs):
    assert [p["label"] for p in figs.recovery] == ["2026年8月1日", "2026年8月2日", "2026年8月3日"]
    assert figs.recovery[0]["rate"] == pytest.approx(0.7)
    assert figs.recovery[-1]["rate"] == pytest.approx(DASH["summary"]["recovered_cents"] / DASH["summary"]["claimed_cents"])
    assert figs.baseline == 0.4


def test_regions_notices_deadlines_and_rejections(figs):
    assert figs.regions[0]["debtor"] == "福建省泉州市丰泽区" and figs.regions[0]["rate"] == "65.0%"
    assert figs.regions[0]["court"] == "泉州市丰泽区人民法院" and figs.regions_total == 2
    assert {(n["status"], n["rule"], n["notices"]) for n in figs.notices} == {("延后", "QUIET_HOURS", 42), ("已发送", "", 3100)}
    assert {d["zh"]: d["cases"] for d in figs.deadlines}["调解期限已过"] == 3
    assert figs.rejections == [{"reason": "NATIONAL_ID_CHECKSUM", "rejections": 11}]
    assert [c["zh"] for c in figs.cycle] == ["法院诉前调解", "人民调解", "困难救助"]


def test_the_cycle_distribution_has_a_column_for_every_week_up_to_the_last(figs):
    assert [c["cases"] for c in figs.cycle_weeks] == [0, 0, 40, 160, 0, 420, 250, 0, 100, 0, 0, 30]
    assert figs.cycle_weeks[5]["label"] == "5–6周"


def test_the_page_is_self_contained_chinese_first_and_shows_every_headline_figure(figs):
    html = page(figs)
    assert not re.search(r"""<(script|link|img|iframe)\b""", html, re.I), "no script, stylesheet or image to fetch"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "url(" not in html and "@import" not in html
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    for f in figs.headline:
        assert f'data-key="{f.key}"' in html and f">{f.value}<" in html, f.key
    for label in ("案件漏斗", "回收率与传统催收对比", "结案周期", "跨地区案件", "通知", "期限逾期", "福建省泉州市丰泽区", "2026年12月4日"):
        assert label in html
    for chart in ("recovery", "cycle", "cycle_weeks", "cross_region", "notices", "deadlines"):
        assert f'data-chart="{chart}"' in html
    assert html.count('class="frow" data-stage=') == len(DASH["funnel"])


def test_the_cross_region_table_shows_the_largest_groups_and_counts_the_rest():
    dash = {**DASH, "cross_region": DASH["cross_region"] * 20}
    f = figures(dash, None, "t")
    assert len(f.regions) == 25 and f.regions_total == 40 and f.regions[0]["court"] == "CT-350503"
    assert "案件最多的 25 组，共 40 组" in page(f)


def test_a_dashboard_with_only_the_summary_still_renders():
    dash = {"summary": DASH["summary"]}
    html = page(figures(dash, None, "t"))
    assert "1,234" in html and "暂无数据" in html
