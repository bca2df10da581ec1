"""A worker's ``/healthz``: can it reach its broker, and is it still running; and its ``/readyz``: alive, its
tables recovered and its inputs caught up.

faust retries a broker it cannot reach on its own, for as long as it takes; nothing outside the process
could tell. ``BrokerHealth`` asks the broker for its metadata every ``interval`` seconds through the
producer's client (aiokafka's public ``fetch_all_metadata``) and remembers the last answer. The worker
is healthy while the last good answer is at most ``grace`` seconds old; ``/healthz`` then answers 200,
otherwise 503 with the reason, so a load balancer, systemd's watchdog script or an operator sees a
worker cut off from its broker as unhealthy while it keeps retrying.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable

INTERVAL = 5.0   # seconds between probes
GRACE = 15.0     # seconds without a good answer before the worker reports itself unhealthy
TIMEOUT = 5.0    # seconds a probe may take


class BrokerHealth:
    def __init__(self, interval: float = INTERVAL, grace: float = GRACE, now: Callable[[], float] = time.monotonic):
        self.interval, self.grace, self._now = interval, grace, now
        self.started = now()
        self.last_ok: float | None = None
        self.last_error = ""

    async def probe(self, client: Callable[[], object]) -> None:
        """One metadata round trip through ``client()`` (the producer's aiokafka client); its outcome is
        remembered, never raised: the next probe tries again."""
        try:
            await asyncio.wait_for(client().fetch_all_metadata(), TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means: not reachable now
            self.last_error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            self.last_ok, self.last_error = self._now(), ""

    def status(self, running: bool = True) -> tuple[int, dict]:
        """(HTTP status, body) for ``/healthz``."""
        now = self._now()
        body: dict = {"broker_reachable": self.last_ok is not None and now - self.last_ok <= self.grace,
                      "seconds_since_broker_answered": None if self.last_ok is None else round(now - self.last_ok, 1)}
        if self.last_error:
            body["last_error"] = self.last_error
        if not running:
            return 503, {"status": "stopping", **body}
        if body["broker_reachable"]:
            return 200, {"status": "ok", **body}
        if self.last_ok is None and now - self.started <= self.grace:
            return 503, {"status": "starting", **body}
        return 503, {"status": "broker unreachable", **body}


def readiness(alive: tuple[int, dict], recovering: bool, waiting: dict[str, int] | None, most: int) -> tuple[int, dict]:
    """(HTTP status, body) for ``/readyz``: alive (``/healthz``'s answer), its tables recovered (not rebalancing
    or in recovery), and caught up: at most ``most`` records waiting over its inputs at the last lag sample
    (``waiting`` None: no sample yet). A rollout waits for it; a worker far behind is alive but not ready."""
    status, body = alive
    if status != 200:
        return status, body
    if recovering:
        return 503, {**body, "status": "recovering its tables"}
    if waiting is None:
        return 503, {**body, "status": "starting"}
    behind = sum(waiting.values())
    body = {**body, "records_waiting": behind}
    return (200, body) if behind <= most else (503, {**body, "status": "catching up"})
