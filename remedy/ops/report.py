"""The run report: funnel, recovery against the traditional-collection baseline, cycle time and
compliance — every figure read from the analytics JSON API (so from ClickHouse) — as HTML and PDF in Chinese and
in English (``report_figures`` → ``report_html`` / ``report_charts`` → ``report_pdf``); the terminal's lines are
``report_text``."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from remedy.contract import i18n
from remedy.ops.report_figures import figures
from remedy.ops.report_html import page
from remedy.ops.report_names import Names, directory_names
from remedy.ops.report_pdf import NO_BROWSER, print_pdf

Title = Callable[[str], str]   # a language → the report's title in it


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
          directory: str | None = None, terminal: str = i18n.DEFAULT) -> list[str]:
    """Write the report as HTML and, beside it, as PDF, in each of ``langs`` (the first at ``html_path``, the others
    beside it, each linking to the next); the lines that say where (or why there is no PDF), in the ``terminal``'s
    language. ``directory``: the courts' names (the shipped directory when None)."""
    from remedy.ops.terminal import text

    paths = [html_path] + [path_for(html_path, lang) for lang in langs[1:]]
    out = []
    for i, (lang, html) in enumerate(zip(langs, paths)):
        other = paths[(i + 1) % len(paths)].name if len(paths) > 1 else None
        words = title(lang) if callable(title) else title
        html.write_text(render(dash, baseline_rate, words, lang, baseline_days, other, directory), encoding="utf-8")
        pdf = html.with_suffix(".pdf")
        failed = print_pdf(html, pdf)
        why = text("report.no_browser", terminal) if failed == NO_BROWSER else failed
        tag = "" if i == 0 else ".other"
        language = text(f"language.{lang}", terminal)
        out += [text("report.written" + tag, terminal, path=html, language=language),
                text("report.pdf" + tag, terminal, path=pdf, language=language) if failed is None
                else text("report.no_pdf" + tag, terminal, why=why, language=language)]
    return out
