"""A worker is ready only when alive, with its tables recovered and its inputs caught up."""
from remedy.runtime.health import readiness

ALIVE = (200, {"status": "ok", "broker_reachable": True})


def test_ready_when_alive_recovered_and_caught_up():
    assert readiness(ALIVE, False, {"case.events": 3, "triage.by-debtor": 0}, 1000) == \
        (200, {"status": "ok", "broker_reachable": True, "records_waiting": 3})


def test_not_ready_while_recovering_starting_or_far_behind_and_never_when_dead():
    assert readiness(ALIVE, True, {}, 1000)[1]["status"] == "recovering its tables"
    assert readiness(ALIVE, False, None, 1000)[1]["status"] == "starting"
    behind = readiness(ALIVE, False, {"case.events": 1500}, 1000)
    assert behind[0] == 503 and behind[1]["status"] == "catching up" and behind[1]["records_waiting"] == 1500
    dead = (503, {"status": "broker unreachable"})
    assert readiness(dead, False, {}, 1000) == dead
