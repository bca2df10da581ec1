"""The dashboard's sign-in, in process: a token in the Authorization header or a signed session cookie, never in
the URL outside dev mode; browser security headers on every answer; JSON errors."""
from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from remedy.kernel.clock import FrozenClock
from services.analytics.access import parse_tokens
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.web import Sessions, make_web
from sim.defaults import utc

NOW = utc(2026, 12, 1, 4)
SCOPES = parse_tokens("ops-secret=ops,a-secret=LENDER-A")


class Store:
    """Answers every query with the filters it was asked (the queries themselves are tested elsewhere)."""
    rows = None

    down = False

    async def run(self, fn, *args):
        if self.down:
            raise ConnectionError("ClickHouse is down")
        return {"summary": "ok"}


def client(dev: bool, store: Store | None = None) -> TestClient:
    sessions = Sessions(b"k" * 32, dev=dev, clock=FrozenClock(NOW))
    return TestClient(TestServer(make_web(store or Store(), SCOPES, AnalyticsMetrics(), FrozenClock(NOW), sessions=sessions)))


async def test_outside_dev_mode_a_token_in_the_url_is_refused_and_the_sign_in_form_sets_a_cookie():
    async with client(dev=False) as c:
        r = await c.get("/?token=ops-secret", allow_redirects=False)
        assert r.status == 401 and "sign in at /login" in (await r.json())["error"]
        assert (await c.get("/api/summary?token=ops-secret")).status == 401, "the API never reads the URL's token"
        r = await c.get("/", allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/login"
        page = await c.get("/login")
        assert page.status == 200 and 'name="token"' in await page.text() and "<script" not in await page.text()
        r = await c.post("/login", data={"token": "wrong"}, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/login?failed=1"
        r = await c.post("/login", data={"token": "ops-secret"}, allow_redirects=False)
        cookie = r.headers["Set-Cookie"]
        assert r.status == 303 and all(w in cookie for w in ("HttpOnly", "SameSite=Strict", "Secure", "remedy_dashboard="))
        assert "ops-secret" not in cookie, "the cookie names the token's hash, never the token"
        signed = {"Cookie": f"remedy_dashboard={r.cookies['remedy_dashboard'].value}"}  # Secure: sent by hand over http
        assert (await c.get("/api/summary", headers=signed)).status == 200, "the cookie signs the browser in"
        assert (await c.get("/", headers=signed, allow_redirects=False)).status == 200
        forged = {"Cookie": "remedy_dashboard=" + r.cookies["remedy_dashboard"].value.replace(".", "x.", 1)}
        assert (await c.get("/api/summary", headers=forged)).status == 401


async def test_in_dev_mode_a_token_in_the_url_signs_in_and_leaves_the_address():
    async with client(dev=True) as c:
        r = await c.get("/?token=a-secret&lender=LENDER-A", allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/?lender=LENDER-A" and "Secure" not in r.headers["Set-Cookie"]
        assert (await c.get("/api/summary?lender=LENDER-B")).status == 403, "the session keeps the token's scope"
        assert (await c.get("/?token=nope", allow_redirects=False)).status == 401


async def test_every_answer_carries_the_security_headers_and_errors_are_json():
    async with client(dev=False) as c:
        for path, status in (("/login", 200), ("/api/summary", 401), ("/static/dashboard.js", 200), ("/nope/x", 401),
                             ("/healthz", 200)):
            r = await c.get(path, headers={"Authorization": "Bearer wrong"} if path == "/api/summary" else {})
            assert r.status == status, path
            assert r.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
            assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["X-Content-Type-Options"] == "nosniff"
            assert (r.headers.get("Cache-Control") == "no-store") == (not path.startswith("/static/")), path
        r = await c.get("/nope/x", headers={"Authorization": "Bearer a-secret"})
        assert r.status == 404 and r.content_type == "application/json" and (await r.json())["error"] == "Not Found"
        assert (await c.get("/api/summary", headers={"Authorization": "Bearer a-secret"})).status == 200


async def test_healthz_says_when_clickhouse_does_not_answer_or_the_sink_stopped():
    store = Store()
    async with client(dev=False, store=store) as c:
        assert (await c.get("/healthz")).status == 200
        store.down = True
        r = await c.get("/healthz")
        assert r.status == 503 and (await r.json())["status"] == "ClickHouse not answering"
        store.down = False

        class Stopped:
            def done(self):
                return True

        c.server.app["pages"].sink = Stopped()
        r = await c.get("/healthz")
        assert r.status == 503 and (await r.json())["status"] == "sink stopped"
