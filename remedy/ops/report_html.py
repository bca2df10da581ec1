"""The report as one self-contained HTML page: figures in, a string out (inline CSS and SVG, no script,
nothing fetched when it is viewed). Chinese first, the English in smaller type. Pure."""
from __future__ import annotations

from html import escape

from remedy.ops import report_charts as charts
from remedy.ops.report_figures import Figures

FONTS = '"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif'
CSS = f"""*{{box-sizing:border-box}}html{{-webkit-text-size-adjust:100%}}
body{{font:15px/1.5 {FONTS};color:#1d2630;margin:0 auto;padding:16px;max-width:980px;overflow-wrap:anywhere}}
h1{{font-size:1.5em;margin:.2em 0}}h2{{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:2px solid #e3e7eb}}
small,.en{{color:#6b7681;font-size:.75em;font-weight:normal;margin-left:.4em}}
.kpis{{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}}
.kpi{{border:1px solid #e3e7eb;border-radius:8px;padding:10px 12px;break-inside:avoid}}
.kpi .v{{font-size:1.6em;font-weight:bold;display:block}}.kpi .l small{{display:block;margin:0}}
.kpi .n{{color:#6b7681;font-size:.85em}}
.frow{{display:grid;grid-template-columns:9em 1fr 9em;gap:8px;align-items:center;margin:4px 0;break-inside:avoid}}
.flabel small,.fnum small{{display:block;margin:0}}.fnum{{text-align:right;font-variant-numeric:tabular-nums}}
.fbar{{display:flex;height:18px;background:#f4f6f8;border-radius:3px;overflow:hidden}}.fbar span{{display:block;height:100%}}
.legend{{font-size:.8em;color:#4a5560}}.legend i{{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}}
svg.chart{{display:block;width:100%;max-width:600px;height:auto;font-size:13px;fill:#4a5560}}
.scroll{{overflow-x:auto;max-width:100%}}table{{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}}
table.wide{{min-width:44em}}td{{white-space:nowrap}}td.t{{white-space:normal;overflow-wrap:normal;min-width:6em}}
th,td{{padding:4px 8px;border-bottom:1px solid #e3e7eb;text-align:right;vertical-align:top}}
th:first-child,td:first-child,td.t{{text-align:left}}th small{{display:block;margin:0}}
section{{break-inside:avoid-page}}.empty{{color:#6b7681}}
@media (max-width:600px){{body{{padding:10px;font-size:14px}}.frow{{grid-template-columns:6.5em 1fr 6.5em}}}}
@media print{{body{{max-width:none;padding:0}}@page{{size:A4;margin:14mm}}}}"""


def _kpis(f: Figures) -> str:
    return '<div class="kpis">' + "".join(
        f'<div class="kpi" data-key="{escape(k.key)}"><span class="l">{escape(k.zh)}<small>{escape(k.en)}</small></span>'
        f'<span class="v">{escape(k.value)}</span><span class="n">{escape(k.note)}</span></div>' for k in f.headline) + "</div>"


def _table(head: list[tuple[str, str]], rows: list[list[str]], chart: str, text_columns: int = 1, wide: bool = False) -> str:
    if not rows:
        return '<p class="empty">暂无数据 · no data</p>'
    th = "".join(f"<th>{escape(zh)}<small>{escape(en)}</small></th>" for zh, en in head)
    body = "".join("<tr>" + "".join(f'<td{" class=t" if i < text_columns else ""}>{escape(str(c))}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    cls = ' class="wide"' if wide else ""
    return f'<div class="scroll" data-chart="{chart}"><table{cls}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _section(zh: str, en: str, body: str) -> str:
    return f"<section><h2>{escape(zh)}<small>{escape(en)}</small></h2>{body}</section>"


def _regions(f: Figures) -> str:
    head = [("债务人所在地", "debtor region"), ("出借人所在地", "lender region"), ("法院", "court"), ("案件", "cases"),
            ("跨地区", "cross-region"), ("已回收", "recovered"), ("回收率", "recovery")]
    more = (f'<p class="legend">案件最多的 {len(f.regions)} 组，共 {f.regions_total:,} 组 · the {len(f.regions)} largest of '
            f'{f.regions_total:,} groups</p>') if f.regions_total > len(f.regions) else ""
    return _table(head, [[r["debtor"], r["lender"], r["court"], r["cases"], r["cross"], r["recovered"], r["rate"]]
                         for r in f.regions], "cross_region", text_columns=3, wide=True) + more


def _compliance(f: Figures) -> str:
    notices = charts.bars([(n["status"] + (f" · {n['rule']}" if n["rule"] else ""), n["status_en"], n["notices"])
                           for n in f.notices], "notices") if f.notices else '<p class="empty">暂无通知 · no notices</p>'
    deadlines = _table([("期限", "deadline"), ("逾期案件", "cases past it")],
                       [[d["zh"] + " · " + d["en"], f"{d['cases']:,}"] for d in f.deadlines], "deadlines")
    rejected = charts.bars([(r["reason"], "", r["rejections"]) for r in f.rejections], "rejections") \
        if f.rejections else '<p class="empty">无 · none</p>'
    return (f"<h3>通知（按状态/规则）<small>notices by status and rule</small></h3>{notices}"
            f"<h3>期限逾期<small>deadline breaches</small></h3>{deadlines}"
            f"<h3>不予受理的违约记录<small>rejected defaults by reason</small></h3>{rejected}")


def page(f: Figures) -> str:
    sections = [
        _section("案件漏斗", "funnel: entered → settled / escalated per stage", charts.funnel(f.funnel)),
        _section("回收率与传统催收对比", "recovery over time against traditional collection", charts.recovery(f.recovery, f.baseline)),
        _section("结案周期", "cycle time of closed cases", charts.histogram(f.cycle_weeks) + charts.cycle(f.cycle)),
        _section("跨地区案件", "cross-region cases", _regions(f)),
        _section("合规", "compliance", _compliance(f)),
    ]
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(f.title)}</title>'
            f"<style>{CSS}</style></head><body><header><h1>{escape(f.title)}</h1>"
            f'<p class="en">数据截至 {escape(f.as_of)} · 全部数字取自 ClickHouse（分析服务） · every figure from ClickHouse</p>'
            f"</header>{_kpis(f)}{''.join(sections)}</body></html>")
