"""What every HTTP server of Remedy (the gateway, the dashboard) answers with, whatever the route: browser security
headers, JSON errors with a message instead of aiohttp's plain-text pages, and the client's address behind a
trusted proxy.

- ``secure(app, no_store=...)`` adds CSP (no inline script or style, no framing), X-Frame-Options, Referrer-Policy,
  X-Content-Type-Options to every answer, and ``Cache-Control: no-store`` where ``no_store(path)`` says so.
- ``json_errors(log, known=...)`` is a middleware: an ``HTTPException`` (404, 405, 413, …) becomes
  ``{"error": "…"}`` with its status and headers; an exception of a ``known`` type a 400 with its message; any
  other exception is logged and answered 500 ``{"error": "internal error"}``.
"""
from __future__ import annotations

import ipaddress
import json
import logging
from typing import Callable

from aiohttp import web

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}


def secure(app: web.Application, no_store: Callable[[str], bool] = lambda path: True) -> web.Application:
    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if no_store(request.path):
            response.headers["Cache-Control"] = "no-store"
    app.on_response_prepare.append(add_headers)
    return app


def error_body(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def json_errors(log: logging.Logger, known: tuple[type[Exception], ...] = (), *, answer=None):
    """The middleware; ``answer(exc)`` turns a ``known`` exception into a response (default: a 400 with its text)."""
    @web.middleware
    async def errors(request: web.Request, handler):
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400 or (exc.content_type == "application/json" and exc.text):
                raise
            return _as_json(exc)
        except known as exc:
            return answer(exc) if answer is not None else error_body(400, str(exc))
        except Exception:  # noqa: BLE001 - never a bare 500 page; the log says what (no PII: bodies aren't logged)
            log.exception("error on %s %s", request.method, request.path)
            return error_body(500, "internal error")
    return errors


def _as_json(exc: web.HTTPException) -> web.Response:
    message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
    headers = {k: v for k, v in exc.headers.items() if k.lower() not in ("content-type", "content-length")}
    return web.Response(text=json.dumps({"error": message}), status=exc.status, content_type="application/json",
                        headers=headers)


def trusted_networks(spec: str) -> tuple:
    """``REMEDY_*_TRUSTED_PROXIES`` (comma-separated addresses or networks) as ip networks."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    """The client: the peer, unless the peer is a trusted proxy; then the right-most address of ``X-Forwarded-For``
    that is not a trusted proxy (each proxy appends the address it saw, so only those are believed)."""
    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in trusted)

    client = peer or "?"
    if not trusted or not is_trusted(client):
        return client
    for hop in reversed([h.strip() for h in (forwarded_for or "").split(",") if h.strip()]):
        if not is_trusted(hop):
            return hop[:64]
        client = hop
    return client
