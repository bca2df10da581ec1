"""What ``remedy run`` and ``remedy report`` read of analytics' dashboard API, and what its progress bars are drawn from."""
from __future__ import annotations

import json
import time
import urllib.request

from remedy.ops.stack import StackError
from remedy.ops.terminal import text
from services.analytics.settings import AnalyticsSettings

def ops_token(analytics: AnalyticsSettings) -> str:
    pairs = [p.split("=", 1) for p in analytics.tokens.split(",") if "=" in p]
    return next(token for token, scope in pairs if scope.strip() == "ops")


def dashboard_url(analytics: AnalyticsSettings, token: str, dev: bool) -> str:
    """Where an operator opens the dashboard: in dev mode a link that signs in (the page drops the token from the
    address at once); otherwise the sign-in page, the token to be typed there."""
    base = f"http://127.0.0.1:{analytics.port}/"
    return f"{base}?token={token}" if dev else f"{base}login (token: see REMEDY_ANALYTICS_TOKENS)"


def fetch_dashboard(analytics: AnalyticsSettings, token: str, part: str = "dashboard"):
    req = urllib.request.Request(f"http://127.0.0.1:{analytics.port}/api/{part}",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def fetch_progress(analytics: AnalyticsSettings, token: str) -> dict:
    """What the progress bars need, and only that: the whole dashboard is a dozen queries over every
    event, and polling it every few seconds took most of analytics' CPU during a run."""
    return {part: fetch_dashboard(analytics, token, part) for part in ("summary", "backlog", "funnel")}


def settled_dashboard(analytics: AnalyticsSettings, token: str, quiet_polls: int = 3, timeout: float = 120,
                      lang: str = "zh") -> dict:
    """The dashboard once analytics has stopped changing: the figures the report and ClickHouse share."""
    deadline = time.monotonic() + timeout
    last, same = None, 0
    while time.monotonic() < deadline:
        dash = fetch_dashboard(analytics, token)
        snap = dash.get("snapshot")
        if snap is None or snap.get("current") is False:   # the panels' snapshot lags what the sink wrote
            last, same = None, 0
            time.sleep(1)
            continue
        key = json.dumps([dash["summary"], dash["funnel"], dash["compliance"]["notices"]], sort_keys=True, default=str)
        same = same + 1 if key == last else 0
        if same >= quiet_polls:
            return dash
        last = key
        time.sleep(2)
    raise StackError(text("run.analytics_unsettled", lang, seconds=f"{timeout:.0f}"))
