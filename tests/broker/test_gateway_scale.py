"""``Stack(..., scale={"gateway": 2})`` on a real Tansu: two gateways, each on its own port and read model,
both answer for the same case, and the keys the stack generated once (no keys file configured) are the
ones both check: a lender's API key, a court's signature, a debtor's verification code."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from remedy.kernel.portal import notice_code
from remedy.kernel.settings import Settings
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack
from remedy.runtime.broker import free_port, port_open, provision, start_tansu
from sim.defaults import utc
from tests.broker.funnel_helpers import publish_mediation_case
from tests.gateway_helpers import bearer, court_headers, wait_until

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
LENDER, COURT = "LENDER-QZ01", "CT-350502"   # dev principals (services/gateway/keys.py DEV_PRINCIPALS)


def spaced_port() -> int:
    """A free port whose +100 (instance 2's) is free too."""
    while True:
        port = free_port()
        if port + 100 < 65536 and not port_open("127.0.0.1", port + 100):
            return port


def test_two_gateways_answer_the_same_case_with_the_keys_the_stack_made_once(tmp_path, codec):
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp_path / "tansu.log"))
    broker = f"127.0.0.1:{port}"
    said: list[str] = []
    try:
        provision(broker)
        platform = PlatformSettings.from_env({"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / "data"),
                                              "REMEDY_GATEWAY_PORT": str(spaced_port())})
        stack = Stack(platform, CLOCK, scale={"gateway": 2}, services=("gateway",), broker=False, peers=False,
                      report=said.append)
        stack.start(progress=said.append)
        try:
            check(stack, broker, codec, tmp_path / "data")
        finally:
            stack.stop()
        assert all(p.proc.poll() is not None for p in stack.procs)
    finally:
        tansu.kill()
        tansu.wait(10)
    assert any("dev keys generated" in line for line in said), said


def check(stack: Stack, broker: str, codec, data) -> None:
    names = [p.name for p in stack.procs]
    assert names == ["gateway-1", "gateway-2"]
    urls = [f"http://127.0.0.1:{p}" for p in stack.ports_of("gateway")]
    base = stack.platform.port_for("gateway")
    assert stack.ports_of("gateway") == [base, base + 100]
    workers = json.loads(stack.pid_file.read_text())["workers"]
    assert [workers[n]["port"] for n in names] == [base, base + 100]
    config = (data / "prometheus.yml").read_text()
    assert f'"127.0.0.1:{base}"' in config and f'"127.0.0.1:{base + 100}"' in config
    assert (data / "gateway-1" / "gateway" / "read-model").is_dir() and (data / "gateway-2" / "gateway" / "read-model").is_dir()
    assert not (data / "gateway-1" / "gateway" / "keys.json").exists(), "no instance made keys of its own"

    plain = dict(line.split(" ", 1) for line in (data / "gateway" / "dev-keys.txt").read_text().splitlines())
    lender, secret = bearer(plain[f"lender:{LENDER}"]), plain[f"court:{COURT}"]

    cid = publish_mediation_case(broker, codec, LENDER, COURT, "scale", NOW)

    answers = [wait_until(lambda url=url: (r := requests.get(f"{url}/v1/lender/cases/{cid}", headers=lender)).status_code == 200
                          and r.json()["stage"] == "PEOPLES_MEDIATION" and r.json(), timeout=60) for url in urls]
    assert answers[0] == answers[1], "both read models hold the same case"
    assert all(requests.get(f"{url}/healthz").json()["cases"] == 1 for url in urls)

    code = notice_code(Settings().portal_secret, cid, "N-scale-1")
    for url in urls:
        debtor = requests.get(f"{url}/v1/debtor/case", headers={"X-Case-Id": cid, "X-Verification-Code": code})
        assert debtor.status_code == 200 and debtor.json()["case_id"] == cid
    for n, url in enumerate(urls):   # a court's signature, checked with the same secret on either instance
        body = json.dumps({"decision_id": f"D-{n}", "case_id": cid, "kind": "CONFIRMATION_GRANTED",
                           "court_case_no": f"(2026)闽0502民特{n}号"}).encode()
        at = NOW + timedelta(seconds=n)
        accepted = requests.post(f"{url}/v1/courts/decisions", data=body, headers=court_headers(COURT, body, at, secret=secret))
        assert accepted.status_code == 202, accepted.text
        forged = requests.post(f"{url}/v1/courts/decisions", data=body,
                               headers=court_headers(COURT, body, at + timedelta(seconds=5), secret="guess"))
        assert forged.status_code == 401
    assert requests.get(f"{urls[1]}/v1/lender/cases/{cid}", headers=bearer("rk_len_wrong")).status_code == 401
