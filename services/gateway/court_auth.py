"""A court's request, signed as its decisions are (guards.py): ``X-Remedy-Court``, ``X-Remedy-Timestamp`` and
``X-Remedy-Signature`` over the body, or, for a request without one (GET, DELETE, a bodiless POST), over
``<METHOD> <path?query>``. A GET is not remembered against replay (reading twice is harmless); anything else is."""
from __future__ import annotations

import json

from aiohttp import web

from services.gateway.guards import SignatureRefused


async def signed_court(gw, request: web.Request) -> str:
    """The signing court's id, or HTTPUnauthorized saying why the signature was refused."""
    court = request.headers.get("X-Remedy-Court", "")
    body = await request.read()
    signed = body or f"{request.method} {request.path_qs}".encode()
    try:
        gw.replays.check(gw.keys.court_secrets.get(court), request.headers.get("X-Remedy-Timestamp", ""), signed,
                         request.headers.get("X-Remedy-Signature", ""), gw.clock.now().timestamp(),
                         remember=request.method != "GET")
    except SignatureRefused as exc:
        raise web.HTTPUnauthorized(text=json.dumps({"error": f"signature refused: {exc}"}),
                                   content_type="application/json") from None
    return court
