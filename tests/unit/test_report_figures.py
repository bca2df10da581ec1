"""The report's figures and page from a dashboard JSON fixture, in Chinese and in English: pure, no analytics, no
browser."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from remedy.ops.report import reason_words, render
from remedy.ops.report_figures import M, figures
from remedy.ops.report_html import page
from remedy.ops.report_names import Names

DASH = json.loads((Path(__file__).parents[1] / "data" / "report_dashboard.json").read_text(encoding="utf-8"))
COURTS = {"CT-350503": "泉州市丰泽区人民法院"}.get
# traditional collection of the fixture's cases per opening day: (claimed, recovered) fen
BY_DAY = {"2026-08-01": (400_000_000, 160_000_000), "2026-08-02": (434_567_800, 130_370_340),
          "2026-08-03": (400_000_000, 200_000_000)}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def visible_text(html: str) -> str:
    """What a reader sees: the page less its style, tags and the link to the other language's report."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    html = re.sub(r'<p class="meta"><a .*?</a></p>', "", html, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", html)


@pytest.fixture(scope="module")
def figs():
    return figures(DASH, 0.4, "Remedy 运行报告", "zh", Names("zh", COURTS), BY_DAY)


@pytest.fixture(scope="module")
def en():
    return figures(DASH, 0.4, "Remedy run report", "en", Names("en", COURTS), BY_DAY, reason_words)


def test_headline_figures_are_the_dashboards_formatted_the_chinese_way(figs):
    head = {f.key: (f.label, f.value, f.note) for f in figs.headline}
    assert head["cases"] == ("案件数", "1,234", "未结 234 · 已结 1,000")
    assert head["recovered"] == ("已回收", "¥8,024,691", "诉请 ¥12,345,678")
    assert head["recovery"] == ("回收率", "65.0%", "传统催收 40.0%")
    assert head["lift"][2] == "+62%" and head["lift"][1] in ("1.62倍", "1.63倍")
    assert head["cycle"][1:] == ("45.0 天", "90%分位 80.0 天")
    assert head["settled.PEOPLES_MEDIATION"] == ("人民调解和解", "600", "进入 900 件")
    assert head["settled.COURT_MEDIATION"] == ("法院诉前调解和解", "180", "进入 300 件")
    assert figs.as_of == "2026年12月4日"


def test_headline_figures_in_english_are_the_same_numbers(en, figs):
    head = {f.key: (f.label, f.value, f.note) for f in en.headline}
    assert head["cases"] == ("Cases", "1,234", "234 open · 1,000 closed")
    assert head["recovered"] == ("Recovered", "¥8,024,691", "of ¥12,345,678 claimed")
    assert head["recovery"] == ("Recovery rate", "65.0%", "traditional collection 40.0%")
    assert head["cycle"][1:] == ("45.0 days", "90th percentile 80.0 days")
    assert head["settled.COURT_MEDIATION"] == ("Settled in Court pre-litigation mediation", "180", "of 300 that entered")
    assert en.as_of == "4 Dec 2026"
    assert [f.key for f in en.headline] == [f.key for f in figs.headline]


def test_without_a_baseline_there_is_no_comparison():
    head = {f.key: f for f in figures(DASH, None, "t").headline}
    assert "lift" not in head and head["recovery"].note == "无传统催收基线"


def test_funnel_rows_split_each_stage_into_settled_escalated_and_the_rest(figs, en):
    rows = {r["stage"]: r for r in figs.funnel}
    assert [r["stage"] for r in figs.funnel] == [r["stage"] for r in DASH["funnel"]]
    pm = rows["PEOPLES_MEDIATION"]
    assert (pm["label"], pm["entered"], pm["settled"], pm["escalated"], pm["other"]) == ("人民调解", 900, 600, 250, 50)
    assert pm["settle_rate"] == "66.7%" and pm["p50"] == "20.0 天"
    assert rows["CLOSED"]["p50"] == "-"
    assert {r["stage"]: r["label"] for r in en.funnel}["PEOPLES_MEDIATION"] == "People's mediation"


def test_recovery_per_opening_day_against_that_days_baseline(figs):
    assert [p["label"] for p in figs.recovery] == ["2026年8月1日", "2026年8月2日", "2026年8月3日"]
    assert [round(p["rate"], 3) for p in figs.recovery] == [0.7, 0.65, 0.6]
    assert [round(p["base"], 3) for p in figs.recovery] == [0.4, 0.3, 0.5]
    assert [p["cases"] for p in figs.recovery] == [400, 434, 400]
    assert figs.baseline == 0.4 and figs.baseline_by_day


def test_without_per_day_figures_the_batchs_baseline_stands_on_every_day():
    f = figures(DASH, 0.4, "t")
    assert [p["base"] for p in f.recovery] == [0.4, 0.4, 0.4] and not f.baseline_by_day
    assert "整批 40.0%，无逐日数据" in page(f)


def test_one_opening_day_is_a_column_beside_its_baseline_not_a_dot():
    dash = {**DASH, "recovery": DASH["recovery"][:1]}
    html = page(figures(dash, 0.4, "t", "zh", baseline_days={"2026-08-01": (400_000_000, 100_000_000)}))
    chart = re.search(r'<svg[^>]*data-chart="recovery".*?</svg>', html, re.S).group(0)
    width = float(re.search(r'<rect [^>]*width="([\d.]+)"', chart).group(1))
    assert width > 100, "one day is a wide column"
    assert "stroke-dasharray" in chart and ">70.0%<" in chart and "2026年8月1日" in chart


def test_regions_courts_notices_deadlines_and_rejections_by_name(figs, en):
    assert figs.regions[0]["debtor"] == "福建省泉州市丰泽区" and figs.regions[0]["rate"] == "65.0%"
    assert figs.regions[0]["court"] == "泉州市丰泽区人民法院" and figs.regions_total == 2
    assert en.regions[0]["debtor"] == "Fengze District, Quanzhou, Fujian"
    assert en.regions[0]["lender"] == "Nanshan District, Shenzhen, Guangdong"
    assert en.regions[0]["court"] == "People's Court of Fengze District, Quanzhou, Fujian"
    assert {(n["label"], n["notices"]) for n in figs.notices} == {("延后 · 夜间免打扰", 42), ("已发送", 3100)}
    assert {(n["label"], n["notices"]) for n in en.notices} == {("Deferred · quiet hours", 42), ("Sent", 3100)}
    assert {d["label"]: d["cases"] for d in figs.deadlines}["调解期限已过"] == 3
    assert [(r["reason"], r["rejections"]) for r in en.rejections] == [("NATIONAL_ID_CHECKSUM", 11)]
    assert en.rejections[0]["label"] == "debtor.national_id fails the GB 11643 check digit"
    assert [c["label"] for c in figs.cycle] == ["法院诉前调解", "人民调解", "困难救助"]


def test_the_cycle_distribution_has_a_column_for_every_week_up_to_the_last(figs, en):
    assert [c["cases"] for c in figs.cycle_weeks] == [0, 0, 40, 160, 0, 420, 250, 0, 100, 0, 0, 30]
    assert figs.cycle_weeks[5]["label"] == "第 5–6 周" and en.cycle_weeks[5]["label"] == "week 5–6"


def test_the_page_is_self_contained_and_shows_every_headline_figure(figs):
    html = page(figs)
    assert not re.search(r"""<(script|link|img|iframe)\b""", html, re.I), "no script, stylesheet or image to fetch"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "url(" not in html and "@import" not in html
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    for f in figs.headline:
        assert f'data-key="{f.key}"' in html and f">{f.value}<" in html, f.key
    for label in ("案件漏斗", "回收率与传统催收对比", "结案周期", "跨地区案件", "通知", "期限逾期", "福建省泉州市丰泽区", "2026年12月4日"):
        assert label in html
    for chart in ("funnel", "recovery", "cycle", "cycle_weeks", "cross_region", "notices", "deadlines"):
        assert f'data-chart="{chart}"' in html
    assert html.count('class="frow" data-stage=') == len(DASH["funnel"])


def test_the_english_page_has_no_chinese_left_and_the_chinese_page_no_english_word():
    en = render(DASH, 0.4, M.text("title.report", "en", cases="1,234"), "en", BY_DAY, "report.html")
    assert '<html lang="en">' in en and "Chinese version" in en
    assert not CJK.findall(visible_text(en)), CJK.findall(visible_text(en))[:10]
    zh = render(DASH, 0.4, M.text("title.report", "zh", cases="1,234"), "zh", BY_DAY, "report.en.html")
    words = set(re.findall(r"[A-Za-z][A-Za-z']+", visible_text(zh)))
    # what stays Latin in Chinese: the product's name, the data source and the standard GB 11643
    assert words <= {"Remedy", "ClickHouse", "GB"}, words - {"Remedy", "ClickHouse", "GB"}


def test_every_catalogue_key_the_report_uses_exists_in_both_languages():
    for key in M.entries:
        assert M.text(key, "zh") and M.text(key, "en")


def test_the_cross_region_table_shows_the_largest_groups_and_counts_the_rest():
    dash = {**DASH, "cross_region": DASH["cross_region"] * 20}
    f = figures(dash, None, "t")
    assert len(f.regions) == 25 and f.regions_total == 40 and f.regions[0]["court"] == "CT-350503"
    assert "案件最多的 25 组，共 40 组" in page(f)
    assert "the 25 largest of 40 groups" in page(figures(dash, None, "t", "en"))


def test_a_dashboard_with_only_the_summary_still_renders():
    dash = {"summary": DASH["summary"]}
    assert "1,234" in page(figures(dash, None, "t")) and "暂无数据" in page(figures(dash, None, "t"))
    assert "no data" in page(figures(dash, None, "t", "en"))


def test_the_recovery_axis_has_round_steps_and_a_long_series_three_day_labels():
    from remedy.ops.report_charts import nice_step

    assert [nice_step(r) for r in (0.0797, 0.2, 0.011, 0.26, 0.03)] == [0.1, 0.2, 0.02, 0.5, 0.05]
    days = [{"day": f"2026-08-{d:02d}", "cases": 10, "claimed_cents": 100, "recovered_cents": 30 + d, "recovery": 0}
            for d in range(1, 31)]
    html = page(figures({**DASH, "recovery": days}, 0.25, "t", "en"))
    chart = re.search(r'<svg[^>]*data-chart="recovery".*?</svg>', html, re.S).group(0)
    assert re.findall(r">(\d+)%</text>", chart) == ["0", "20", "40", "60", "80"], "axis at round percentages"
    labels = re.findall(r">(\d+ Aug 2026)</text>", chart)
    assert labels == ["1 Aug 2026", "16 Aug 2026", "30 Aug 2026"]
    assert chart.count("<rect") == 30 and "<polyline" in chart, "a column a day, the baseline joined into a line"
