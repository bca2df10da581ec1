"""Operations: the OpenAPI document, liveness (``/healthz``) and readiness (``/readyz``) with the read model's size
and whether it has caught up with the topics (health.py), and Prometheus metrics."""
from __future__ import annotations

from aiohttp import web

from services.gateway import health
from services.gateway.core import Routes
from services.gateway.openapi import document


class OpsRoutes(Routes):
    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(document())

    def _state(self) -> tuple[bool, str, int, bool]:
        """The read model's reader and the shared guards' feed (guard_feed.py): both running, both caught up."""
        reader, feed = self.gw.reader, self.gw.feed
        running, why = health.reader_state(self.gw.reading)
        if running and feed is not None:
            running, why = feed.state()
        caught_up = reader is not None and reader.caught_up and (feed is None or feed.caught_up)
        return running, why, len(self.gw.projection.cases), bool(caught_up)

    async def health(self, request: web.Request) -> web.Response:
        """Alive while the read model's reader runs (503 once it died, with why)."""
        status, body = health.liveness(*self._state())
        return web.json_response(body, status=status)

    async def ready(self, request: web.Request) -> web.Response:
        """Ready once alive and caught up with the topics (503 "catching up" before)."""
        status, body = health.readiness(*self._state())
        return web.json_response(body, status=status)

    async def metrics(self, request: web.Request) -> web.Response:
        body, content_type = self.gw.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})
