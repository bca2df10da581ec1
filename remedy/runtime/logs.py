"""Process logs: plain text (the default, for one machine) or one JSON object a line (``REMEDY_LOG_FORMAT=json``,
for a log pipeline) with the time, level, logger, message, the service, the request id of the HTTP request
being served, and an access line's fields. Nothing here logs a record's content, a header or a query string:
what a log line holds is what its caller passed (and callers never pass debtor data)."""
from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
FIELDS = ("method", "path", "status", "ms", "client")   # an access line's fields (``extra=``)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = ""):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
               "level": record.levelname, "logger": record.name, "message": record.getMessage(), "service": self.service}
        request_id = REQUEST_ID.get()
        if request_id:
            out["request_id"] = request_id
        out.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def formatter(log_format: str, service: str) -> logging.Formatter:
    return JsonFormatter(service) if log_format.strip().lower() == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str, service: str) -> None:
    """The root logger of a process that is not a faust worker (gateway, analytics, the simulator)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format, service))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


def faust_logging_config(level: str, log_format: str, service: str) -> dict | None:
    """faust's ``logging_config`` for a worker in JSON mode (None: faust's own text logs)."""
    if log_format.strip().lower() != "json":
        return None
    return {"version": 1, "disable_existing_loggers": False,
            "formatters": {"json": {"()": JsonFormatter, "service": service}},
            "handlers": {"default": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
            "root": {"level": level.upper(), "handlers": ["default"]}}
