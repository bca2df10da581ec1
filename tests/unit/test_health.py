"""remedy.runtime.health: a worker says it is unhealthy once its broker has not answered for a while, and
healthy again as soon as it does."""
from __future__ import annotations

import asyncio

from remedy.runtime.health import BrokerHealth


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Client:
    def __init__(self):
        self.down = False

    async def fetch_all_metadata(self):
        if self.down:
            raise ConnectionError("Unable to connect to 127.0.0.1:9092")
        return "metadata"


def probe(health: BrokerHealth, client: Client) -> None:
    asyncio.run(health.probe(lambda: client))


def test_starting_until_the_first_answer_then_ok():
    clock, client = Clock(), Client()
    health = BrokerHealth(grace=15, now=clock)
    assert health.status()[0] == 503 and health.status()[1]["status"] == "starting"
    probe(health, client)
    status, body = health.status()
    assert (status, body["status"], body["broker_reachable"]) == (200, "ok", True)


def test_unhealthy_once_the_broker_is_silent_past_the_grace_and_healthy_when_it_answers_again():
    clock, client = Clock(), Client()
    health = BrokerHealth(grace=15, now=clock)
    probe(health, client)
    client.down = True
    clock.t += 10
    probe(health, client)
    assert health.status()[0] == 200, "one failed probe within the grace period is not yet unhealthy"
    clock.t += 6
    probe(health, client)
    status, body = health.status()
    assert status == 503 and body["status"] == "broker unreachable"
    assert body["last_error"] == "ConnectionError: Unable to connect to 127.0.0.1:9092"
    assert body["seconds_since_broker_answered"] == 16.0
    client.down = False
    probe(health, client)
    assert health.status() == (200, {"status": "ok", "broker_reachable": True, "seconds_since_broker_answered": 0.0})


def test_a_broker_never_reached_is_unreachable_after_the_grace_and_a_stopping_worker_is_unhealthy():
    clock, client = Clock(), Client()
    client.down = True
    health = BrokerHealth(grace=15, now=clock)
    clock.t += 16
    probe(health, client)
    assert health.status()[1]["status"] == "broker unreachable"
    client.down = False
    probe(health, client)
    assert health.status(running=False)[0] == 503 and health.status(running=False)[1]["status"] == "stopping"


def test_a_probe_that_hangs_counts_as_a_failure(monkeypatch):
    import remedy.runtime.health as health_module

    class Hanging:
        async def fetch_all_metadata(self):
            await asyncio.sleep(10)

    monkeypatch.setattr(health_module, "TIMEOUT", 0.05)
    health = BrokerHealth()
    asyncio.run(health.probe(lambda: Hanging()))
    assert health.last_ok is None and health.last_error == "TimeoutError"
