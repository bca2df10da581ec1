"""The research export over a funnel run's real output: 300 defaults through every stage on the in-memory
funnel, the simulator's outside world answering, analytics' rows in an embedded ClickHouse
(``tests/memory/research_run.py``). Every released quasi-identifier tuple is shared by at least k rows,
every case is a row or counted as suppressed, no id of the run reaches a file, and the rows say what the
funnel did."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.ops.research.anonymise import QUASI_COLUMNS
from tests.unit.test_research_reidentify import file_text

CASES, DAYS, K = 300, 90, 10


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    pytest.importorskip("chdb")
    out = tmp_path_factory.mktemp("research")
    done = subprocess.run([sys.executable, "-m", "tests.memory.research_run", str(out), str(CASES), str(DAYS), str(K)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, json.loads(done.stdout.strip().splitlines()[-1])


def test_every_case_of_the_run_is_a_k_anonymous_row_or_counted_as_suppressed(run):
    out, got = run
    rows = list(csv.DictReader((out / "research_cases.csv").open(encoding="utf-8-sig")))
    assert got["cases_read"] == len(got["case_ids"]) > CASES * 0.9
    assert len(rows) + got["suppressed"] == got["cases_read"]
    classes = Counter(tuple(r[c] for c in QUASI_COLUMNS) for r in rows)
    assert min(classes.values()) >= K
    summary = json.loads((out / "export_summary.json").read_text(encoding="utf-8"))
    assert (summary["rows_written"], summary["rows_suppressed"], summary["k"]) == (len(rows), got["suppressed"], K)
    import pyarrow.parquet as pq
    parquet = pq.read_table(out / "research_cases.parquet").to_pylist()
    assert [r["pseudonym"] for r in parquet] == [r["pseudonym"] for r in rows]


def test_no_id_of_the_run_reaches_a_file(run):
    out, got = run
    text = "".join(file_text(p) for p in out.iterdir())
    leaked = [s for s in got["case_ids"] + got["debtor_refs"] if s in text]
    assert not leaked, f"{len(leaked)} ids of the run are in the export, e.g. {leaked[:2]}"


def test_the_rows_say_what_the_funnel_did(run):
    out, _ = run
    rows = list(csv.DictReader((out / "research_cases.csv").open(encoding="utf-8-sig")))
    assert {r["path"].split(">")[0] for r in rows} == {"OPENED"}
    assert {"CLOSED", "ENFORCEMENT"} <= {r["final_stage"] for r in rows}
    closed = [r for r in rows if r["closed"] == "1"]
    assert closed and all(r["close_reason"] and r["days_to_close"] and r["path"].endswith("CLOSED") for r in closed)
    repaired = [r for r in closed if r["close_reason"] == "CREDIT_REPAIRED"]
    assert repaired and all(int(r["recovered_pct"]) > 0 for r in repaired)
    for r in rows:
        assert len(r["path_days"].split(">")) == len(r["path"].split(">"))
        assert all(d.isdigit() for d in r["path_days"].split(">")[:-1])
