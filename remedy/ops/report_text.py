"""The run report as the operator's terminal prints it, in the terminal's language (remedy/ops/terminal.py):
the headline figures, the funnel as a table, notices and rejected defaults. The same figures as the HTML and PDF
report (remedy/ops/report.py), with the catalogue's names for stages, notice statuses and rules."""
from __future__ import annotations

from rich.cells import cell_len

from remedy.contract import i18n
from remedy.ops.progress import stage_name
from remedy.ops.report import reason_words
from remedy.ops.report_figures import rejection_rows
from remedy.ops.terminal import pad, rpad, text

REPORT = i18n.Messages.load("report")
COLUMNS = (("report.col.entered", 8), ("report.col.settled", 8), ("report.col.escalated", 9),
           ("report.col.settle_rate", 8), ("report.col.p50", 11), ("report.col.p90", 11))


def _named(prefix: str, code: str, lang: str) -> str:
    key = f"{prefix}.{code}"
    return REPORT.text(key, lang) if key in REPORT.entries else code


def _money(fen: int, lang: str) -> str:
    return i18n.money(fen, lang, cents=False)


def headline(s: dict, baseline_rate: float | None, lang: str) -> list[str]:
    n = lambda value: i18n.number(value, lang)   # noqa: E731
    out = [text("report.totals", lang, cases=n(s["cases"]), open=n(s["open"]), closed=n(s["closed"])),
           text("report.money", lang, claimed=_money(s["claimed_cents"], lang), recovered=_money(s["recovered_cents"], lang),
                recovery=i18n.percent(s["recovery"], lang))]
    if baseline_rate:
        times = s["recovery"] / baseline_rate
        out.append(text("report.baseline", lang, rate=i18n.percent(baseline_rate, lang), times=i18n.number(times, lang, 2),
                        change=f"{times - 1:+.0%}"))
    out.append(text("report.cycle", lang, p50=i18n.days(s["cycle_p50_seconds"], lang), p90=i18n.days(s["cycle_p90_seconds"], lang)))
    return out


def funnel(rows: list[dict], lang: str) -> list[str]:
    names = [stage_name(r["stage"], lang) for r in rows]
    first = max([20] + [cell_len(name) + 1 for name in names])
    out = [pad(text("report.col.stage", lang), first) + "".join(" " + rpad(text(k, lang), w) for k, w in COLUMNS)]
    for name, r in zip(names, rows):
        cells = (i18n.number(r["entered"], lang), i18n.number(r["settled"], lang), i18n.number(r["escalated"], lang),
                 i18n.percent(r["settle_rate"], lang), i18n.days(r["p50_seconds"], lang), i18n.days(r["p90_seconds"], lang))
        out.append(pad(name, first) + "".join(" " + rpad(cell, w) for cell, (_, w) in zip(cells, COLUMNS)))
    return out


def lines(dash: dict, baseline_rate: float | None, lang: str = i18n.DEFAULT) -> list[str]:
    """The report's lines: headline figures, the funnel, notices and rejected defaults."""
    sep = "；" if i18n.language(lang) == "zh" else "; "
    item = lambda what, count: text("report.item", lang, what=what, count=i18n.number(count, lang))   # noqa: E731
    notices = sep.join(item(_named("status", n.get("status") or "", lang)
                            + ("/" + _named("rule", n["rule"], lang) if n.get("rule") else ""), n.get("notices", 0))
                       for n in dash["compliance"]["notices"]) or text("report.none", lang)
    # the analytics rows are per (lender, reason): one figure per reason here
    reasons = sep.join(item(reason_words(r["reason"], lang), r["rejections"])
                       for r in rejection_rows(dash)) or text("report.none", lang)
    return (headline(dash["summary"], baseline_rate, lang) + [""] + funnel(dash["funnel"], lang) + [""]
            + [text("report.notices", lang, notices=notices), text("report.rejections", lang, reasons=reasons)])
