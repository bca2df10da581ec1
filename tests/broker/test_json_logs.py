"""A faust worker asked for JSON logs (``REMEDY_LOG_FORMAT=json``) writes one JSON object a line, naming its
service, from its first line to ready: what a log pipeline can parse."""
import json
import time

import pytest

pytestmark = pytest.mark.broker


def test_a_worker_logs_json_lines_naming_its_service(broker, services):
    proc = services("repair", REMEDY_LOG_FORMAT="json", REMEDY_LOG_LEVEL="info")
    deadline = time.monotonic() + 15   # /healthz answers as faust's web server starts, a moment before "Ready"
    while "]: Ready" not in proc.tail(lines=10_000) and time.monotonic() < deadline:
        time.sleep(0.2)
    lines = [line for line in proc.tail(lines=10_000).splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert parsed and len(parsed) >= len(lines) - 2, lines[:5]   # a stray print of a library may stay plain
    assert {p["service"] for p in parsed} == {"repair"} and any("Ready" in p["message"] for p in parsed)
    assert all({"ts", "level", "logger", "message"} <= set(p) for p in parsed)
