"""``remedy export research``: read the cases from ClickHouse, anonymise them, write the files.

Written into the output directory, and only once the k-anonymity check has passed over the rows to be
written (``NotAnonymous`` otherwise, and nothing is written):

  research_cases.csv / research_cases.parquet   one row per case (``dictionary.COLUMNS``)
  data_dictionary.csv                           each column's type and meaning, Chinese and English
  export_summary.json                           rows, rows suppressed, k, rows per generalisation step

The pseudonym key is drawn here, fresh for every export, and dropped when the export ends.
"""
from __future__ import annotations

import csv
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from remedy.kernel.clock import Clock
from remedy.ops.research.anonymise import LADDER, QUASI_COLUMNS, Anonymised, anonymise
from remedy.ops.research.cases import case_from
from remedy.ops.research.dictionary import COLUMNS, HEADER, NAMES
from remedy.ops.research.source import case_summaries

FORMATS = ("csv", "parquet", "both")
DATA = "research_cases"


@dataclass(frozen=True)
class Written:
    result: Anonymised
    cases: int            # cases read
    files: list[Path]
    seconds: float


def export(rows, out_dir: Path, clock: Clock, *, k: int = 10, fmt: str = "both", lender: str | None = None) -> Written:
    """``rows`` is ``Store.rows``. Raises ``NotAnonymous`` (nothing written) if the check fails."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    started = time.monotonic()
    cases = [case_from(s) for s in case_summaries(rows, lender)]
    result = anonymise(cases, k, secrets.token_bytes(32))
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out_dir / f"{DATA}.csv", out_dir / f"{DATA}.parquet"):   # an earlier export's other format
        stale.unlink(missing_ok=True)
    files = []
    if fmt in ("csv", "both"):
        files.append(_csv(out_dir / f"{DATA}.csv", NAMES, ([row[c] for c in NAMES] for row in result.rows)))
    if fmt in ("parquet", "both"):
        files.append(_parquet(out_dir / f"{DATA}.parquet", result.rows))
    files.append(_csv(out_dir / "data_dictionary.csv", HEADER, COLUMNS))
    summary = {"generated_at": clock.now().isoformat(timespec="seconds"), "lender": lender, "k": k,
               "cases_read": len(cases), "rows_written": len(result.rows), "rows_suppressed": result.suppressed,
               "quasi_identifiers": list(QUASI_COLUMNS),
               "rows_by_generalisation_step": {",".join(map(str, LADDER[step])): n for step, n in sorted(result.by_step.items())}}
    files.append(_replace(out_dir / "export_summary.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n"))
    return Written(result, len(cases), files, time.monotonic() - started)


def _replace(path: Path, text: str) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def _csv(path: Path, header, rows) -> Path:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese text right."""
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(["" if v is None else v for v in row] for row in rows)
    os.replace(tmp, path)
    return path


def _parquet(path: Path, rows: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "int": pa.int64()}
    schema = pa.schema([pa.field(name, types[kind], metadata={"说明": zh, "description": en}) for name, kind, zh, en in COLUMNS])
    table = pa.Table.from_pylist([{c: row[c] for c in NAMES} for row in rows], schema=schema)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return path
