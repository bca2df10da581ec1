"""A worker's own web pages on its port: ``/metrics``, ``/healthz`` (alive: it reaches its broker), ``/readyz``
(ready: alive, tables recovered, inputs caught up) and ``/records-waiting`` (for ``remedy run``'s pacer)."""
from __future__ import annotations

import faust

from remedy.runtime.health import readiness


def install_pages(app: faust.App, rt, metrics) -> None:
    """``rt``: the service's Runtime (its ``health``, ``lag`` and ``ready_waiting``)."""
    @app.page("/metrics")
    async def metrics_page(web, request):
        body, content_type = metrics.exposition()
        return web.bytes(body, content_type=content_type.split(";")[0])

    @app.timer(interval=rt.health.interval)
    async def probe_broker() -> None:
        await rt.health.probe(lambda: app.producer._ensure_producer().client)

    @app.page("/healthz")
    async def healthz_page(web, request):
        status, body = rt.health.status(running=not app.should_stop)
        return web.json(body, status=status)

    @app.page("/readyz")
    async def readyz_page(web, request):
        alive = rt.health.status(running=not app.should_stop)
        recovering = app.rebalancing or bool(getattr(app, "in_recovery", False))
        status, body = readiness(alive, recovering, rt.lag.waiting if rt.lag.sampled else None, rt.ready_waiting)
        return web.json(body, status=status)

    @app.page("/records-waiting")
    async def records_waiting_page(web, request):
        """Records waiting per input topic, for ``remedy run``'s pacer: it asks twice a second, and the
        whole Prometheus exposition costs a service ~100x more to write than this."""
        return web.json(rt.lag.waiting)
