"""webhooks against a real Tansu, with the real gateway and a local receiver: parties subscribe over HTTP and
get signed deliveries they can verify; a receiver that refuses connections, then answers 503, still gets every
delivery once by event id when it comes back; a receiver answering 400 is not retried; each party's delivery
log shows its own deliveries only, and a replay sends the same event again. One stack for the whole module."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
import requests
from aiohttp import web

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from services.webhooks import signing
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import LENDER_KEYS, bearer, court_headers, event, keys_text, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("webhooks-world")]  # the module's fixture runs once
A, B = bearer(LENDER_KEYS["LENDER-A"]), bearer(LENDER_KEYS["LENDER-B"])
FAST = {"REMEDY_WEBHOOKS_FIRST_RETRY_SECONDS": "0.4", "REMEDY_WEBHOOKS_LONGEST_RETRY_SECONDS": "1.5",
        "REMEDY_WEBHOOKS_RETICK_SECONDS": "0.3", "REMEDY_WEBHOOKS_TIMEOUT_SECONDS": "2", "REMEDY_WEBHOOKS_SWEEP_SECONDS": "0.3"}


class Receiver:
    """An aiohttp server on its own thread: ``/<name>`` answers from a script (then 200) and keeps what came."""

    def __init__(self, script: dict[str, list[int]]):
        self.script, self.got, self.loop = script, [], asyncio.new_event_loop()
        self.sites: list[web.AppRunner] = []
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        queue = self.script.get(name) or []
        status = queue.pop(0) if queue else 200
        self.got.append((name, dict(request.headers), await request.read(), status))
        return web.Response(status=status)

    def listen(self, port: int) -> None:
        async def start():
            app = web.Application()
            app.router.add_post("/{name}", self.handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            self.sites.append(runner)
        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    def stop(self) -> None:
        for runner in self.sites:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    def by(self, name: str) -> list[tuple[dict, bytes]]:
        return [(h, b) for n, h, b, _ in list(self.got) if n == name]

    def accepted(self, name: str) -> Counter:
        """How often each event id was answered 200."""
        return Counter(h["Remedy-Event-Id"] for n, h, _, status in list(self.got) if n == name and status == 200)


def stop_stack(procs: list, receiver: Receiver, tansu) -> None:
    """A module's stack, stopped: its services, the receiver, the broker."""
    for proc in procs:
        proc.stop()
    receiver.stop()
    tansu.kill()
    tansu.wait(10)


def consumed(port: int, topic: str) -> float:
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("remedy_webhooks_consumed_total{") and f'topic="{topic}"' in line)


def subscribing(port: int) -> float:
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith("remedy_webhooks_subscribing_parties "))


def subscribe(url: str, headers: dict, target: str, **body) -> dict:
    answer = requests.post(f"{url}/v1/webhooks/subscriptions", json={"url": target, **body}, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("webhooks")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    bootstrap, codec, procs = f"127.0.0.1:{port}", Codec(REPO_ROOT / "schemas"), []
    receiver = Receiver({"strict": [400], "late": [503, 503]})
    try:
        provision(bootstrap)
        (tmp / "keys.json").write_text(keys_text())
        common = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(tmp / "data")}
        gw = ServiceProcess("gateway", {**common, "REMEDY_GATEWAY_PORT": str(free_port()),
                                        "REMEDY_GATEWAY_KEYS": str(tmp / "keys.json")}, tmp / "logs")
        hooks = ServiceProcess("webhooks", {**common, "REMEDY_WEBHOOKS_PORT": str(free_port()), **FAST}, tmp / "logs")
        for proc in (gw, hooks):
            proc.port = int(proc.env[f"REMEDY_{proc.name.upper()}_PORT"])
            procs.append(proc.start())
        for proc in procs:
            proc.wait_ready(timeout=90)
        yield {"gw": gw, "hooks": hooks, "url": f"http://127.0.0.1:{gw.port}", "bootstrap": bootstrap, "codec": codec,
               "receiver": receiver}
    finally:
        stop_stack(procs, receiver, tansu)


@pytest.fixture(scope="module")
def delivered(world):
    """Three parties subscribe (lender A to a receiver that is up, lender B to one that is down, the court to one
    that answers 400); then case events of both lenders, one case before the court."""
    url, receiver = world["url"], world["receiver"]
    up, down = free_port(), free_port()
    receiver.listen(up)
    subs = {"A": subscribe(url, A, f"http://127.0.0.1:{up}/a"),
            "B": subscribe(url, B, f"http://127.0.0.1:{down}/late")}
    body = json.dumps({"url": f"http://127.0.0.1:{up}/strict", "event_types": ["CaseTriaged"]}).encode()
    court = requests.post(f"{url}/v1/webhooks/subscriptions", data=body, timeout=10,
                          headers=court_headers("CT-350502", body, datetime.now(timezone.utc)))
    assert court.status_code == 201, court.text
    subs["court"] = court.json()
    wait_until(lambda: consumed(world["hooks"].port, "webhooks.intents") >= 3, timeout=20, every=0.1)
    wait_until(lambda: subscribing(world["hooks"].port) == 3, timeout=20, every=0.1)   # routing knows them too
    now = datetime.now(timezone.utc)
    pub = Publisher(world["bootstrap"], world["codec"])
    events = {"A": [], "B": []}
    for lender, who in (("LENDER-A", "A"), ("LENDER-B", "B")):
        for n in range(3):
            e = opened(lender, f"L-{who}{n}", f"D-{who}{n}", now)
            events[who].append(e)
            pub.send("case.events", e["case_id"], "CaseEvent", e)
    case = events["A"][0]["case_id"]
    triaged = event("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "rule_hash": "", "reason_codes": [],
                                    "score": 500, "mediation_centre": "MC-350502", "court": "CT-350502",
                                    "cross_region": False}, case, "LENDER-A", now, producer="triage")
    events["A"].append(triaged)
    pub.send("case.events", case, "CaseEvent", triaged)
    pub.flush()
    pub.close()
    wait_until(lambda: len(receiver.by("a")) >= 4 and receiver.by("strict"), timeout=20, every=0.1)
    time.sleep(1.5)                      # B's receiver is refused for a while: several attempts each
    receiver.listen(down)
    return {"subs": subs, "events": events, "triaged": triaged}


def test_a_subscriber_receives_signed_deliveries_it_can_verify(world, delivered):
    got = world["receiver"].by("a")
    secret = delivered["subs"]["A"]["secret"].encode()
    assert sorted(h["Remedy-Event-Id"] for h, _ in got) == sorted(e["event_id"] for e in delivered["events"]["A"])
    for headers, body in got:
        signing.verify(headers["Remedy-Signature"], secret, body, time.time())
        sent = json.loads(body)
        assert sent["event_id"] == headers["Remedy-Event-Id"] and sent["lender_id"] == "LENDER-A"
        assert "debtor_ref" not in body.decode() and "sealed_contact" not in body.decode()
        assert headers["Remedy-Delivery-Id"].startswith("WD")
    with pytest.raises(signing.BadSignature):
        signing.verify(got[0][0]["Remedy-Signature"], b"another secret", got[0][1], time.time())


def test_a_receiver_that_was_down_gets_every_delivery_once_by_event_id(world, delivered):
    receiver = world["receiver"]
    wanted = {e["event_id"] for e in delivered["events"]["B"]}
    wait_until(lambda: set(receiver.accepted("late")) >= wanted, timeout=20, every=0.2)
    time.sleep(1.0)                      # time enough for a repeat to show
    accepted = receiver.accepted("late")
    assert set(accepted) == wanted and set(accepted.values()) == {1}, accepted
    assert len(receiver.by("late")) == len(wanted) + 2, "the two 503s were retried, nothing else twice"
    log = requests.get(f"{world['url']}/v1/webhooks/deliveries", headers=B, timeout=10).json()["deliveries"]
    assert {d["status"] for d in log} == {"DELIVERED"} and len(log) == 3
    assert all(d["attempt"] >= 2 for d in log), "refused connections were attempts too"


def test_a_400_is_rejected_and_not_retried(world, delivered):
    time.sleep(2.0)                      # several back-offs' worth
    strict = world["receiver"].by("strict")
    assert [h["Remedy-Event-Id"] for h, _ in strict] == [delivered["triaged"]["event_id"]], "the court got its case's triage, once"
    path = "/v1/webhooks/deliveries?status=REJECTED"
    headers = court_headers("CT-350502", f"GET {path}".encode(), datetime.now(timezone.utc))
    log = requests.get(world["url"] + path, headers=headers, timeout=10).json()["deliveries"]
    assert [(d["status"], d["http_status"], d["event_type"]) for d in log] == [("REJECTED", 400, "CaseTriaged")]
    metrics = requests.get(f"http://127.0.0.1:{world['hooks'].port}/metrics", timeout=5).text
    assert 'remedy_webhooks_deliveries_total{outcome="REJECTED"} 1.0' in metrics
    assert 'remedy_webhooks_attempts_total{result="RETRY"}' in metrics and "remedy_webhooks_oldest_pending_seconds" in metrics


def test_the_log_shows_each_party_its_own_deliveries_and_a_replay_sends_again(world, delivered):
    url = world["url"]
    mine = requests.get(f"{url}/v1/webhooks/deliveries", headers=A, timeout=10).json()["deliveries"]
    assert {d["case_id"] for d in mine} == {e["case_id"] for e in delivered["events"]["A"]} and len(mine) == 4
    theirs = requests.get(f"{url}/v1/webhooks/deliveries", headers=B, timeout=10).json()["deliveries"]
    assert not {d["delivery_id"] for d in mine} & {d["delivery_id"] for d in theirs}
    other = theirs[0]["delivery_id"]
    assert requests.post(f"{url}/v1/webhooks/deliveries/{other}/replay", headers=A, timeout=10).status_code == 404
    before = len(world["receiver"].by("a"))
    replay = requests.post(f"{url}/v1/webhooks/deliveries/{mine[0]['delivery_id']}/replay", headers=A, timeout=10)
    assert replay.status_code == 202, replay.text
    wait_until(lambda: len(world["receiver"].by("a")) > before, timeout=15, every=0.1)
    assert world["receiver"].by("a")[-1][0]["Remedy-Event-Id"] == mine[0]["event_id"]
    listed = requests.get(f"{url}/v1/webhooks/subscriptions", headers=A, timeout=10).json()
    assert [s["subscription_id"] for s in listed["subscriptions"]] == [delivered["subs"]["A"]["subscription_id"]]
    assert "secret" not in listed["subscriptions"][0]
    gone = requests.delete(f"{url}/v1/webhooks/subscriptions/{delivered['subs']['A']['subscription_id']}", headers=A, timeout=10)
    assert gone.status_code == 200 and requests.get(f"{url}/v1/webhooks/subscriptions", headers=A, timeout=10).json()["total"] == 0

