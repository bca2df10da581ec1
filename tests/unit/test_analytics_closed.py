"""On the embedded engine: a case closed before a racing stage event is neither in the backlog nor overdue."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# chDB keeps one engine per process: the queries run in a process of their own.
SCRIPT = r"""
import json
from datetime import datetime, timezone
from services.analytics import queries, snapshot
from services.analytics.store import Store

store = Store.open("chdb://:memory:")
store.migrate()
at = lambda day: datetime(2026, 12, day, 2, tzinfo=timezone.utc)
rows = [  # (case, event type, stage it moves the case into, day, offset)
    ("C-OPEN", "CaseOpened", "OPENED", 1, 0), ("C-OPEN", "LitigationFiled", "LITIGATION", 2, 1),
    ("C-RACE", "CaseOpened", "OPENED", 1, 2), ("C-RACE", "CaseClosed", "CLOSED", 2, 3),
    ("C-RACE", "LitigationFiled", "LITIGATION", 3, 4),
    ("C-TIER", "CaseOpened", "OPENED", 1, 5), ("C-TIER", "CaseClosed", "CLOSED", 2, 6),
    ("C-TIER", "CaseTriaged", "PEOPLES_MEDIATION", 3, 7),
]
names = ("event_id", "case_id", "lender_id", "event_type", "stage", "occurred_at", "src_offset")
columns = [list(col) for col in zip(*[(f"E{o}", c, "LENDER-A", t, s, at(d), o) for c, t, s, d, o in rows])]
store.insert("case_events", names, columns)
snapshot.build(store)   # what the panels read
f = queries.Filters()
backlog = queries.backlog(store.rows, f, at(30))
deadlines = queries.deadlines(store.rows, f, at(30), tier_days=1)
print(json.dumps({"backlog": {r["stage"]: r["cases"] for r in backlog}, "mediation_tier": deadlines["mediation_tier"]}))
"""


def test_a_case_closed_before_a_racing_stage_event_is_not_in_the_backlog_nor_overdue():
    pytest.importorskip("chdb")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == {"backlog": {"LITIGATION": 1}, "mediation_tier": 0}
