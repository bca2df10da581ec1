"""Pacing simulated time to the platform's progress, for ``remedy run``.

A clock that runs at a fixed scale makes a run's outcome depend on the machine: when the services
fall behind, deadlines expire before the events that would have met them are processed (on 2 cores
at 12 simulated hours a second, the 8,539-case batch settled 1% instead of a third). The pacer
instead sets the shared ``PacedClock``'s rate from the consumer groups' lag: full speed while every
group has caught up, proportionally slower as records wait, stopped at ``stop_lag``. A run is then
as faithful as on a fast machine, and takes as long as the CPU needs.

Lag is read from committed offsets, so workers should commit often (``commit_interval_seconds``).
On Tansu a partition's reported end is the start of its last batch, so lag reads low by at most a
batch per partition: the pacer tolerates ``go_lag`` records before it slows down.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

from remedy.clock import ClockFile

log = logging.getLogger("remedy.pacing")


OBSERVERS = ("analytics", "gateway", "operators")  # they watch the funnel; nothing in it waits for them


def pacing_groups(registry: dict, extra: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Consumer group → the topics it consumes, from the topic registry. Changelogs (read only at
    recovery), dead letters and the observers do not hold time: the report waits for analytics anyway."""
    groups: dict[str, list[str]] = {}
    for topic in registry["topics"]:
        name = topic["name"]
        if name.endswith("-changelog") or name.endswith(".dlq"):
            continue
        for consumer in topic.get("consumers", []):
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
                 stop_lag: int = 1000, interval: float = 0.25, real=time.time):
        self.file, self.max_rate, self.probe, self._real = file, max_rate, probe, real
        self.go_lag, self.stop_lag, self.interval = go_lag, stop_lag, interval
        self._sim_ms, self._anchor, self._rate = epoch.timestamp() * 1000, real(), 0.0
        self.lag, self.held_seconds = 0, 0.0
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
            log.warning("pacer: lag probe failed (%s); holding the clock", exc)
            self.lag = self.stop_lag
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


class KafkaLag:
    """Records waiting for each group: partition end offsets minus the group's committed offsets
    (nothing committed counts from 0: every group reads its topics from the beginning)."""

    def __init__(self, bootstrap: str, groups: dict[str, list[str]]):
        from kafka import KafkaAdminClient, KafkaConsumer

        self.groups = groups
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="remedy-pacer")
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), client_id="remedy-pacer",
                                      enable_auto_commit=False)
        self._partitions: dict[str, list] = {}

    def _tps(self, topic: str) -> list:
        from kafka import TopicPartition

        if not self._partitions.get(topic):
            self._partitions[topic] = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
        return self._partitions[topic]

    def per_group(self) -> dict[str, int]:
        tps = [tp for topics in self.groups.values() for topic in topics for tp in self._tps(topic)]
        ends = self.consumer.end_offsets(tps)
        out = {}
        for group, topics in self.groups.items():
            committed = self.admin.list_group_offsets({group: None}).get(group, {})
            out[group] = sum(max(0, ends.get(tp, 0) - (committed[tp].offset if tp in committed else 0))
                             for topic in topics for tp in self._tps(topic))
        return out

    def __call__(self) -> int:
        return sum(self.per_group().values())

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()


def registry_groups(schemas_dir: str, sim_group: str) -> dict[str, list[str]]:
    with open(f"{schemas_dir}/topics.json") as f:
        return pacing_groups(json.load(f), {sim_group: ["case.events"]})
