"""A worker's own web pages on its port: ``/metrics``, ``/healthz`` (alive: it reaches its broker), ``/readyz``
(ready: alive, tables recovered, inputs caught up) and ``/records-waiting`` (for ``remedy run``'s pacer); and the
watch behind them, which probes the broker and ends a worker stuck while not ready (``remedy.runtime.stall``)."""
from __future__ import annotations

import asyncio

import faust

from remedy.runtime.health import readiness
from remedy.runtime.stall import check, faust_progress


def install_pages(app: faust.App, rt, metrics) -> None:
    """``rt``: the service's Runtime (its ``health``, ``lag``, ``ready_waiting`` and ``stall``)."""
    @app.page("/metrics")
    async def metrics_page(web, request):
        body, content_type = metrics.exposition()
        return web.bytes(body, content_type=content_type.split(";")[0])

    async def watch() -> None:
        """Started with the app (``remedy.runtime.app.App.on_start``), before its tables are recovered."""
        while not app.should_stop:
            await asyncio.sleep(rt.health.interval)
            await rt.health.probe(lambda: app.producer._ensure_producer().client)
            alive = rt.health.status(running=not app.should_stop)[0] == 200
            check(rt.stall, faust_progress(app), alive, rt.service)

    app.remedy_watch = watch

    @app.page("/healthz")
    async def healthz_page(web, request):
        status, body = rt.health.status(running=not app.should_stop)
        return web.json(body, status=status)

    @app.page("/readyz")
    async def readyz_page(web, request):
        alive = rt.health.status(running=not app.should_stop)
        progress = faust_progress(app)
        status, body = readiness(alive, progress.not_ready, rt.lag.waiting if rt.lag.sampled else None, rt.ready_waiting)
        if progress.not_ready and status == 503 and alive[0] == 200:
            body = {**body, "changelog_records_left": progress.records_left}
        return web.json(body, status=status)

    @app.page("/records-waiting")
    async def records_waiting_page(web, request):
        """Records waiting per input topic, for ``remedy run``'s pacer: it asks twice a second, and the
        whole Prometheus exposition costs a service ~100x more to write than this."""
        return web.json(rt.lag.waiting)
