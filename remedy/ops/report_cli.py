"""``remedy report``: the run report from the running analytics service, printed in the terminal's language and
written as HTML and PDF in it; the baseline comes from the last ``remedy run`` (its run.json), if any."""
from __future__ import annotations

import json
import urllib.error
from pathlib import Path

from remedy.kernel.settings import Settings
from remedy.ops.replay_cli import fail
from remedy.ops.terminal import text
from services.analytics.settings import AnalyticsSettings


def _baseline(run_file: Path, lang: str) -> tuple[float | None, dict | None]:
    """The last run's baseline rate and its per-opening-day figures, and a line saying where they come from."""
    from remedy.ops.report_baseline import from_run

    try:
        run = json.loads(run_file.read_text(encoding="utf-8"))
        rate, cases, days = float(run["baseline_recovery"]), int(run["cases"]), from_run(run)
    except FileNotFoundError:
        print(text("report.no_baseline", lang, path=run_file))
        return None, None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(text("report.baseline_unreadable", lang, path=run_file, why=f"{type(exc).__name__}: {exc}"))
        return None, None
    print(text("report.baseline_from", lang, cases=f"{cases:,}", path=run_file))
    return rate, days


def report(settings: Settings, analytics: AnalyticsSettings, html_path: str | None, lang: str = "zh",
           directory: str | None = None) -> int:
    """The run report from analytics in ``lang``; the courts' names from the directory documents print
    (``directory``, else the shipped one)."""
    from remedy.contract.i18n import Messages
    from remedy.ops.dashboard_client import fetch_dashboard, ops_token
    from remedy.ops.report import path_for, write
    from remedy.ops.report_text import lines

    url = f"http://127.0.0.1:{analytics.port}"
    try:
        dash = fetch_dashboard(analytics, ops_token(analytics))
        lines(dash, None, lang)   # a dashboard the report cannot read fails here, before anything is printed
    except StopIteration:
        return fail(text("report.no_ops_token", lang), lang)
    except urllib.error.HTTPError as exc:
        return fail(text("report.http", lang, url=url, code=exc.code, reason=exc.reason), lang)
    except (OSError, ValueError) as exc:
        return fail(text("report.unreachable", lang, url=url, reason=getattr(exc, "reason", exc)), lang)
    except (KeyError, TypeError) as exc:
        return fail(text("report.unreadable", lang, url=url, missing=exc), lang)
    base, by_day = _baseline(Path(settings.data_dir) / "run.json", lang)
    snap = dash.get("snapshot")
    if snap and snap.get("current") is False:   # the dashboard's figures lag what analytics has written
        print(text("report.snapshot_behind", lang, seconds=f"{snap.get('age_seconds', 0):.0f}"))
    print()
    print("\n".join(lines(dash, base, lang)))
    default = Path(settings.data_dir) / "report.html"
    out = Path(html_path) if html_path else (default if lang == "zh" else path_for(default, lang))
    title = Messages.load("report").text("title.report", lang, cases=f"{dash['summary']['cases']:,}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        written = write(out, dash, base, title, (lang,), by_day, directory, terminal=lang)
    except OSError as exc:
        return fail(text("report.cannot_write", lang, path=out, why=exc), lang)
    print("\n" + "\n".join(written))
    return 0
