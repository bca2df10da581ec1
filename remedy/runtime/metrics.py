"""The metrics every service exposes on /metrics, named ``remedy_<service>_…``.

Each service gets its own registry so several services (or tests) can live in one process.
Labels are topic, reason, error type — never a case id.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from remedy.kernel import workdays

LATENCY_BUCKETS = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class ServiceMetrics:
    def __init__(self, service: str):
        self.service = service
        self.registry = CollectorRegistry()
        p = f"remedy_{service}_"
        r = self.registry
        self.consumed = Counter(p + "consumed", "Input records consumed", ["topic"], registry=r)
        self.emitted = Counter(p + "emitted", "Records emitted", ["topic", "type"], registry=r)
        self.rejected = Counter(p + "rejected", "Inputs rejected, by reason code", ["reason"], registry=r)
        self.dead_lettered = Counter(p + "dead_lettered", "Inputs sent to the dead-letter topic", ["topic", "error_type"], registry=r)
        self.records_refused = Counter(p + "records_refused", "Records on a signed topic refused: unsigned, unknown key, "
                                       "bad signature, expired key or signer mismatch", ["reason"], registry=r)
        self.duplicates = Counter(p + "duplicates", "Redelivered or re-published inputs that changed nothing", ["topic"], registry=r)
        self.send_failed = Counter(p + "send_failed", "Records the producer could not write after its retries", registry=r)
        self.latency = Histogram(p + "processing_seconds", "Time to decide on one input", ["topic"], buckets=LATENCY_BUCKETS, registry=r)
        r.register(CalendarCollector(p))

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class CalendarCollector:
    """The working-day calendar's reach, read at each scrape (``remedy.kernel.workdays``): the last year it
    knows, and per later year how often this process counted Monday to Friday because it knew no better.
    Alert on any such lookup: upgrade chinese-calendar once the State Council's notice is out."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def collect(self):
        last = GaugeMetricFamily(self.prefix + "workdays_calendar_last_year",
                                 "The last year the working-day calendar (chinese-calendar) knows")
        last.add_metric([], workdays.LAST_YEAR)
        beyond = CounterMetricFamily(self.prefix + "workdays_beyond_calendar",
                                     "Working-day lookups for a year the calendar does not know, counted Monday to Friday",
                                     labels=["year"])
        for year, count in sorted(workdays.beyond_calendar_lookups().items()):
            beyond.add_metric([str(year)], count)
        return [last, beyond]
