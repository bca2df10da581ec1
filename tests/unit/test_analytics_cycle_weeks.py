"""On the embedded engine: the cycle-time distribution counts closed cases per whole week from opening to close."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# chDB keeps one engine per process: the query runs in a process of its own.
SCRIPT = r"""
import json
from datetime import datetime, timezone
from services.analytics import queries, snapshot
from services.analytics.store import Store

store = Store.open("chdb://:memory:")
store.migrate()
at = lambda day: datetime(2026, 12, day, 2, tzinfo=timezone.utc)
rows = [("C-A", "CaseOpened", "OPENED", 1, 0), ("C-A", "CaseClosed", "CLOSED", 3, 1),     # 2 days: week 0
        ("C-B", "CaseOpened", "OPENED", 1, 2), ("C-B", "CaseClosed", "CLOSED", 8, 3),     # 7 days: week 1
        ("C-C", "CaseOpened", "OPENED", 1, 4), ("C-C", "CaseClosed", "CLOSED", 20, 5),    # 19 days: week 2
        ("C-D", "CaseOpened", "OPENED", 2, 6), ("C-D", "CaseClosed", "CLOSED", 3, 7),     # 1 day: week 0
        ("C-E", "CaseOpened", "OPENED", 1, 8)]                                            # open: not counted
names = ("event_id", "case_id", "lender_id", "event_type", "stage", "occurred_at", "src_offset")
columns = [list(col) for col in zip(*[(f"E{o}", c, "LENDER-A", t, s, at(d), o) for c, t, s, d, o in rows])]
store.insert("case_events", names, columns)
snapshot.build(store)   # what the panels read
print(json.dumps(queries.cycle_weeks(store.rows, queries.Filters())))
"""


def test_closed_cases_are_counted_per_whole_week_of_cycle_time():
    pytest.importorskip("chdb")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [{"week": 0, "cases": 2}, {"week": 1, "cases": 1},
                                                                 {"week": 2, "cases": 1}]
