"""The ops dashboard over HTTP (aiohttp): the page, its JSON API, and /metrics.

- ``GET /`` — the page in the user's language (page.py: ``?lang=zh|en``, a cookie, ``Accept-Language``; Chinese
  first), its charts drawn with Plotly served from the installed package (``/static/vendor/``), never a CDN;
- ``GET /login``, ``POST /login`` (form field ``token``) — sign in (signin.py): a session cookie naming the token's
  hash, then ``/``; in dev mode ``GET /?token=…`` does the same and drops the token from the address;
- ``GET /api/dashboard`` and ``GET /api/<chart>`` — JSON, filtered by ``lender``, ``region`` (a GB/T 2260 code or
  its first 2 or 4 digits) and ``from``/``to`` (China calendar days, ISO dates), read from the snapshot
  (snapshot.py; ``GET /api/snapshot`` says as of when); ``GET /api/messages`` the page's words; a region or
  lender that names nothing is 404 with a message in the user's language;
- ``GET /metrics`` — Prometheus; ``GET /healthz``.

Pages and API need a token (``Authorization: Bearer …``) or the session cookie: none or an unknown one is
401 (the page sends the browser to /login); a lender token is confined to its own lender (asking for another
is 403). A token in the URL is refused outside dev mode, and never read by the API. Every answer carries the
browser security headers (remedy/runtime/http.py), and ``Cache-Control: no-store`` but under /static/.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from datetime import date, datetime, timezone
from pathlib import Path

from aiohttp import web

from remedy.kernel.clock import Clock
from remedy.runtime.http import json_errors, secure
from services.analytics import page, panels, queries, snapshot
from services.analytics.access import Forbidden, Scope, Unauthorized, authorise
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.signin import COOKIE, BadForm, Sessions, hmac_equal  # noqa: F401 - the service's imports
from services.analytics.store import Store

STATIC = page.STATIC
HEALTH_TIMEOUT = 20.0  # seconds ClickHouse may take to answer /healthz's probe (it queues behind inserts)
OPEN = ("/metrics", "/healthz", "/login")  # and /static/: no token needed
log = logging.getLogger("remedy.analytics")
CHARTS = {
    "summary": queries.summary, "funnel": queries.funnel, "recovery": queries.recovery, "cycle": queries.cycle,
    "cycle-weeks": queries.cycle_weeks, "cross-region": queries.cross_region, "mediators": queries.mediators,
    "rejections": queries.rejections, "notices": queries.notices, "lenders": queries.lenders,
    "cycle-routes": panels.cycle_routes, "cross-matrix": panels.cross_matrix, "regions": panels.regions,
}
NOW_CHARTS = {"backlog": queries.backlog, "deadlines": queries.deadlines, "queue": panels.queue}


class BadRequest(Exception):
    pass


class NotFound(Exception):
    """A filter names no region or lender (HTTP 404); the message is in the user's language."""


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
            raise BadRequest(page.text(request, "error.date", name=name)) from exc

    region = q.get("region") or None
    if region is not None and not panels.region_known(region):
        raise NotFound(page.text(request, "error.not_found.region", code=region))
    try:
        lender = scope.lender_filter(q.get("lender"))
    except Forbidden as exc:
        raise Forbidden(page.text(request, "error.forbidden")) from exc
    return queries.Filters(lender=lender, region=region, date_from=day("from"), date_to=day("to"))


def make_web(store: Store, scopes: dict[str, Scope], metrics: AnalyticsMetrics, clock: Clock,
             tier_days: int = 30, confirmation_days: int = 30, *, sessions: "Sessions | None" = None,
             data_dir: str | Path | None = None) -> web.Application:
    sessions = sessions or Sessions(b"dev", dev=True)
    app = secure(web.Application(client_max_size=64 * 1024), no_store=lambda path: not path.startswith("/static/"))
    app.middlewares.extend([json_errors(log), guard(scopes, metrics, sessions)])
    pages = Pages(store, metrics, clock, tier_days, confirmation_days, data_dir)
    app.router.add_get("/", page.page)
    app.router.add_get("/login", sessions.login_page)
    app.router.add_post("/login", lambda request: sessions.sign_in(request, scopes))
    app.router.add_get("/api/dashboard", pages.dashboard)
    app.router.add_get("/api/messages", page.messages)
    app.router.add_get("/api/{chart}", pages.chart)
    app.router.add_get("/metrics", pages.metrics_page)
    app.router.add_get("/healthz", pages.healthz)
    app["pages"] = pages   # the service hands it the sink's task (health) and the snapshot's keeper
    app.router.add_get("/static/vendor/plotly.min.js", page.plotly_script)
    app.router.add_get("/static/vendor/plotly.css", page.plotly_stylesheet)
    app.router.add_static("/static/", STATIC)
    return app


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
        except (BadRequest, BadForm) as exc:
            response = web.json_response({"error": str(exc)}, status=400)
        except NotFound as exc:
            response = web.json_response({"error": str(exc)}, status=404)
        metrics.requests.labels(label, str(response.status)).inc()
        return response

    return guarded


class Pages:
    """The handlers: the dashboard and each chart as JSON (queries run on the store's thread), metrics, health."""

    def __init__(self, store: Store, metrics: AnalyticsMetrics, clock: Clock, tier_days: int, confirmation_days: int,
                 data_dir: str | Path | None = None):
        self.store, self.metrics, self.clock = store, metrics, clock
        self.tier_days, self.confirmation_days, self.data_dir = tier_days, confirmation_days, data_dir

    async def run_query(self, fn, *args):
        return await self.store.run(lambda: _plain(fn(self.store.rows, *args)))

    async def filters(self, request) -> queries.Filters:
        """The request's filters; a lender an ops token asks for must be one analytics has seen (404 otherwise)."""
        f = filters_from(request, request["scope"])
        if f.lender and request["scope"].lender is None and not await self.store.run(panels.lender_known, self.store.rows, f.lender):
            raise NotFound(page.text(request, "error.not_found.lender", lender=f.lender))
        return f

    async def dashboard(self, request):
        f = await self.filters(request)
        now = self.clock.now()
        body = await self.run_query(queries.dashboard, f, now, self.tier_days, self.confirmation_days)
        extra = await self.run_query(lambda run: {"queue": panels.queue(run, f, now), "cycle_routes": panels.cycle_routes(run, f),
                                                  "cross_matrix": panels.cross_matrix(run, f), "regions": panels.regions(run, f)})
        if isinstance(body, dict) and isinstance(extra, dict):
            body.update(extra, baseline=page.baseline(self.data_dir), snapshot=await self.snapshot())
        return web.json_response(body, dumps=json.dumps)

    async def snapshot(self) -> dict | None:
        """What the panels read (snapshot.py): built when, over how many cases, and whether it holds every event the
        sink has written (None when this process does not build it)."""
        found = await self.store.run(snapshot.current, self.store)
        if found is None:
            return None
        keeper = getattr(self, "snapshots", None)
        age = time.time() - found["as_of"].replace(tzinfo=timezone.utc).timestamp()   # wall time: when it was built
        return _plain({**found, "age_seconds": round(max(age, 0.0), 1), "current": keeper.current() if keeper else None})

    async def chart(self, request):
        name = request.match_info["chart"]
        f = await self.filters(request)
        if name == "snapshot":
            body = await self.snapshot()
        elif name in CHARTS:
            body = await self.run_query(CHARTS[name], f)
        elif name in NOW_CHARTS:
            extra = (self.tier_days, self.confirmation_days) if name == "deadlines" else ()
            body = await self.run_query(NOW_CHARTS[name], f, self.clock.now(), *extra)
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
