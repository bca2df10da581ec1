"""When an in-memory index built from a faust table has to be rebuilt.

A rebalance or a recovery replaces a table's contents under the worker; indexes kept beside it (due
times, batch memberships, wake-ups) are then stale. faust counts rebalances: an index remembers the
count it was built for.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import faust


class IndexGeneration:
    def __init__(self, app: faust.App):
        self.app, self._built_for = app, -1

    @property
    def settled(self) -> bool:
        """False while partitions move or tables recover: no index can be trusted, none should be built."""
        return not (self.app.rebalancing or self.app.in_recovery)

    @property
    def stale(self) -> bool:
        """The table changed under the index since it was built (or it never was)."""
        return self._built_for != self.app.rebalancing_count

    def built(self) -> None:
        self._built_for = self.app.rebalancing_count
