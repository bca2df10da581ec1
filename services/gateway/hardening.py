"""The gateway's defences that hold for every route: bodies no larger than ``REMEDY_GATEWAY_MAX_BODY_KB`` (413),
every refusal as JSON with a message (a ``BadRequest`` as 400 naming its field; aiohttp's 404/405/413 pages as
JSON), unexpected errors logged and answered 500 without detail, and browser security headers with
``Cache-Control: no-store`` on every answer (they all may carry case data). See docs/security.md."""
from __future__ import annotations

from aiohttp import web

from remedy.runtime.http import json_errors, secure
from services.gateway.core import error, log
from services.gateway.settings import GatewaySettings
from services.gateway.validation import BadRequest

errors = json_errors(log, (BadRequest,), answer=lambda exc: error(400, exc.problem, exc.field))


def application(own: GatewaySettings) -> web.Application:
    """An empty aiohttp application with the gateway's limits, error middleware and headers."""
    return secure(web.Application(middlewares=[errors], client_max_size=own.max_body_kb * 1024))
