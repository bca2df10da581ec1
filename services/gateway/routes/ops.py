"""Operations: the OpenAPI document, liveness with the read model's size and whether it has caught up with the
topics, and Prometheus metrics."""
from __future__ import annotations

from aiohttp import web

from services.gateway.core import Routes
from services.gateway.openapi import document


class OpsRoutes(Routes):
    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(document())

    async def health(self, request: web.Request) -> web.Response:
        reader = self.gw.reader
        return web.json_response({"ok": True, "cases": len(self.gw.projection.cases),
                                  "caught_up": bool(reader is not None and reader.caught_up)})

    async def metrics(self, request: web.Request) -> web.Response:
        body, content_type = self.gw.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})
