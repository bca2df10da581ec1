"""One access line per request (logger ``remedy.gateway.access``, at INFO whatever the root level, unless
``REMEDY_GATEWAY_ACCESS_LOG`` is off): method, path without its query string, status, milliseconds, the
client (after trusted proxies) and a request id, never a header, a cookie, a query or a body — so no key,
token, code or debtor datum. The request id is the caller's ``X-Request-Id`` when it is a plain token, else
a new one; it is answered back in ``X-Request-Id`` and carried by every log line written while serving."""
from __future__ import annotations

import logging
import re
import time
import uuid

from aiohttp import web

from remedy.runtime.logs import REQUEST_ID

access = logging.getLogger("remedy.gateway.access")
TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(given: str | None) -> str:
    return given if given and TOKEN.match(given) else uuid.uuid4().hex


def middleware(client):
    """``client(request)``: who is asking (the gateway's trusted-proxy rule)."""
    @web.middleware
    async def log_access(request: web.Request, handler):
        rid = request_id(request.headers.get("X-Request-Id"))
        token, started, status = REQUEST_ID.set(rid), time.perf_counter(), 500
        try:
            response = await handler(request)
            status = response.status
            response.headers["X-Request-Id"] = rid
            return response
        except web.HTTPException as exc:
            status = exc.status
            exc.headers["X-Request-Id"] = rid
            raise
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            access.info("%s %s %d %.1fms", request.method, request.path, status, ms,
                        extra={"method": request.method, "path": request.path, "status": status, "ms": ms,
                               "client": client(request)})
            REQUEST_ID.reset(token)
    return log_access
