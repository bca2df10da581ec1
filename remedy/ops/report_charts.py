"""The report's charts as inline SVG and CSS bars: no script, no network, the same picture on screen and in print.
Every SVG scales with its ``viewBox`` to the width it is given (a phone's 390 px or an A4 page). Pure."""
from __future__ import annotations

import math
from html import escape
from typing import Callable

from remedy.contract import i18n

SETTLED, ESCALATED, OTHER, BASE, LINE = "#2f9e63", "#e0882b", "#b8c2cc", "#39424c", "#2b6cd6"
Words = Callable[..., str]   # a catalogue key (and values) → words in the report's language


def legend(items: list[tuple[str, str]], dashed: str = "") -> str:
    keys = "".join(f'<span><i style="background:{color}"></i>{escape(label)}</span>' for color, label in items)
    return f'<p class="legend">{keys}{escape(dashed)}</p>'


def funnel(rows: list[dict], t: Words) -> str:
    """One bar per stage, as long as the cases that entered it, split into settled / escalated / the rest."""
    top = max([r["entered"] for r in rows] or [1]) or 1
    out = []
    for r in rows:
        parts = "".join(f'<span style="width:{100 * n / top:.2f}%;background:{color}"></span>'
                        for n, color in ((r["settled"], SETTLED), (r["escalated"], ESCALATED), (r["other"], OTHER)) if n)
        split = (t("funnel.split", settled=i18n.number(r["settled"]), escalated=i18n.number(r["escalated"]))
                 if r["settled"] or r["escalated"] else "")
        out.append(f'<div class="frow" data-stage="{escape(r["stage"])}"><div class="flabel">{escape(r["label"])}</div>'
                   f'<div class="fbar">{parts}</div><div class="fnum">{i18n.number(r["entered"])}<small>{escape(split)}</small>'
                   f'</div></div>')
    keys = [(SETTLED, t("legend.settled")), (ESCALATED, t("legend.escalated")), (OTHER, t("legend.other"))]
    return f'<div class="funnel" data-chart="funnel">{"".join(out)}</div>{legend(keys)}'


def recovery(series: list[dict], baseline: float | None, by_day: bool, t: Words, lang: str,
             w: int = 560, h: int = 240) -> str:
    """Per opening day: a column for the recovery of that day's cases, a dashed mark for the traditional-collection
    baseline of the same cases, joined into a line when there are several days (one day is one column, not a dot)."""
    if not series:
        return f'<p class="empty">{escape(t("no_data"))}</p>'
    left, right, bottom, top_pad = 44, 8, 30, 18
    peak = max([p["rate"] for p in series] + [p["base"] or 0 for p in series] + [0.01])
    tick = nice_step(peak * 1.1 / 4)
    top = min(1.0, tick * math.ceil(peak * 1.1 / tick))
    step = (w - left - right) / len(series)
    x = lambda i: left + step * i  # noqa: E731
    y = lambda r: top_pad + (h - bottom - top_pad) * (1 - r / top)  # noqa: E731
    levels = [k * tick for k in range(round(top / tick) + 1)]
    grid = "".join(f'<line x1="{left}" x2="{w - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e7eb"/>'
                   f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{i18n.percent(v, lang, 0)}</text>' for v in levels)
    gap = max(step * 0.2 if len(series) > 1 else 0.0, step - 140)   # a column at most 140 wide, centred in its day
    cols, marks, line = [], [], []
    for i, p in enumerate(series):
        tip = t("recovery.day", day=p["label"], rate=i18n.percent(p["rate"], lang), cases=i18n.number(p["cases"]))
        if p["base"] is not None:
            tip += " · " + t("recovery.base", rate=i18n.percent(p["base"], lang))
        cols.append(f'<rect x="{x(i) + gap / 2:.1f}" y="{y(p["rate"]):.1f}" width="{max(1.0, step - gap):.1f}" '
                    f'height="{y(0) - y(p["rate"]):.1f}" fill="{LINE}"><title>{escape(tip)}</title></rect>')
        if len(series) <= 12:
            cols.append(f'<text x="{x(i) + step / 2:.1f}" y="{y(p["rate"]) - 4:.1f}" text-anchor="middle">'
                        f'{i18n.percent(p["rate"], lang)}</text>')
        if p["base"] is not None:
            marks.append(f'<line x1="{x(i) + gap / 4:.1f}" x2="{x(i) + step - gap / 4:.1f}" y1="{y(p["base"]):.1f}" '
                         f'y2="{y(p["base"]):.1f}" stroke="{BASE}" stroke-width="3" stroke-dasharray="6 3"/>')
            line.append(f"{x(i) + step / 2:.1f},{y(p['base']):.1f}")
    joined = (f'<polyline points="{" ".join(line)}" fill="none" stroke="{BASE}" stroke-width="2" '
              f'stroke-dasharray="4 3"/>') if len(line) > 1 else ""
    ticks = _day_ticks(series, x, step, h)
    keys = [(LINE, t("legend.remedy"))]
    if baseline is not None:
        keys.append((BASE, t("legend.baseline" if by_day else "legend.baseline.flat", rate=i18n.percent(baseline, lang))))
    return _svg(w, h, "recovery", grid + "".join(cols) + "".join(marks) + joined + ticks) + legend(keys)


def nice_step(rough: float) -> float:
    """The round step (1, 2, 2.5 or 5 × a power of ten) at least ``rough``: axis lines at 10%, 20%, … not 17%, 33%."""
    power = 10 ** math.floor(math.log10(rough)) if rough > 0 else 0.01
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= rough - 1e-12)


def _day_ticks(series: list[dict], x, step: float, h: int) -> str:
    """Every day's label up to three days, else the first, the middle and the last (a date is wide on a phone)."""
    n = len(series)
    shown = range(n) if n <= 3 else sorted({0, n // 2, n - 1})
    return "".join(f'<text x="{x(i) + step / 2:.1f}" y="{h - 10}" text-anchor="{_anchor(i, n)}">{escape(series[i]["label"])}</text>'
                   for i in shown)


def _anchor(i: int, n: int) -> str:
    return "middle" if n <= 3 else ("start" if i == 0 else "end" if i == n - 1 else "middle")


def cycle(rows: list[dict], t: Words) -> str:
    """Closed cases' cycle time per route: a dark bar to the median, a light one on to the 90th percentile."""
    if not rows:
        return f'<p class="empty">{escape(t("cycle.none"))}</p>'
    top = max(r["p90_days"] for r in rows) or 1
    out = "".join(_cycle_row(r, top, t) for r in rows)
    return (f'<div class="bars" data-chart="cycle">{out}</div>'
            + legend([(LINE, t("cycle.legend.median")), (OTHER, t("cycle.legend.p90"))]))


def _cycle_row(r: dict, top: float, t: Words) -> str:
    figure = t("cycle.route", p50=f"{r['p50_days']:.0f}", p90=f"{r['p90_days']:.0f}")
    cases = t("cycle.route.cases" if r["closed"] != 1 else "cycle.route.case", cases=i18n.number(r["closed"]))
    return (f'<div class="frow"><div class="flabel">{escape(r["label"])}</div><div class="fbar">'
            f'<span style="width:{100 * r["p50_days"] / top:.2f}%;background:{LINE}"></span>'
            f'<span style="width:{100 * (r["p90_days"] - r["p50_days"]) / top:.2f}%;background:{OTHER}"></span></div>'
            f'<div class="fnum">{escape(figure)}<small>{escape(cases)}</small></div></div>')


def histogram(weeks: list[dict], t: Words, w: int = 560, h: int = 190) -> str:
    """Closed cases per week of cycle time, one column a week."""
    if not weeks:
        return ""
    left, bottom, top_pad = 8, 24, 18
    top = max(c["cases"] for c in weeks) or 1
    step = (w - 2 * left) / len(weeks)
    height = lambda n: (h - bottom - top_pad) * n / top  # noqa: E731
    cols = "".join(
        f'<rect x="{left + i * step + 1:.1f}" y="{h - bottom - height(c["cases"]):.1f}" '
        f'width="{max(1.0, step - 2):.1f}" height="{height(c["cases"]):.1f}" fill="{LINE}">'
        f'<title>{escape(c["label"])}: {i18n.number(c["cases"])}</title></rect>' for i, c in enumerate(weeks))
    ticks = "".join(f'<text x="{left + i * step + step / 2:.1f}" y="{h - 8}" text-anchor="middle">{c["week"]}</text>'
                    for i, c in enumerate(weeks) if c["week"] % max(1, len(weeks) // 8) == 0)
    peak = f'<text x="{w - left}" y="12" text-anchor="end">{escape(t("cycle.weeks.max", cases=i18n.number(top)))}</text>'
    axis = f'<text x="{left}" y="12">{escape(t("cycle.weeks.axis"))}</text>'
    return _svg(w, h, "cycle_weeks", cols + ticks + peak + axis) + f'<p class="legend">{escape(t("cycle.weeks.legend"))}</p>'


def bars(rows: list[tuple[str, int]], chart: str) -> str:
    """Horizontal CSS bars: (label, value)."""
    top = max([n for _, n in rows] or [1]) or 1
    return f'<div class="bars" data-chart="{chart}">' + "".join(
        f'<div class="frow"><div class="flabel">{escape(label)}</div><div class="fbar">'
        f'<span style="width:{100 * n / top:.2f}%;background:{LINE}"></span></div><div class="fnum">{i18n.number(n)}</div></div>'
        for label, n in rows) + "</div>"


def _svg(w: int, h: int, chart: str, body: str) -> str:
    return (f'<svg class="chart" data-chart="{chart}" viewBox="0 0 {w} {h}" preserveAspectRatio="xMinYMin meet" '
            f'role="img">{body}</svg>')
