"""Two gateway instances on a real Tansu share their guards through gateway.guards: wrong codes spread over both
reach the lockout, and a court's signed decision accepted by one is refused when replayed to the other."""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta

import pytest
import requests

from remedy.kernel.portal import notice_code
from remedy.kernel.settings import Settings
from remedy.ops.procs import ServiceProcess, stop_all
from remedy.runtime.broker import free_port
from sim.defaults import utc
from tests.broker.funnel_helpers import publish_mediation_case
from tests.gateway_helpers import court_headers, keys_text, wait_until

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
LENDER, COURT = "LENDER-A", "CT-350502"


def start_gateways(broker: str, tmp_path, count: int = 2) -> list[ServiceProcess]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    keys = tmp_path / "keys.json"
    keys.write_text(keys_text())
    procs = []
    for n in range(1, count + 1):
        port = free_port()
        env = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / f"gateway-{n}"),
               "REMEDY_GATEWAY_PORT": str(port), "REMEDY_GATEWAY_KEYS": str(keys), **CLOCK}
        proc = ServiceProcess(f"gateway-{n}", env, tmp_path / "logs", service="gateway", module="services.gateway")
        proc.port = port
        procs.append(proc.start())
    for proc in procs:
        proc.wait_ready()
    return procs


def guards_read(port: int) -> float:
    """How many gateway.guards records of the other instances this one has applied."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    found = re.search(r'remedy_gateway_consumed_total\{topic="gateway.guards"\} (\S+)', body)
    return float(found.group(1)) if found else 0.0


def publish_case(broker: str, codec) -> str:
    return publish_mediation_case(broker, codec, LENDER, COURT, "shared", NOW)


def test_two_instances_share_the_lockout_and_the_replay_memory(broker, codec, tmp_path):
    gateways = start_gateways(broker, tmp_path)
    try:
        urls = [f"http://127.0.0.1:{g.port}" for g in gateways]
        cid = publish_case(broker, codec)
        for url in urls:
            wait_until(lambda url=url: requests.get(f"{url}/readyz").json()["cases"] == 1, timeout=60)
        right = notice_code(Settings().portal_secret, cid, "N-shared-1")
        wrong = f"{(int(right) + 1) % 10 ** 8:08d}"

        # four wrong codes, alternating: neither instance alone has counted five
        for n in range(4):
            here, there = gateways[n % 2], gateways[(n + 1) % 2]
            before = guards_read(there.port)
            answer = requests.get(f"http://127.0.0.1:{here.port}/v1/debtor/case",
                                  headers={"X-Case-Id": cid, "X-Verification-Code": wrong})
            assert answer.status_code == 401, answer.text
            wait_until(lambda: guards_read(there.port) >= before + 2, timeout=20)   # the request and the wrong code
        before = guards_read(gateways[1].port)
        fifth = requests.get(f"{urls[0]}/v1/debtor/case", headers={"X-Case-Id": cid, "X-Verification-Code": wrong})
        assert fifth.status_code == 429 and "too many wrong codes" in fifth.json()["error"], "the fifth locks the client"
        wait_until(lambda: guards_read(gateways[1].port) >= before + 2, timeout=20)
        other = requests.get(f"{urls[1]}/v1/debtor/case", headers={"X-Case-Id": cid, "X-Verification-Code": right})
        assert other.status_code == 429, "the other instance refuses the locked client too, even with the right code"

        body = json.dumps({"decision_id": "D-shared-1", "case_id": cid, "kind": "CONFIRMATION_GRANTED",
                           "court_case_no": "(2026)闽0502民特1号"}).encode()
        headers = court_headers(COURT, body, NOW + timedelta(seconds=3))
        before = guards_read(gateways[1].port)
        accepted = requests.post(f"{urls[0]}/v1/courts/decisions", data=body, headers=headers)
        assert accepted.status_code == 202, accepted.text
        wait_until(lambda: guards_read(gateways[1].port) >= before + 1, timeout=20)
        replayed = requests.post(f"{urls[1]}/v1/courts/decisions", data=body, headers=headers)
        assert replayed.status_code == 401 and "replayed" in replayed.json()["error"], replayed.text
        assert all(requests.get(f"{url}/healthz").status_code == 200 for url in urls)
    finally:
        stop_all(gateways)


def test_an_instance_started_later_knows_the_signatures_the_others_accepted(broker, codec, tmp_path):
    (first,) = start_gateways(broker, tmp_path / "a", count=1)
    late = []
    try:
        cid = publish_case(broker, codec)
        wait_until(lambda: requests.get(f"http://127.0.0.1:{first.port}/readyz").json()["cases"] == 1, timeout=60)
        body = json.dumps({"decision_id": "D-late-1", "case_id": cid, "kind": "CONFIRMATION_GRANTED",
                           "court_case_no": "(2026)闽0502民特2号"}).encode()
        headers = court_headers(COURT, body, NOW)
        assert requests.post(f"http://127.0.0.1:{first.port}/v1/courts/decisions", data=body,
                             headers=headers).status_code == 202
        late = start_gateways(broker, tmp_path / "b", count=1)
        url = f"http://127.0.0.1:{late[0].port}"
        wait_until(lambda: requests.get(f"{url}/readyz").status_code == 200, timeout=60)
        replayed = requests.post(f"{url}/v1/courts/decisions", data=body, headers=headers)
        assert replayed.status_code == 401 and "replayed" in replayed.json()["error"], replayed.text
    finally:
        stop_all([first, *late])
