"""The report as one self-contained HTML page in one language: figures in, a string out (inline CSS and SVG, no
script, nothing fetched when it is viewed). Readable on a phone (390 px: nothing wider than the screen, the wide
table scrolls in its own box) and printed on A4. Pure."""
from __future__ import annotations

from html import escape

from remedy.contract import i18n
from remedy.ops import report_charts as charts
from remedy.ops.report_figures import Figures

FONTS = '"WenQuanYi Micro Hei","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif'
CSS = f"""*{{box-sizing:border-box}}html{{-webkit-text-size-adjust:100%}}
body{{font:15px/1.5 {FONTS};color:#1d2630;margin:0 auto;padding:16px;max-width:980px;overflow-wrap:anywhere}}
h1{{font-size:1.5em;margin:.2em 0}}h2{{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:2px solid #e3e7eb}}
h3{{font-size:1em;margin:1.2em 0 .4em}}small,.sub{{color:#6b7681;font-size:.8em;font-weight:normal}}
h2 small{{display:block;margin:0 0 .2em}}.meta{{color:#6b7681;font-size:.85em;margin:0}}
.kpis{{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin-top:12px}}
.kpi{{border:1px solid #e3e7eb;border-radius:8px;padding:10px 12px;break-inside:avoid;min-width:0}}
.kpi .l{{display:block;color:#4a5560;font-size:.9em}}.kpi .v{{font-size:1.6em;font-weight:bold;display:block;line-height:1.25}}
.kpi .n{{color:#6b7681;font-size:.85em}}
.frow{{display:grid;grid-template-columns:10em minmax(0,1fr) 9em;gap:8px;align-items:center;margin:4px 0;break-inside:avoid}}
.frow>div{{min-width:0}}.fnum small{{display:block;margin:0}}.fnum{{text-align:right;font-variant-numeric:tabular-nums}}
.fbar{{display:flex;height:18px;background:#f4f6f8;border-radius:3px;overflow:hidden}}.fbar span{{display:block;height:100%}}
.legend{{font-size:.8em;color:#4a5560;display:flex;flex-wrap:wrap;gap:2px 14px}}
.legend i{{display:inline-block;width:10px;height:10px;margin-right:4px}}
svg.chart{{display:block;width:100%;max-width:640px;height:auto;font-size:12px;fill:#4a5560}}/* user units: 17 of 560 read as 12 px at 390 */
.scroll{{overflow-x:auto;max-width:100%}}table{{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}}
table.wide{{min-width:44em}}td{{white-space:nowrap}}td.t{{white-space:normal;overflow-wrap:normal;min-width:6em}}
th,td{{padding:4px 8px;border-bottom:1px solid #e3e7eb;text-align:right;vertical-align:top}}
th{{white-space:nowrap;overflow-wrap:normal}}th.t{{white-space:normal}}
th:first-child,td:first-child,.t{{text-align:left}}
section{{break-inside:avoid-page}}.empty{{color:#6b7681}}
@media (max-width:600px){{body{{padding:10px;font-size:14px}}.frow{{grid-template-columns:6.5em minmax(0,1fr) 6.5em}}
.kpis{{grid-template-columns:repeat(2,minmax(0,1fr))}}.kpi .v{{font-size:1.3em}}
svg.chart{{font-size:17px}}}}
@media print{{body{{max-width:none;padding:0;font-size:13px}}@page{{size:A4;margin:14mm}}table.wide{{min-width:0}}
td{{white-space:normal}}.scroll{{overflow:visible}}}}"""


def _kpis(f: Figures) -> str:
    return '<div class="kpis">' + "".join(
        f'<div class="kpi" data-key="{escape(k.key)}"><span class="l">{escape(k.label)}</span>'
        f'<span class="v">{escape(k.value)}</span><span class="n">{escape(k.note)}</span></div>' for k in f.headline) + "</div>"


def _table(f: Figures, head: list[str], rows: list[list[str]], chart: str, text_columns: int = 1, wide: bool = False) -> str:
    if not rows:
        return f'<p class="empty">{escape(f.t("no_data"))}</p>'
    th = "".join(f'<th{" class=t" if i < text_columns else ""}>{escape(f.t(key))}</th>' for i, key in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td{" class=t" if i < text_columns else ""}>{escape(str(c))}</td>' for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    cls = ' class="wide"' if wide else ""
    return f'<div class="scroll" data-chart="{chart}"><table{cls}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _section(f: Figures, key: str, body: str, sub: bool = True) -> str:
    note = f"<small>{escape(f.t(key + '.sub'))}</small>" if sub else ""
    return f'<section data-section="{key.removeprefix("section.")}"><h2>{escape(f.t(key))}{note}</h2>{body}</section>'


def _regions(f: Figures) -> str:
    head = ["col.debtor", "col.lender", "col.court", "col.cases", "col.cross", "col.recovered", "col.recovery"]
    shown, total = len(f.regions), f.regions_total
    more = (f'<p class="legend">{escape(f.t("regions.more", shown=shown, total=i18n.number(total)))}</p>'
            if total > shown else "")
    return _table(f, head, [[r["debtor"], r["lender"], r["court"], r["cases"], r["cross"], r["recovered"], r["rate"]]
                            for r in f.regions], "cross_region", text_columns=3, wide=True) + more


def _compliance(f: Figures) -> str:
    notices = (charts.bars([(n["label"], n["notices"]) for n in f.notices], "notices") if f.notices
               else f'<p class="empty">{escape(f.t("no_notices"))}</p>')
    deadlines = _table(f, ["col.deadline", "col.overdue"], [[d["label"], i18n.number(d["cases"])] for d in f.deadlines],
                       "deadlines")
    rejected = (charts.bars([(r["label"], r["rejections"]) for r in f.rejections], "rejections") if f.rejections
                else f'<p class="empty">{escape(f.t("none"))}</p>')
    return (f"<h3>{escape(f.t('h.notices'))}</h3>{notices}<h3>{escape(f.t('h.deadlines'))}</h3>{deadlines}"
            f"<h3>{escape(f.t('h.rejections'))}</h3>{rejected}")


def page(f: Figures, other_language: str | None = None) -> str:
    """The page; ``other_language``: the file name of the same report in the other language, linked under the title."""
    sections = [
        _section(f, "section.funnel", charts.funnel(f.funnel, f.t)),
        _section(f, "section.recovery", charts.recovery(f.recovery, f.baseline, f.baseline_by_day, f.t, f.lang)),
        _section(f, "section.cycle", charts.histogram(f.cycle_weeks, f.t) + charts.cycle(f.cycle, f.t)),
        _section(f, "section.regions", _regions(f)),
        _section(f, "section.compliance", _compliance(f), sub=False),
    ]
    link = (f'<p class="meta"><a href="{escape(other_language)}">{escape(f.t("other_language", file=other_language))}</a></p>'
            if other_language else "")
    return (f'<!doctype html><html lang="{"zh-CN" if f.lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><title>{escape(f.title)}</title>'
            f"<style>{CSS}</style></head><body><header><h1>{escape(f.title)}</h1>"
            f'<p class="meta">{escape(f.t("as_of", day=f.as_of))}</p>{link}'
            f"</header>{_kpis(f)}{''.join(sections)}</body></html>")
