"""Structured logs: one JSON object a line with the service and the request id; the gateway's access line
carries method, path, status, time and client, never the query string or a header."""
from __future__ import annotations

import json
import logging
import logging.config

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from remedy.runtime.logs import REQUEST_ID, JsonFormatter, faust_logging_config
from services.gateway import access_log


def test_a_json_line_names_the_service_the_request_and_an_access_lines_fields():
    record = logging.LogRecord("remedy.gateway.access", logging.INFO, __file__, 1, "GET %s", ("/v1/x",), None)
    record.status, record.path = 200, "/v1/x"
    token = REQUEST_ID.set("req-1")
    try:
        line = json.loads(JsonFormatter("gateway").format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "GET /v1/x" and line["service"] == "gateway" and line["request_id"] == "req-1"
    assert (line["status"], line["path"], line["level"]) == (200, "/v1/x", "INFO") and line["ts"].endswith("Z")


def test_faust_workers_get_the_same_format_only_when_asked():
    assert faust_logging_config("warning", "text", "triage") is None
    config = faust_logging_config("warning", "json", "triage")
    logging.config.dictConfig({**config, "root": {"level": "WARNING", "handlers": []}})   # it is a valid dictConfig


async def test_the_access_line_has_no_query_and_the_request_id_is_answered_back(caplog):
    async def hello(request):
        logging.getLogger("remedy.gateway").warning("inside the request")
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[access_log.middleware(lambda request: "10.0.0.7")])
    app.router.add_get("/v1/hello", hello)
    access_log.access.setLevel(logging.INFO)
    caplog.set_level(logging.INFO)
    async with TestClient(TestServer(app)) as client:
        given = await client.get("/v1/hello?token=secret-token", headers={"X-Request-Id": "abc-123"})
        made = await client.get("/v1/hello", headers={"X-Request-Id": "bad id with spaces"})
        missing = await client.get("/nowhere")
    assert given.headers["X-Request-Id"] == "abc-123" and len(made.headers["X-Request-Id"]) == 32
    assert missing.status == 404 and missing.headers["X-Request-Id"]
    lines = [r for r in caplog.records if r.name == "remedy.gateway.access"]
    assert [(r.path, r.status, r.client) for r in lines] == [("/v1/hello", 200, "10.0.0.7"), ("/v1/hello", 200, "10.0.0.7"),
                                                           ("/nowhere", 404, "10.0.0.7")]
    assert not [r for r in caplog.records if r.name.startswith("remedy") and "secret-token" in r.getMessage()]
    # (the gateway runs aiohttp with its own access log off: AppRunner(access_log=None) in __main__.py)
