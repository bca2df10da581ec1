"""The ops dashboard over HTTP (aiohttp): the page, its JSON API, and /metrics.

- ``GET /`` — the page (``static/``: hand-written SVG charts, no external CDN, no inline script);
- ``GET /login``, ``POST /login`` (form field ``token``) — sign in: a session cookie (signed, expiring,
  ``HttpOnly``, ``SameSite=Strict``, ``Secure`` outside dev mode) naming the token's hash, then ``/``;
  in dev mode ``GET /?token=…`` does the same and drops the token from the address;
- ``GET /api/dashboard`` and ``GET /api/<chart>`` — JSON, filtered by ``lender``, ``region``
  (debtor region code or prefix), ``from`` and ``to`` (China calendar days, ISO dates);
- ``GET /metrics`` — Prometheus; ``GET /healthz``.

Pages and API need a token (``Authorization: Bearer …``) or the session cookie: none or an unknown one is
401 (the page sends the browser to /login); a lender token is confined to its own lender (asking for another
is 403). A token in the URL is refused outside dev mode, and never read by the API. Every answer carries the
browser security headers (remedy/runtime/http.py), and ``Cache-Control: no-store`` but under /static/.
"""
from __future__ import annotations

import asyncio

import hmac
import json
import logging
import math
from datetime import date, datetime, timezone
from pathlib import Path

from aiohttp import web

from remedy.kernel.clock import Clock
from remedy.kernel.sessions import seal, unseal
from remedy.runtime.http import json_errors, secure
from services.analytics import queries
from services.analytics.access import Forbidden, Scope, Unauthorized, authorise, token_hash
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.store import Store

STATIC = Path(__file__).parent / "static"
COOKIE = "remedy_dashboard"
HEALTH_TIMEOUT = 20.0  # seconds ClickHouse may take to answer /healthz's probe (it queues behind inserts)
OPEN = ("/metrics", "/healthz", "/login")  # and /static/: no token needed
log = logging.getLogger("remedy.analytics")
LOGIN = ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Remedy 运营看板 · sign in</title>'
         '<link rel="stylesheet" href="/static/dashboard.css"></head><body><h1>Remedy 运营看板 · dashboard</h1>{failed}'
         '<form method="post" action="/login"><label>看板令牌 · Dashboard token <input name="token" type="password" '
         'required autocomplete="off"></label> <button type="submit">登录 · Sign in</button></form></body></html>')
CHARTS = {
    "summary": queries.summary, "funnel": queries.funnel, "recovery": queries.recovery, "cycle": queries.cycle,
    "cycle-weeks": queries.cycle_weeks, "cross-region": queries.cross_region, "mediators": queries.mediators,
    "rejections": queries.rejections, "notices": queries.notices, "lenders": queries.lenders,
}
NOW_CHARTS = {"backlog": queries.backlog, "deadlines": queries.deadlines}


class BadRequest(Exception):
    pass


def _plain(value):
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def filters_from(request: web.Request, scope: Scope) -> queries.Filters:
    q = request.query

    def day(name: str) -> date | None:
        raw = q.get(name) or None
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError as exc:
            raise BadRequest(f"{name}: expected YYYY-MM-DD") from exc

    region = q.get("region") or None
    if region is not None and not region.isdigit():
        raise BadRequest("region: expected digits (a GB/T 2260 code or prefix)")
    return queries.Filters(lender=scope.lender_filter(q.get("lender")), region=region, date_from=day("from"),
                           date_to=day("to"))


def make_web(store: Store, scopes: dict[str, Scope], metrics: AnalyticsMetrics, clock: Clock,
             tier_days: int = 30, confirmation_days: int = 30, *, sessions: "Sessions | None" = None) -> web.Application:
    sessions = sessions or Sessions(b"dev", dev=True)
    app = secure(web.Application(client_max_size=64 * 1024), no_store=lambda path: not path.startswith("/static/"))
    app.middlewares.extend([json_errors(log), guard(scopes, metrics, sessions)])
    pages = Pages(store, metrics, clock, tier_days, confirmation_days)
    app.router.add_get("/", pages.page)
    app.router.add_get("/login", sessions.login_page)
    app.router.add_post("/login", lambda request: sessions.sign_in(request, scopes))
    app.router.add_get("/api/dashboard", pages.dashboard)
    app.router.add_get("/api/{chart}", pages.chart)
    app.router.add_get("/metrics", pages.metrics_page)
    app.router.add_get("/healthz", pages.healthz)
    app["pages"] = pages   # the service hands it the sink's task (health)
    app.router.add_static("/static/", STATIC)
    return app


class Sessions:
    """The dashboard's sign-in: a sealed cookie naming the token's hash (remedy/kernel/sessions.py)."""

    def __init__(self, key: bytes, *, dev: bool, minutes: int = 480, clock: Clock | None = None):
        self.key, self.dev, self.minutes, self.clock = key, dev, minutes, clock

    def now(self) -> float:
        return self.clock.now().timestamp() if self.clock is not None else datetime.now(timezone.utc).timestamp()

    def session(self, request: web.Request) -> str | None:
        return unseal(self.key, request.cookies.get(COOKIE), self.now())

    def signed_in(self, token: str, to: str = "/") -> web.Response:
        response = web.Response(status=303, headers={"Location": to})
        response.set_cookie(COOKIE, seal(self.key, token_hash(token), int(self.now()) + self.minutes * 60),
                            max_age=self.minutes * 60, path="/", httponly=True, samesite="Strict", secure=not self.dev)
        return response

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        failed = '<p class="error">令牌不正确 · Unknown token</p>' if request.query.get("failed") else ""
        return web.Response(text=LOGIN.format(failed=failed), content_type="text/html", charset="utf-8")

    async def sign_in(self, request: web.Request, scopes: dict[str, Scope]) -> web.StreamResponse:
        try:
            token = str((await request.post()).get("token", ""))
        except ValueError:
            raise BadRequest("body: not a readable form") from None
        if token and any(hmac_equal(token, known) for known in scopes):
            return self.signed_in(token)
        return web.Response(status=303, headers={"Location": "/login?failed=1"})

    def token_in_url(self, request: web.Request, scopes: dict[str, Scope]) -> web.Response:
        """``GET /?token=…``: in dev mode, sign in and reload without it; otherwise refused."""
        if not self.dev:
            raise Unauthorized("a token in the URL is refused: sign in at /login (or send Authorization: Bearer)")
        token = request.query["token"]
        if not any(hmac_equal(token, known) for known in scopes):
            raise Unauthorized("unknown token")
        rest = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "token")
        return self.signed_in(token, "/" + ("?" + rest if rest else ""))


def hmac_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def guard(scopes: dict[str, Scope], metrics: AnalyticsMetrics, sessions: Sessions):
    """The middleware: a token (header or session cookie) for everything but /static/, /metrics, /healthz and
    /login; refusals as JSON (the page's: to /login); every answer counted by path (the API's charts as one label)
    and status."""
    @web.middleware
    async def guarded(request: web.Request, handler):
        path = request.path
        label = path if path in ("/", "/metrics", "/healthz", "/api/dashboard", "/login") or path.startswith("/static/") \
            else "/api/other"
        try:
            if path.startswith("/static/") or path in OPEN:
                response = await handler(request)
            elif path == "/" and "token" in request.query:
                response = sessions.token_in_url(request, scopes)
            else:
                request["scope"] = authorise(scopes, request.headers.get("Authorization"), sessions.session(request))
                response = await handler(request)
        except Unauthorized as exc:
            response = web.json_response({"error": str(exc)}, status=401, headers={"WWW-Authenticate": "Bearer"})
            if path == "/" and request.method == "GET" and "token" not in request.query:
                response = web.Response(status=303, headers={"Location": "/login"})
        except Forbidden as exc:
            response = web.json_response({"error": str(exc)}, status=403)
        except BadRequest as exc:
            response = web.json_response({"error": str(exc)}, status=400)
        metrics.requests.labels(label, str(response.status)).inc()
        return response

    return guarded


class Pages:
    """The handlers: the page, the dashboard and each chart as JSON (queries run on the store's thread), metrics."""

    def __init__(self, store: Store, metrics: AnalyticsMetrics, clock: Clock, tier_days: int, confirmation_days: int):
        self.store, self.metrics, self.clock = store, metrics, clock
        self.tier_days, self.confirmation_days = tier_days, confirmation_days

    async def run_query(self, fn, *args):
        return await self.store.run(lambda: _plain(fn(self.store.rows, *args)))

    async def page(self, request):
        return web.FileResponse(STATIC / "index.html")

    async def dashboard(self, request):
        f = filters_from(request, request["scope"])
        body = await self.run_query(queries.dashboard, f, self.clock.now(), self.tier_days, self.confirmation_days)
        return web.json_response(body, dumps=json.dumps)

    async def chart(self, request):
        name = request.match_info["chart"]
        f = filters_from(request, request["scope"])
        if name in CHARTS:
            body = await self.run_query(CHARTS[name], f)
        elif name == "backlog":
            body = await self.run_query(queries.backlog, f, self.clock.now())
        elif name == "deadlines":
            body = await self.run_query(queries.deadlines, f, self.clock.now(), self.tier_days, self.confirmation_days)
        else:
            raise web.HTTPNotFound()
        return web.json_response(body)

    async def metrics_page(self, request):
        body, content_type = self.metrics.exposition()
        return web.Response(body=body, content_type=content_type.split(";")[0])

    async def healthz(self, request):
        """Alive while the sink runs and ClickHouse answers; 503 with why otherwise."""
        sink = getattr(self, "sink", None)
        if sink is not None and sink.done():
            return web.json_response({"ok": False, "status": "sink stopped"}, status=503)
        try:
            await asyncio.wait_for(self.store.run(self.store.rows, "SELECT 1 AS one"), HEALTH_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure: the dashboard cannot answer now
            return web.json_response({"ok": False, "status": "ClickHouse not answering", "error": type(exc).__name__},
                                     status=503)
        return web.json_response({"ok": True, "status": "ok"})
