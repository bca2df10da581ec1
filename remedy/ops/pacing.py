"""Pacing simulated time to the platform's progress, for ``remedy run``.

A clock that runs at a fixed scale makes a run's outcome depend on the machine: when the services
fall behind, deadlines expire before the events that would have met them are processed (on 2 cores
at 12 simulated hours a second, the 8,539-case batch settled 1% instead of a third). The pacer
instead sets the shared ``PacedClock``'s rate from the consumer groups' lag: full speed while every
group has caught up, proportionally slower as records wait, stopped at ``stop_lag``. A run is then
as faithful as on a fast machine, and takes as long as the CPU needs.

Lag is what each worker reports (``ServiceLag``): the records its agents have not handled yet, against
the high watermark its consumer last fetched (``records_waiting``; before an agent has handled anything,
its committed offset), so workers should sample often (``lag_sample_seconds``). On Tansu a high watermark can read low by up to a batch per partition: the
pacer tolerates ``go_lag`` records before it slows down.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from remedy.kernel.clock import ClockFile
from remedy.contract.topics import Topic, load_registry

log = logging.getLogger("remedy.ops.pacing")


OBSERVERS = ("analytics", "gateway", "operators")  # they watch the funnel; nothing in it waits for them


def pacing_groups(registry: dict[str, Topic], extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Consumer group → the topics it consumes, from the topic registry. Changelogs (read only at
    recovery), dead letters and the observers do not hold time: the report waits for analytics anyway."""
    groups: dict[str, list[str]] = {}
    for name, topic in registry.items():
        if name.endswith("-changelog") or name.endswith(".dlq"):
            continue
        for consumer in topic.consumers:
            if consumer not in OBSERVERS:
                groups.setdefault(consumer, []).append(name)
    for group, topics in (extra or {}).items():
        groups.setdefault(group, []).extend(topics)
    return groups


def rate_for(lag: int, max_rate: float, go_lag: int, stop_lag: int) -> float:
    """Full speed up to ``go_lag`` records waiting, linearly slower up to ``stop_lag``, then stopped."""
    if lag <= go_lag:
        return max_rate
    if lag >= stop_lag:
        return 0.0
    return max_rate * (stop_lag - lag) / (stop_lag - go_lag)


class Pacer:
    """Owns a ``ClockFile``: starts simulated time at ``epoch`` and re-sets its rate every ``interval``
    real seconds from ``probe()`` (records waiting across the groups)."""

    def __init__(self, file: ClockFile, epoch: datetime, max_rate: float, probe, *, go_lag: int = 100,
                 stop_lag: int = 1000, interval: float = 0.5, real=time.time):
        self.file, self.max_rate, self.probe, self._real = file, max_rate, probe, real
        self.go_lag, self.stop_lag, self.interval = go_lag, stop_lag, interval
        self._sim_ms, self._anchor, self._rate = epoch.timestamp() * 1000, real(), 0.0
        self.lag, self.held_seconds = 0, 0.0
        self._probe_failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.file.write(self._sim_ms, self._anchor, self._rate)

    @property
    def rate(self) -> float:
        return self._rate

    def sim_ms(self, real: float | None = None) -> float:
        real = self._real() if real is None else real
        return self._sim_ms + (real - self._anchor) * self._rate * 1000

    def set_rate(self, rate: float) -> None:
        real = self._real()
        if rate == self._rate:
            return
        self._sim_ms, self._anchor, self._rate = self.sim_ms(real), real, rate
        self.file.write(self._sim_ms, self._anchor, self._rate)

    def step(self) -> float:
        try:
            self.lag = self.probe()
        except Exception as exc:  # noqa: BLE001 - a failed probe holds time rather than letting it run blind
            if not self._probe_failing:   # once per spell (a worker restarting fails it for seconds)
                log.warning("pacer: lag probe failed (%s); holding the clock until it answers", exc)
            self._probe_failing = True
            self.lag = self.stop_lag
        else:
            if self._probe_failing:
                log.warning("pacer: lag probe answers again")
            self._probe_failing = False
        rate = rate_for(self.lag, self.max_rate, self.go_lag, self.stop_lag)
        if rate == 0:
            self.held_seconds += self.interval
        self.set_rate(rate)
        return rate

    def start(self) -> "Pacer":
        def loop():
            while not self._stop.wait(self.interval):
                self.step()
        self.step()
        self._thread = threading.Thread(target=loop, name="pacer", daemon=True)
        self._thread.start()
        return self

    def stop(self, hold: bool = True) -> None:
        """Stop pacing; ``hold`` freezes simulated time where it is."""
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        if hold:
            self.set_rate(0.0)


class ServiceLag:
    """Records waiting per group, as the workers report them on ``/records-waiting`` (from their own
    bookkeeping: no request to the broker) and the simulator in its lag file. ``ports`` holds each
    group's HTTP port, or the ports of all its instances (``remedy up --scale``): each instance reports
    the partitions it holds, and a group's figure is their sum.

    Asking the broker instead (ListOffsets over ~60 partitions plus OffsetFetch per group, four times
    a second) made Tansu the second busiest process of a run: its in-memory engine answers ListOffsets
    in time that grows with the log (~200 ms per probe by mid-run)."""

    def __init__(self, ports: dict[str, int | list[int]], groups: dict[str, list[str]], sim_group: str,
                 sim_lag_file: str):
        self.ports = {group: [p] if isinstance(p, int) else list(p) for group, p in ports.items()}
        self.groups, self.sim_group, self.sim_lag_file = groups, sim_group, sim_lag_file

    def per_group(self) -> dict[str, int]:
        out = {}
        for group, topics in self.groups.items():
            if group == self.sim_group:
                try:
                    with open(self.sim_lag_file) as f:
                        out[group] = int(f.read() or 0)
                except FileNotFoundError:
                    out[group] = 0   # the simulator has not read anything yet
                continue
            out[group] = 0
            for port in self.ports[group]:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/records-waiting", timeout=5) as resp:
                    waiting = json.loads(resp.read())
                out[group] += sum(n for topic, n in waiting.items() if topic in topics)
        return out

    def __call__(self) -> int:
        return sum(self.per_group().values())


def registry_groups(schemas_dir: str, sim_group: str) -> dict[str, list[str]]:
    return pacing_groups(load_registry(Path(schemas_dir) / "topics.json"), {sim_group: ["case.events"]})
