"""The gateway's /healthz and /readyz tell the truth: not ready before the read model caught up, not alive once
its reader died (and why)."""
import asyncio

from services.gateway.health import liveness, reader_state, readiness


def test_ready_only_when_caught_up_and_alive_only_while_the_reader_runs():
    assert readiness(True, "", 10, False)[0] == 503 and readiness(True, "", 10, False)[1]["status"] == "catching up"
    assert readiness(True, "", 10, True) == (200, {"ok": True, "cases": 10, "caught_up": True, "status": "ok"})
    assert liveness(True, "", 10, False)[0] == 200
    status, body = liveness(False, "KafkaError: gone", 10, True)
    assert status == 503 and body["status"] == "read model stopped" and body["error"] == "KafkaError: gone"
    assert readiness(False, "KafkaError: gone", 10, True)[0] == 503


def test_a_dead_reader_task_says_why():
    async def fail():
        raise RuntimeError("the broker recreated its topics")

    async def run():
        task = asyncio.create_task(fail())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return reader_state(task), reader_state(None)

    dead, not_started = asyncio.run(run())
    assert dead == (False, "RuntimeError: the broker recreated its topics") and not_started == (True, "")
