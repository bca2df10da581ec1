"""The run report: funnel, recovery against the traditional-collection baseline, cycle time and
compliance — every figure read from the analytics JSON API (so from ClickHouse) — as text, and as HTML and PDF
in Chinese and in English (``report_figures`` → ``report_html`` / ``report_charts`` → ``report_pdf``)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from remedy.contract import i18n
from remedy.ops.report_figures import DAY, figures, rejection_rows
from remedy.ops.report_html import page
from remedy.ops.report_names import Names, directory_names
from remedy.ops.report_pdf import print_pdf

Title = Callable[[str], str]   # a language → the report's title in it


def _days(seconds) -> str:
    return "-" if seconds is None else f"{seconds / DAY:.1f} d"


def _yuan(fen: int) -> str:
    return i18n.money(fen, "en", cents=False)


def lines(dash: dict, baseline_rate: float | None) -> list[str]:
    """The report as the operator's terminal prints it (the console speaks English, like the rest of `remedy`)."""
    s = dash["summary"]
    out = [f"cases {s['cases']:,}  open {s['open']:,}  closed {s['closed']:,}",
           f"claimed {_yuan(s['claimed_cents'])}  recovered {_yuan(s['recovered_cents'])}  recovery {s['recovery']:.1%}"]
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


def reason_words(code: str, lang: str) -> str:
    """A rejection reason as intake tells the lender (services/intake/reasons.py), the code when it has none."""
    from services.intake.reasons import REASONS

    if code not in REASONS:
        return code
    _fields, zh, en = REASONS[code]
    return zh if i18n.language(lang) == "zh" else en


def path_for(html_path: Path, lang: str) -> Path:
    """The first language's report is ``html_path``; another's is beside it: report.html → report.en.html."""
    return html_path.with_name(f"{html_path.stem}.{lang}{html_path.suffix}")


def render(dash: dict, baseline_rate: float | None, title: str, lang: str = i18n.DEFAULT,
           baseline_days: dict[str, tuple[int, int]] | None = None, other_language: str | None = None,
           directory: str | None = None) -> str:
    names = Names(lang, directory_names(directory))
    f = figures(dash, baseline_rate, title, lang, names, baseline_days, reason_words)
    return page(f, other_language)


def write(html_path: Path, dash: dict, baseline_rate: float | None, title: Title | str,
          langs: tuple[str, ...] = (i18n.DEFAULT,), baseline_days: dict[str, tuple[int, int]] | None = None,
          directory: str | None = None) -> list[str]:
    """Write the report as HTML and, beside it, as PDF, in each of ``langs`` (the first at ``html_path``, the others
    beside it, each linking to the next); the lines that say where (or why there is no PDF). ``directory``: the
    courts' names (the shipped directory when None)."""
    paths = [html_path] + [path_for(html_path, lang) for lang in langs[1:]]
    out = []
    for i, (lang, html) in enumerate(zip(langs, paths)):
        other = paths[(i + 1) % len(paths)].name if len(paths) > 1 else None
        text = title(lang) if callable(title) else title
        html.write_text(render(dash, baseline_rate, text, lang, baseline_days, other, directory), encoding="utf-8")
        pdf = html.with_suffix(".pdf")
        failed = print_pdf(html, pdf)
        tag = "" if i == 0 else f" ({lang})"
        out += [f"report{tag}: {html}", f"report{tag} (PDF): {pdf}" if failed is None else f"no PDF{tag}: {failed}"]
    return out
