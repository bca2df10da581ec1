"""The report's charts as inline SVG and CSS bars: no script, no network, the same picture on screen and in print. Pure."""
from __future__ import annotations

from html import escape

SETTLED, ESCALATED, OTHER, BASE, LINE = "#2f9e63", "#e0882b", "#b8c2cc", "#8a94a0", "#2b6cd6"


def funnel(rows: list[dict]) -> str:
    """One bar per stage, as long as the cases that entered it, split into settled / escalated / the rest."""
    top = max([r["entered"] for r in rows] or [1]) or 1
    out = []
    for r in rows:
        parts = "".join(f'<span style="width:{100 * n / top:.2f}%;background:{color}"></span>'
                        for n, color in ((r["settled"], SETTLED), (r["escalated"], ESCALATED), (r["other"], OTHER)) if n)
        out.append(f'<div class="frow" data-stage="{escape(r["stage"])}"><div class="flabel">{escape(r["zh"])}'
                   f'<small>{escape(r["en"])}</small></div><div class="fbar">{parts}</div>'
                   f'<div class="fnum">{r["entered"]:,}<small>和解 {r["settled"]:,} · 升级 {r["escalated"]:,}</small></div></div>')
    legend = (f'<p class="legend"><i style="background:{SETTLED}"></i>和解 settled <i style="background:{ESCALATED}"></i>'
              f'升级 escalated <i style="background:{OTHER}"></i>其他/未结 other or open</p>')
    return f'<div class="funnel">{"".join(out)}</div>{legend}'


def recovery(series: list[dict], baseline: float | None, w: int = 560, h: int = 220) -> str:
    """Cumulative recovery rate by the day cases opened, with the baseline as a dashed line."""
    if not series:
        return '<p class="empty">暂无数据 · no data</p>'
    left, bottom, top_pad = 44, 28, 10
    peak = max([p["rate"] for p in series] + [baseline or 0, 0.01])
    top = min(1.0, peak * 1.15)
    x = lambda i: left + (w - left - 8) * (i / max(1, len(series) - 1))  # noqa: E731
    y = lambda r: top_pad + (h - bottom - top_pad) * (1 - r / top)  # noqa: E731
    grid = "".join(f'<line x1="{left}" x2="{w - 8}" y1="{y(t * top / 4):.1f}" y2="{y(t * top / 4):.1f}" stroke="#e3e7eb"/>'
                   f'<text x="{left - 4}" y="{y(t * top / 4) + 4:.1f}" text-anchor="end">{t * top / 4:.0%}</text>'
                   for t in range(5))
    points = " ".join(f"{x(i):.1f},{y(p['rate']):.1f}" for i, p in enumerate(series))
    line = f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2.5"/>'
    base = (f'<line x1="{left}" x2="{w - 8}" y1="{y(baseline):.1f}" y2="{y(baseline):.1f}" stroke="{BASE}" '
            f'stroke-dasharray="6 4" stroke-width="2"/>') if baseline else ""
    ends = (f'<text x="{left}" y="{h - 8}">{escape(series[0]["label"])}</text>'
            f'<text x="{w - 8}" y="{h - 8}" text-anchor="end">{escape(series[-1]["label"])}</text>')
    legend = (f'<p class="legend"><i style="background:{LINE}"></i>Remedy 回收率（累计）cumulative recovery'
              + (f' <i style="background:{BASE}"></i>传统催收 traditional collection {baseline:.1%}' if baseline else "")
              + "</p>")
    return _svg(w, h, "recovery", grid + base + line + ends) + legend


def cycle(rows: list[dict]) -> str:
    """Closed cases' cycle time per route: a dark bar to the median, a light one on to the 90th percentile."""
    if not rows:
        return '<p class="empty">暂无已结案件 · no closed cases</p>'
    top = max(r["p90_days"] for r in rows) or 1
    out = "".join(
        f'<div class="frow"><div class="flabel">{escape(r["zh"])}<small>{escape(r["en"])}</small></div><div class="fbar">'
        f'<span style="width:{100 * r["p50_days"] / top:.2f}%;background:{LINE}"></span>'
        f'<span style="width:{100 * (r["p90_days"] - r["p50_days"]) / top:.2f}%;background:{OTHER}"></span></div>'
        f'<div class="fnum">{r["p50_days"]:.0f} / {r["p90_days"]:.0f} 天<small>{r["closed"]:,} 件 cases</small></div></div>'
        for r in rows)
    legend = (f'<p class="legend"><i style="background:{LINE}"></i>中位数 median <i style="background:{OTHER}"></i>'
              f'至 P90 to the 90th percentile（天 days，按分流路径 by route）</p>')
    return f'<div class="bars" data-chart="cycle">{out}</div>{legend}'


def histogram(weeks: list[dict], w: int = 560, h: int = 180) -> str:
    """Closed cases per week of cycle time, one column a week."""
    if not weeks:
        return ""
    left, bottom = 8, 22
    top = max(c["cases"] for c in weeks) or 1
    step = (w - 2 * left) / len(weeks)
    cols = "".join(
        f'<rect x="{left + i * step + 1:.1f}" y="{h - bottom - (h - bottom - 16) * c["cases"] / top:.1f}" '
        f'width="{max(1.0, step - 2):.1f}" height="{(h - bottom - 16) * c["cases"] / top:.1f}" fill="{LINE}">'
        f'<title>{escape(c["label"])}: {c["cases"]:,}</title></rect>' for i, c in enumerate(weeks))
    ticks = "".join(f'<text x="{left + i * step + step / 2:.1f}" y="{h - 6}" text-anchor="middle">{c["week"]}</text>'
                    for i, c in enumerate(weeks) if c["week"] % max(1, len(weeks) // 8) == 0)
    peak = f'<text x="{w - left}" y="12" text-anchor="end">最多 max {top:,} 件/周</text>'
    return (_svg(w, h, "cycle_weeks", cols + ticks + peak)
            + '<p class="legend">已结案件按结案周期（周）分布 · closed cases by weeks from opening to close</p>')


def bars(rows: list[tuple[str, str, int]], chart: str) -> str:
    """Horizontal CSS bars: (label, small English label, value)."""
    top = max([n for *_, n in rows] or [1]) or 1
    return f'<div class="bars" data-chart="{chart}">' + "".join(
        f'<div class="frow"><div class="flabel">{escape(zh)}<small>{escape(en)}</small></div><div class="fbar">'
        f'<span style="width:{100 * n / top:.2f}%;background:{LINE}"></span></div><div class="fnum">{n:,}</div></div>'
        for zh, en, n in rows) + "</div>"


def _svg(w: int, h: int, chart: str, body: str) -> str:
    return (f'<svg class="chart" data-chart="{chart}" viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" '
            f'role="img">{body}</svg>')
