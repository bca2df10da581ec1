"""A faust worker's /healthz on a real Tansu: 200 while the broker answers; 503 "broker unreachable" once it
has been gone past the grace period, with the worker still running (faust keeps retrying); 200 again soon
after a broker is back on the same address."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.health import GRACE, INTERVAL, TIMEOUT

pytestmark = pytest.mark.broker


def healthz(port: int, page: str = "healthz") -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{page}", timeout=3) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def wait_for(port: int, status: int, within: float) -> tuple[int, dict, float]:
    started = time.monotonic()
    seen: tuple[int, dict] = (0, {})
    while time.monotonic() - started < within:
        try:
            seen = healthz(port)
        except OSError:
            seen = (0, {})
        if seen[0] == status:
            break
        time.sleep(0.5)
    return seen[0], seen[1], time.monotonic() - started


def test_healthz_follows_the_broker_and_the_worker_keeps_running(tmp_path):
    broker_port = free_port()
    tansu = start_tansu(broker_port, log_path=str(tmp_path / "tansu.log"))
    broker = f"127.0.0.1:{broker_port}"
    provision(broker)
    platform = PlatformSettings.from_env({"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / "data"),
                                          "REMEDY_TRIAGE_PORT": str(free_port())})
    stack = Stack(platform, {}, services=("triage",), broker=False, peers=False, report=lambda line: None)
    try:
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        pid = worker.proc.pid
        status, body, _ = wait_for(worker.port, 200, INTERVAL + 10)
        assert (status, body["status"], body["broker_reachable"]) == (200, "ok", True), body
        ready = time.monotonic() + 15
        while healthz(worker.port, "readyz")[0] != 200 and time.monotonic() < ready:
            time.sleep(0.5)
        status, body = healthz(worker.port, "readyz")
        assert status == 200 and body["records_waiting"] == 0, body   # tables recovered, nothing waiting

        tansu.kill()
        tansu.wait(10)
        status, body, took = wait_for(worker.port, 503, GRACE + INTERVAL + TIMEOUT + 10)
        assert status == 503 and body["status"] == "broker unreachable", body
        assert body["last_error"], "the reason is given"
        assert healthz(worker.port, "readyz")[0] == 503, "not alive, so not ready"
        print(f"\n[health] unhealthy {took:.1f} s after the broker died")
        assert worker.proc.poll() is None and worker.proc.pid == pid, "the worker keeps running and retrying"

        tansu = start_tansu(broker_port, log_path=str(tmp_path / "tansu-2.log"))
        status, body, took = wait_for(worker.port, 200, INTERVAL + TIMEOUT + 10)
        assert status == 200 and body["broker_reachable"], body
        print(f"[health] healthy again {took:.1f} s after the broker came back")
    finally:
        stack.stop()
        tansu.kill()
        tansu.wait(10)
