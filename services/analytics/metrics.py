"""analytics' metrics, all in one place: the shared ones (``remedy.runtime.metrics``), consumer lag and
stage backlog (``remedy.runtime.lag``), and the sink's own. Names follow ``remedy_analytics_…``."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from remedy.runtime.lag import LagGauges
from remedy.runtime.metrics import ServiceMetrics

FLUSH_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class AnalyticsMetrics(ServiceMetrics):
    def __init__(self):
        super().__init__("analytics")
        r, p = self.registry, "remedy_analytics_"
        self.lag = LagGauges(r, "analytics")
        self.rows_written = Counter(p + "rows_written", "Rows inserted into ClickHouse", ["table"], registry=r)
        self.already_stored = Counter(p + "already_stored", "Records not inserted again: ClickHouse held their rows "
                                      "when their partition was taken over", ["table"], registry=r)
        self.flushes = Counter(p + "flushes", "Batched inserts, by result", ["result"], registry=r)
        self.flush_seconds = Histogram(p + "flush_seconds", "Time to insert one batch and commit its offsets",
                                       buckets=FLUSH_BUCKETS, registry=r)
        self.last_flush = Gauge(p + "last_flush_timestamp_seconds", "Unix time of the last successful flush", registry=r)
        self.snapshot_seconds = Histogram(p + "snapshot_build_seconds", "Time to build the dashboard's snapshot",
                                          buckets=FLUSH_BUCKETS + (30.0, 60.0), registry=r)
        self.snapshot_as_of = Gauge(p + "snapshot_as_of_timestamp_seconds",
                                    "Unix time up to which the dashboard's snapshot holds every event written", registry=r)
        self.snapshot_cases = Gauge(p + "snapshot_cases", "Cases in the dashboard's snapshot", registry=r)
        self.buffered_rows = Gauge(p + "buffered_rows", "Rows decoded but not yet inserted", registry=r)
        self.newest_event = Gauge(p + "newest_event_timestamp_seconds",
                                  "occurred_at of the newest case event written (simulated clock)", registry=r)
        self.deadline_breaches = Gauge(p + "deadline_breaches", "Open cases past a stage deadline now, by rule",
                                       ["rule"], registry=r)
        self.requests = Counter(p + "http_requests", "Dashboard and API requests, by path and status",
                                ["path", "status"], registry=r)
