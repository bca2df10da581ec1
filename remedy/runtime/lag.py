"""Consumer lag per partition and stage backlog, on a service's /metrics.

- ``remedy_<service>_consumer_lag{topic,partition}``: records between the group's committed
  offset and the partition's end offset.
- ``remedy_<service>_records_waiting{topic,partition}``: records between what the service has
  handled and the partition's end offset. The committed offset trails what is handled by up to a
  commit interval, hundreds of records at full speed: ``remedy run``'s pacer reads this one.
- ``remedy_<service>_unserved_seconds{topic,partition}``: while records wait on a partition, seconds since the
  service last handled one of them (or since it was assigned the partition); 0 when nothing waits. A partition
  left unserved while others are worked through reads high here (faust logs the same as "Stream stopped
  processing, or is slow" past ``stream_processing_timeout``).
- ``remedy_<service>_stage_backlog{stage}``: cases waiting in a stage, set by the service that owns
  the stage (analytics sets it for every stage from its case-state projection).

Tansu reports a partition's end offset as the start of its last batch, not last offset + 1 (see
docs/architecture.md). So on Tansu the lag read here is a lower bound, short by at most the size of the last
batch minus one, and it reads 0 once the consumer has passed the start of the last batch (the
consumer's position, last + 1, is then beyond the reported end, which we clamp). On Apache Kafka it
is exact. Alerts therefore look at lag that *grows*, not at a small constant lag.

The committed offsets come from faust's consumer's own record of them (``Consumer._committed_offset``,
private: filled from the broker when partitions are assigned and on each commit). aiokafka's public
``committed(tp)`` asks the group coordinator, a round trip per partition per sample (``remedy run``
samples every 0.25 s); faust's ``app.monitor.tp_committed_offsets`` only learns of this process's own
commits, so a partition idle since a restart would read its whole log as lag. ``GUARDS`` checks the
private name at start-up (``remedy.runtime.patches.guard``).
"""
from __future__ import annotations

import logging
import time
from typing import Iterable

from prometheus_client import CollectorRegistry, Gauge

from remedy.runtime.generation import IndexGeneration
from remedy.runtime.patches.guard import Guard

log = logging.getLogger("remedy.runtime.lag")

GUARDS = (
    Guard(module=__name__, use="reads", target="faust.transport.consumer:Consumer._committed_offset", kind="attribute",
          distribution="faust-streaming", versions=("0.15.3",)),
)


def lag(committed: int | None, end_offset: int | None) -> int:
    """Records behind for one partition; nothing committed yet counts from offset 0."""
    if end_offset is None:
        return 0
    return max(0, end_offset - (committed or 0))


class LagGauges:
    def __init__(self, registry: CollectorRegistry, service: str):
        p = f"remedy_{service}_"
        self.consumer_lag = Gauge(p + "consumer_lag", "Records between the committed offset and the partition end "
                                  "(a lower bound on Tansu)", ["topic", "partition"], registry=registry)
        self.records_waiting = Gauge(p + "records_waiting", "Records between the last one handled and the partition "
                                     "end (a lower bound on Tansu)", ["topic", "partition"], registry=registry)
        self.unserved_seconds = Gauge(p + "unserved_seconds", "While records wait on a partition, seconds since the "
                                      "last one was handled (or the partition assigned); 0 when none wait",
                                      ["topic", "partition"], registry=registry)
        self.assigned_at: dict = {}  # topic-partition -> when this assignment was first sampled (monotonic s)
        self._waiting: dict[tuple[str, int], int] = {}
        self.waiting: dict[str, int] = {}  # topic -> records waiting over its partitions (the /records-waiting page)
        self.sampled = False               # a sample has been published (the /readyz page waits for one)
        self.handled: dict = {}  # topic-partition -> offset after the last record handled (Runtime.agent sets it)
        self.stage_backlog = Gauge(p + "stage_backlog", "Cases currently waiting in each stage", ["stage"],
                                   registry=registry)

    def observe(self, topic: str, partition: int, committed: int | None, end_offset: int | None,
                handled: int | None = None) -> int:
        """Records waiting on the partition."""
        self.consumer_lag.labels(topic, str(partition)).set(lag(committed, end_offset))
        position = committed if handled is None or (committed is not None and committed > handled) else handled
        waiting = self._waiting[(topic, partition)] = lag(position, end_offset)
        self.records_waiting.labels(topic, str(partition)).set(waiting)
        return waiting

    def observe_unserved(self, topic: str, partition: int, waiting: int, served_at: float, now: float) -> None:
        self.unserved_seconds.labels(topic, str(partition)).set(round(now - served_at, 1) if waiting else 0)

    def start_sample(self) -> None:
        self._waiting = {}

    def end_sample(self) -> None:
        """Publish the sample's per-topic totals at once: a reader never sees half a sample."""
        totals: dict[str, int] = {}
        for (topic, _), n in self._waiting.items():
            totals[topic] = totals.get(topic, 0) + n
        self.waiting, self.sampled = totals, True

    def set_backlog(self, counts: Iterable[tuple[str, int]]) -> None:
        """The service's cases per stage now; a stage seen before and absent now reads 0."""
        counts = dict(counts)
        self._stages = getattr(self, "_stages", set()) | counts.keys()
        for stage in self._stages:
            self.stage_backlog.labels(stage).set(counts.get(stage, 0))


def attach_faust(app, gauges: LagGauges, interval: float = 5.0) -> None:
    """Sample a faust worker's lag every ``interval`` seconds from its consumer's own bookkeeping."""

    handled_for = IndexGeneration(app)

    @app.timer(interval=interval)
    async def sample_consumer_lag() -> None:
        consumer = app.consumer
        now = time.monotonic()
        if handled_for.stale:  # after a rebalance a partition may be read again from its committed offset
            gauges.handled.clear()
            gauges.assigned_at.clear()
            handled_for.built()
        try:
            gauges.start_sample()
            inbound = app.monitor.stream_inbound_time
            for tp in consumer.assignment():
                waiting = gauges.observe(tp.topic, tp.partition, consumer._committed_offset.get(tp),
                                         consumer.highwater(tp), gauges.handled.get(tp))
                if not waiting:
                    inbound[tp] = now   # nothing waiting: its stream is keeping up (faust's stall check; nomonitor)
                served_at = max(inbound.get(tp, 0.0), gauges.assigned_at.setdefault(tp, now))
                gauges.observe_unserved(tp.topic, tp.partition, waiting, served_at, now)
            gauges.end_sample()
        except Exception as exc:  # noqa: BLE001 - a metric must never stop a worker
            log.debug("lag sample failed: %s", exc)
