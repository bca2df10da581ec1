"""On the embedded engine: the dashboard's overdue confirmations count the requests the court left
unanswered (lapsed, or still waiting past their term) and nothing the court answered (rule M15)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = r"""
import json
from datetime import datetime, timezone
from services.analytics import queries, snapshot
from services.analytics.store import Store

store = Store.open("chdb://:memory:")
store.migrate()
at = lambda day: datetime(2026, 12, day, 2, tzinfo=timezone.utc)
cases = {  # case → [(event type, stage it enters, day)]
    "C-LAPSED": [("ConfirmationRequested", "CONFIRMATION", 1), ("ConfirmationLapsed", "PERFORMING", 2)],
    "C-WAITING": [("ConfirmationRequested", "CONFIRMATION", 1)],
    "C-RECENT": [("ConfirmationRequested", "CONFIRMATION", 25)],
    "C-GRANTED": [("ConfirmationRequested", "CONFIRMATION", 1), ("ConfirmationGranted", "PERFORMING", 3)],
    "C-LATE": [("ConfirmationRequested", "CONFIRMATION", 1), ("ConfirmationLapsed", "PERFORMING", 2),
               ("ConfirmationGranted", "PERFORMING", 4)],
    "C-CLOSED": [("ConfirmationRequested", "CONFIRMATION", 1), ("ConfirmationLapsed", "PERFORMING", 2),
                 ("CaseClosed", "CLOSED", 5)],
}
rows, offset = [], 0
for case_id, events in cases.items():
    for type_, stage, day in [("CaseOpened", "OPENED", 1)] + events:
        rows.append((f"E{offset}", case_id, "LENDER-A", type_, stage, at(day), offset))
        offset += 1
names = ("event_id", "case_id", "lender_id", "event_type", "stage", "occurred_at", "src_offset")
store.insert("case_events", names, [list(col) for col in zip(*rows)])
snapshot.build(store)   # what the panels read
print(json.dumps(queries.deadlines(store.rows, queries.Filters(), at(28), confirmation_days=20)["confirmation"]))
"""


def test_overdue_confirmations_are_the_lapsed_and_the_long_waiting_requests_of_open_cases():
    pytest.importorskip("chdb")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == 2, "C-LAPSED and C-WAITING"
