"""The dashboard page, in process: Chinese first and English as a switch, every word from the catalogue, Plotly
from the installed package with its stylesheet (no CDN, no inline script), errors in the user's language."""
from __future__ import annotations

import json
import re

from aiohttp.test_utils import TestClient, TestServer

from remedy.contract.i18n import Messages
from remedy.kernel.clock import FrozenClock
from remedy.kernel.lifecycle import STAGES, TIER_STAGE
from services.analytics import page
from services.analytics.access import parse_tokens
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.web import Sessions, make_web
from services.intake.reasons import REASONS
from sim.defaults import utc

NOW = utc(2026, 12, 1, 4)
BEARER = {"Authorization": "Bearer ops-secret"}


class Store:
    """Knows one lender; answers every other query with an empty body (the queries are tested on chDB)."""
    rows = None

    async def run(self, fn, *args):
        if getattr(fn, "__name__", "") == "lender_known":
            return args[-1] == "LENDER-A"
        return {}


def client() -> TestClient:
    sessions = Sessions(b"k" * 32, dev=False, clock=FrozenClock(NOW))
    return TestClient(TestServer(make_web(Store(), parse_tokens("ops-secret=ops,a-secret=LENDER-A"), AnalyticsMetrics(),
                                          FrozenClock(NOW), sessions=sessions)))


def test_every_word_the_page_and_its_scripts_use_is_in_the_catalogue_in_both_languages():
    words = Messages.load("dashboard").entries
    used = set(re.findall(r"\{\{([\w.]+)\}\}", (page.STATIC / "index.html").read_text(encoding="utf-8")))
    for script in ("words.js", "dashboard.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"', (page.STATIC / script).read_text(encoding="utf-8")))
    used = {k for k in used if not k.endswith(".")} - {"lang", "messages", "plotly", "assets"}   # prefixes: below
    assert used and used <= set(words), used - set(words)
    named = {f"stage.{s}" for s in STAGES} | {f"reason.{c}" for c in REASONS} | {f"tier.{t}" for t in TIER_STAGE}
    named |= {f"deadline.{k}" for k in ("mediation_tier", "confirmation", "objection_answer")}
    named |= {f"wait.bucket.{i}" for i in range(5)} | {f"tile.{k}" for k in ("cases", "baseline", "waiting")}
    assert named <= set(words), named - set(words)
    assert all(texts["zh"] and texts["en"] for texts in words.values())


def test_plotly_comes_from_the_installed_package_with_the_stylesheet_it_would_inject():
    assert page.plotly_js().is_file() and re.fullmatch(r"\d+\.\d+\.\d+", page.plotly_version())
    css = page.plotly_css()
    assert ".js-plotly-plot .plotly .modebar" in css and ".plotly-notifier" in css and len(css.splitlines()) > 40


async def test_chinese_first_english_by_switch_cookie_or_accept_language():
    async with client() as c:
        r = await c.get("/", headers=BEARER)
        text = await r.text()
        assert r.status == 200 and '<html lang="zh-CN">' in text and "案件漏斗运营看板" in text and "{{" not in text
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", text, re.S)
        assert all('src="/static/' in attrs or (attrs.strip() == 'type="application/json" id="messages"' and body)
                   for attrs, body in scripts), "no inline script; the catalogue is a data block"
        embedded = json.loads(re.search(r'id="messages">(.*?)</script>', text, re.S).group(1))
        assert embedded == Messages.load("dashboard").table("zh")
        assert "cdn" not in text.lower() and "/static/vendor/plotly.min.js?v=" in text
        r = await c.get("/", headers={**BEARER, "Accept-Language": "en-US,en;q=0.9"})
        assert '<html lang="en">' in await r.text()
        r = await c.get("/?lang=en", headers=BEARER)
        assert "Funnel operations" in await r.text() and r.cookies["remedy_lang"].value == "en"
        r = await c.get("/", headers={**BEARER, "Cookie": "remedy_lang=en", "Accept-Language": "zh-CN"})
        assert '<html lang="en">' in await r.text(), "the switch, once made, is kept"
        r = await c.get("/login?lang=en")
        assert "Sign in" in await r.text()
        r = await c.get("/static/vendor/plotly.min.js")
        assert r.status == 200 and "max-age=31536000" in r.headers["Cache-Control"] and len(await r.read()) > 1_000_000


async def test_an_unknown_region_or_lender_is_a_404_with_a_message_in_the_users_language():
    async with client() as c:
        r = await c.get("/api/dashboard?region=990000", headers=BEARER)
        assert r.status == 404 and (await r.json())["error"].startswith("未知地区：990000")
        r = await c.get("/api/funnel?lender=LENDER-Z&lang=en", headers=BEARER)
        assert r.status == 404 and await r.json() == {"error": "Unknown lender: LENDER-Z"}
        r = await c.get("/api/summary?lender=LENDER-A", headers=BEARER)
        assert r.status == 200, "a lender analytics has seen"
        r = await c.get("/api/summary?from=yesterday", headers={**BEARER, "Accept-Language": "en"})
        assert r.status == 400 and await r.json() == {"error": "from: expected YYYY-MM-DD"}
        r = await c.get("/api/summary?lender=LENDER-Z", headers={"Authorization": "Bearer a-secret"})
        assert r.status == 403 and (await r.json())["error"] == "出借机构令牌只能查看本机构的数据"
