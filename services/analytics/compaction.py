"""Merging each case's folded rows once the funnel is quiet.

``case_facts`` (deploy/clickhouse/005_case_facts.sql) gets a part per insert; ClickHouse merges parts in the
background, and a read merges what is left (``FINAL``): the dashboard's snapshot builds (snapshot.py) and Grafana's
panels over ``case_state``. When the sink has written nothing for ``quiet`` seconds — a frozen funnel, a night —
and the table holds more than one part, the service merges it whole (``OPTIMIZE … FINAL``), once per quiet spell,
on the snapshot builder's connection, never the panels'.
"""
from __future__ import annotations

import time

from services.analytics.metrics import AnalyticsMetrics
from services.analytics.store import Store

LAST_FLUSH = "remedy_analytics_last_flush_timestamp_seconds"


class Compactor:
    def __init__(self, store: Store, metrics: AnalyticsMetrics, quiet: float = 60.0, now=time.time):
        self.store, self.metrics, self.quiet, self.now = store, metrics, quiet, now
        self.merged_after: float | None = None   # the last flush the table was merged after

    def due(self) -> bool:
        last = self.metrics.registry.get_sample_value(LAST_FLUSH) or 0.0
        return last > 0 and last != self.merged_after and self.now() - last >= self.quiet

    async def tick(self) -> bool:
        """Merge the table if the sink has been quiet long enough and it has more than one part; True if merged."""
        if not self.due():
            return False
        self.merged_after = self.metrics.registry.get_sample_value(LAST_FLUSH)
        (row,) = await self.store.run(self.store.rows, "SELECT count() AS parts FROM system.parts "
                                                       "WHERE database = currentDatabase() AND table = 'case_facts' AND active")
        if row["parts"] <= 1:
            return False
        await self.store.run(self.store.client.command, "OPTIMIZE TABLE case_facts FINAL")
        return True
