"""The ops dashboard over HTTP (aiohttp): the page, its JSON API, and /metrics.

- ``GET /?token=…`` — the page (``static/``: hand-written SVG charts, no external CDN);
- ``GET /api/dashboard`` and ``GET /api/<chart>`` — JSON, filtered by ``lender``, ``region``
  (debtor region code or prefix), ``from`` and ``to`` (China calendar days, ISO dates);
- ``GET /metrics`` — Prometheus; ``GET /healthz``.

Pages and API need a token (``Authorization: Bearer …`` or ``?token=``): none or an unknown one is
401; a lender token is confined to its own lender (asking for another is 403).
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime, timezone
from pathlib import Path

from aiohttp import web

from remedy.kernel.clock import Clock
from services.analytics import queries
from services.analytics.access import Forbidden, Scope, Unauthorized, authorise
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.store import Store

STATIC = Path(__file__).parent / "static"
CHARTS = {
    "summary": queries.summary, "funnel": queries.funnel, "recovery": queries.recovery, "cycle": queries.cycle,
    "cross-region": queries.cross_region, "mediators": queries.mediators, "rejections": queries.rejections,
    "notices": queries.notices, "lenders": queries.lenders,
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
             tier_days: int = 30, confirmation_days: int = 30) -> web.Application:
    app = web.Application()
    app.middlewares.append(guard(scopes, metrics))
    pages = Pages(store, metrics, clock, tier_days, confirmation_days)
    app.router.add_get("/", pages.page)
    app.router.add_get("/api/dashboard", pages.dashboard)
    app.router.add_get("/api/{chart}", pages.chart)
    app.router.add_get("/metrics", pages.metrics_page)
    app.router.add_get("/healthz", pages.healthz)
    app.router.add_static("/static/", STATIC)
    return app


def guard(scopes: dict[str, Scope], metrics: AnalyticsMetrics):
    """The middleware: a token for everything but /static/, /metrics and /healthz; refusals as JSON; every
    answer counted by path (the API's charts as one label) and status."""
    @web.middleware
    async def guarded(request: web.Request, handler):
        path = request.path
        label = path if path in ("/", "/metrics", "/healthz", "/api/dashboard") or path.startswith("/static/") \
            else "/api/other"
        try:
            if path.startswith("/static/") or path in ("/metrics", "/healthz"):
                response = await handler(request)
            else:
                request["scope"] = authorise(scopes, request.headers.get("Authorization"), request.query.get("token"))
                response = await handler(request)
        except Unauthorized as exc:
            response = web.json_response({"error": str(exc)}, status=401, headers={"WWW-Authenticate": "Bearer"})
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
        return web.json_response({"ok": True})
