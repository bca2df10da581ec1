"""The run report: funnel, recovery against the traditional-collection baseline, cycle time and
compliance — every figure read from the analytics JSON API (so from ClickHouse) — as text, and as HTML and PDF
(``report_figures`` → ``report_html`` / ``report_charts`` → ``report_pdf``)."""
from __future__ import annotations

from pathlib import Path

from remedy.contract.directory import Directory, DirectoryError
from remedy.ops.report_figures import DAY, figures, rejection_rows, yuan
from remedy.ops.report_html import page
from remedy.ops.report_pdf import print_pdf


def _days(seconds) -> str:
    return "-" if seconds is None else f"{seconds / DAY:.1f} d"


def lines(dash: dict, baseline_rate: float | None) -> list[str]:
    s = dash["summary"]
    out = [f"cases {s['cases']:,}  open {s['open']:,}  closed {s['closed']:,}",
           f"claimed {yuan(s['claimed_cents'])}  recovered {yuan(s['recovered_cents'])}  recovery {s['recovery']:.1%}"]
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
    # the analytics rows are per (lender, reason): one figure per reason here
    out.append("rejected defaults: " + ", ".join(f"{r['reason']} {r['rejections']:,}" for r in rejection_rows(dash)))
    return out


def court_names():
    """Court ids as names, from the shipped directory (an id it lacks, or no directory, shows as the id)."""
    try:
        directory = Directory.load()
    except DirectoryError:
        return str
    return lambda court: directory.entry(court).name


def write(html_path: Path, dash: dict, baseline_rate: float | None, title: str) -> list[str]:
    """Write the report as HTML and, beside it, as PDF; the lines that say where (or why there is no PDF)."""
    html_path.write_text(page(figures(dash, baseline_rate, title, court_names())), encoding="utf-8")
    pdf = html_path.with_suffix(".pdf")
    failed = print_pdf(html_path, pdf)
    return [f"report: {html_path}", f"report (PDF): {pdf}" if failed is None else f"no PDF: {failed}"]
