"""The gateway's ``/healthz`` (alive: its read model's reader still runs) and ``/readyz`` (ready: alive, and the
read model has caught up with the topics, so an answer reflects what is on them). Pure."""
from __future__ import annotations


def reader_state(task) -> tuple[bool, str]:
    """(still running, why it stopped) of the read model's reader task (None: not started yet)."""
    if task is None or not task.done():
        return True, ""
    if task.cancelled():
        return False, "cancelled"
    error = task.exception()
    return False, f"{type(error).__name__}: {error}" if error else "ended"


def liveness(running: bool, why: str, cases: int, caught_up: bool) -> tuple[int, dict]:
    body = {"ok": running, "cases": cases, "caught_up": caught_up}
    if running:
        return 200, {**body, "status": "ok"}
    return 503, {**body, "status": "read model stopped", "error": why}


def readiness(running: bool, why: str, cases: int, caught_up: bool) -> tuple[int, dict]:
    status, body = liveness(running, why, cases, caught_up)
    if status != 200:
        return status, body
    if not caught_up:
        return 503, {**body, "ok": False, "status": "catching up"}
    return 200, body
