"""The run report: funnel, recovery against the traditional-collection baseline, cycle time and
compliance — every figure read from the analytics JSON API (so from ClickHouse) — as text and HTML."""
from __future__ import annotations

import html
from pathlib import Path

DAY = 86400


def _cny(fen: float) -> str:
    return f"¥{fen / 100:,.0f}"


def _days(seconds) -> str:
    return "-" if seconds is None else f"{seconds / DAY:.1f} d"


def lines(dash: dict, baseline_rate: float | None) -> list[str]:
    s = dash["summary"]
    out = [f"cases {s['cases']:,}  open {s['open']:,}  closed {s['closed']:,}",
           f"claimed {_cny(s['claimed_cents'])}  recovered {_cny(s['recovered_cents'])}  recovery {s['recovery']:.1%}"]
    if baseline_rate:
        out.append(f"traditional-collection baseline {baseline_rate:.1%}  →  the funnel recovers "
                   f"{s['recovery'] / baseline_rate:.2f}x ({s['recovery'] / baseline_rate - 1:+.0%})")
    out.append(f"case cycle (closed cases): p50 {_days(s['cycle_p50_seconds'])}  p90 {_days(s['cycle_p90_seconds'])}")
    out.append("")
    out.append(f"{'stage':20s} {'entered':>8s} {'settled':>8s} {'escalated':>9s} {'settle%':>8s} {'p50':>8s} {'p90':>8s}")
    for r in dash["funnel"]:
        out.append(f"{r['stage']:20s} {r['entered']:8,d} {r['settled']:8,d} {r['escalated']:9,d} {r['settle_rate']:8.1%} "
                   f"{_days(r['p50_seconds']):>8s} {_days(r['p90_seconds']):>8s}")
    out.append("")
    out.append("notices: " + ", ".join(f"{n.get('status')}{'/' + n['rule'] if n.get('rule') else ''} {n.get('notices', 0):,}"
                                        for n in dash["compliance"]["notices"]))
    by_reason: dict[str, int] = {}  # the analytics rows are per (lender, reason): one figure per reason here
    for r in dash["rejections"]:
        by_reason[r.get("reason")] = by_reason.get(r.get("reason"), 0) + r.get("rejections", 0)
    out.append("rejected defaults: " + ", ".join(f"{reason} {n:,}" for reason, n in
                                                 sorted(by_reason.items(), key=lambda kv: (-kv[1], str(kv[0])))))
    return out


def write_html(path: Path, dash: dict, baseline_rate: float | None, title: str) -> None:
    rows = "".join(
        f"<tr><td>{html.escape(r['stage'])}</td><td>{r['entered']:,}</td><td>{r['settled']:,}</td><td>{r['escalated']:,}</td>"
        f"<td><svg width='200' height='12'><rect width='{200 * r['entered'] / max(1, dash['summary']['cases']):.0f}' "
        f"height='12' fill='#2b6cd6'/></svg></td><td>{_days(r['p50_seconds'])}</td><td>{_days(r['p90_seconds'])}</td></tr>"
        for r in dash["funnel"])
    text = "\n".join(html.escape(line) for line in lines(dash, baseline_rate))
    path.write_text(f"""<!doctype html><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em}}td,th{{padding:2px 10px;text-align:right}}td:first-child{{text-align:left}}</style>
<h1>{html.escape(title)}</h1><pre>{text}</pre>
<table><tr><th>stage</th><th>entered</th><th>settled</th><th>escalated</th><th></th><th>p50</th><th>p90</th></tr>{rows}</table>
""", encoding="utf-8")
