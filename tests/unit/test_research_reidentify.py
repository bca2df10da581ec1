"""Re-identification attempts against the research export, on the embedded ClickHouse: PII planted in every
column the export could leak it from, and a debtor whose age, region and amount are unique. Neither
survives: no planted string is in any file, the unique debtor is not in the data, two exports cannot be
joined, and everyone a known person's quasi-identifiers could match is one of at least k rows."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

NAME, NATIONAL_ID, PHONE, EMAIL = "王小明", "350502199001011234", "13800138000", "wxm@example.cn"
PLANTED = (NAME, NATIONAL_ID, PHONE, EMAIL, "CASE-")
TARGET = {"birth_year": 1929, "region_code": "653024", "claimed_cents": 19_999_900}   # 97, 乌恰县, 199,999 yuan
K = 10


def plant(store) -> None:
    """60 ordinary cases and the target, PII in every id and free column analytics holds."""
    names = ("event_id", "case_id", "lender_id", "event_type", "producer", "causation_id", "occurred_at", "stage",
             "region_code", "product", "debtor_ref", "birth_year", "batch_id", "claimed_cents", "amount_cents", "route",
             "mediator_id", "court", "reason", "src_offset")
    rows = []
    for n in range(61):
        case = f"CASE-{NATIONAL_ID}-{n}"
        facts = TARGET if n == 60 else {"birth_year": 1985 + n % 10, "region_code": ("350502", "350503")[n % 2],
                                        "claimed_cents": (500_000 + n * 17_000)}
        at = lambda day: datetime(2026, 9, 2 + day, 2, tzinfo=timezone.utc)  # noqa: E731
        base = dict(case_id=case, lender_id="LENDER-A", producer="intake", causation_id=NATIONAL_ID, region_code="",
                    product=NATIONAL_ID, debtor_ref=PHONE, birth_year=None, batch_id=EMAIL, claimed_cents=0, amount_cents=0,
                    route="", mediator_id=NAME, court=NAME, reason="")
        rows.append({**base, **facts, "event_type": "CaseOpened", "stage": "OPENED", "occurred_at": at(0), "src_offset": 3 * n})
        rows.append({**base, "event_type": "CaseTriaged", "stage": "PEOPLES_MEDIATION", "occurred_at": at(1),
                     "route": NAME if n == 7 else "PEOPLES_MEDIATION", "src_offset": 3 * n + 1})
        rows.append({**base, "event_type": "CaseClosed", "stage": "CLOSED", "occurred_at": at(20), "amount_cents": 100_000,
                     "reason": f"{NAME} {PHONE}" if n == 3 else "PAID_OFF", "src_offset": 3 * n + 2})
    for i, row in enumerate(rows):
        row["event_id"] = f"E-{PHONE}-{i}"
    store.insert("case_events", names, [[row[c] for row in rows] for c in names])


SCRIPT = r"""
import json, sys
from datetime import datetime, timezone
from pathlib import Path
from remedy.kernel.clock import FrozenClock
from remedy.ops.research.write import export
from services.analytics.store import Store
from tests.unit.test_research_reidentify import K, plant

store = Store.open("chdb://:memory:")
store.migrate()
plant(store)
out = {}
for name in sys.argv[1:]:
    w = export(store.rows, Path(name), FrozenClock(datetime(2026, 12, 1, tzinfo=timezone.utc)), k=K, fmt="both")
    out[name] = {"rows": len(w.result.rows), "suppressed": w.result.suppressed, "files": [str(p) for p in w.files]}
print(json.dumps(out))
"""


def file_text(path: Path) -> str:
    """Everything a file holds as text; a Parquet file's values and metadata read through pyarrow (its
    pages are compressed, so a search of its bytes would prove nothing)."""
    if path.suffix != ".parquet":
        return path.read_text(encoding="utf-8-sig")
    import pyarrow.parquet as pq
    table = pq.read_table(path)
    return json.dumps(table.to_pylist(), ensure_ascii=False) + str(table.schema) + str(pq.read_metadata(path))


def age_in(band: str, age: int) -> bool:            # "30-34": both ends included
    if band in ("*", "未知"):
        return band == "*"
    low, high = map(int, band.split("-"))
    return low <= age <= high


def amount_in(band: str, yuan: int) -> bool:        # "10000-15000": [low, high); "200000+"
    if band == "*":
        return True
    if band.endswith("+"):
        return yuan >= int(band[:-1])
    low, high = map(int, band.split("-"))
    return low <= yuan < high


def matches(row: dict, age: int, region: str, yuan: int, month: str) -> bool:
    """Whether a released row could be the person with these quasi-identifiers."""
    return (age_in(row["age_band"], age) and row["region_code"] in (region, region[:4] + "00", region[:2] + "0000", "*")
            and amount_in(row["amount_band"], yuan) and row["opened_period"] in (month, "2026Q3", "2026", "*"))


def test_planted_pii_and_a_unique_debtor_do_not_survive_the_export(tmp_path):
    pytest.importorskip("chdb")
    one, two = tmp_path / "one", tmp_path / "two"
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(one), str(two)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got[str(one)]["rows"] + got[str(one)]["suppressed"] == 61
    files = sorted(one.iterdir()) + sorted(two.iterdir())
    assert {p.name for p in files} == {"research_cases.csv", "research_cases.parquet", "data_dictionary.csv",
                                       "export_summary.json"}
    for path in files:
        text = file_text(path)
        assert not [s for s in PLANTED if s in text], f"{path.name} holds a planted string"
    import pyarrow.parquet as pq
    rows = [pq.read_table(d / "research_cases.parquet").to_pylist() for d in (one, two)]
    assert not {r["pseudonym"] for r in rows[0]} & {r["pseudonym"] for r in rows[1]}, "two exports share a pseudonym"
    assert {r["route"] for r in rows[0]} <= {"PEOPLES_MEDIATION", "OTHER"} and "OTHER" in {r["close_reason"] for r in rows[0]}
    # the unique debtor: whoever knows their age, region, amount and month finds nobody, or at least K rows
    target = [r for r in rows[0] if matches(r, 97, "653024", 199_999, "2026-09")]
    assert len(target) == 0 or len(target) >= K
    assert not any(r["region_code"].startswith("65") and r["region_code"] != "*" for r in rows[0])
    assert json.loads((one / "export_summary.json").read_text(encoding="utf-8"))["rows_suppressed"] == got[str(one)]["suppressed"]
