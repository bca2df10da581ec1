"""``python -m bench.chaos_store URL``: one run's ClickHouse tables as JSON on stdout, for the chaos
comparison. A process of its own: chDB takes one engine per process, and a chaos comparison reads two.

Rows are read ``FINAL`` (as every analytics view reads them: a batch inserted twice counts once), each
with its key; ``raw`` counts the rows before the merge, so ``raw - final`` is what kills between an
insert and its commit made analytics insert twice.
"""
from __future__ import annotations

import json
import subprocess
import sys

QUERIES = {
    "case_events": "SELECT event_id, case_id, event_type, toUnixTimestamp64Milli(occurred_at) FROM case_events FINAL",
    "notices": "SELECT notice_id, case_id, kind, status, rule, toUnixTimestamp64Milli(at) FROM notices FINAL",
    "rejections": "SELECT lender_id, batch_id, loan_id, toUnixTimestamp64Milli(rejected_at) FROM rejections FINAL",
}


def dump(url: str) -> dict:
    from services.analytics.store import Store

    store = Store.open(url)
    try:
        out: dict = {"raw": {}}
        for table, sql in QUERIES.items():
            out[table] = [list(row) for row in store.client.query(sql).result_rows]
            out["raw"][table] = store.client.query(f"SELECT count() FROM {table}").result_rows[0][0]
        return out
    finally:
        store.close()


def read(url: str, timeout: float = 300.0) -> dict:
    """``dump(url)`` from a child process."""
    from remedy.kernel.settings import REPO_ROOT

    done = subprocess.run([sys.executable, "-m", "bench.chaos_store", url], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"reading {url} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


if __name__ == "__main__":
    json.dump(dump(sys.argv[1]), sys.stdout)
