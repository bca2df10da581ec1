"""The research export's pure parts: generalisation, k-anonymity, suppression, re-keyed pseudonyms, rows."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone

import pytest

from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.research import write
from remedy.ops.research.anonymise import QUASI_COLUMNS, NotAnonymous, anonymise, check
from remedy.ops.research.bands import AMOUNT_BOUNDS, Quasi, age_band, amount_band, period, region_at, region_name
from remedy.ops.research.cases import Case, case_from, code, recovery_band
from remedy.ops.research.dictionary import NAMES

KEY_A, KEY_B = b"a" * 32, b"b" * 32


def quasi(age=34, region="350502", yuan=12_345, month=9, year=2026) -> Quasi:
    return Quasi(year - age if age is not None else None, region, yuan * 100, year, month)


def cases(*specs) -> list[Case]:
    """(count, quasi) pairs → that many cases."""
    out = []
    for count, q in specs:
        out += [Case(f"CASE-{len(out) + n}", q, {"route": "PEOPLES_MEDIATION"}) for n in range(count)]
    return out


# ---------------------------------------------------------------- generalisation

def test_age_bands_widen_from_five_years_to_undisclosed():
    q = quasi(age=34)
    assert [age_band(q, level) for level in range(4)] == ["30-34", "30-39", "20-39", "*"]
    assert age_band(quasi(age=None), 0) == "未知" and age_band(quasi(age=None), 3) == "*"


def test_regions_widen_county_to_city_to_province():
    assert [region_at("350502", level) for level in range(4)] == ["350502", "350500", "350000", "*"]
    assert [region_name(region_at("350502", level)) for level in range(4)] == ["鲤城区", "泉州市", "福建省", "全国"]
    # a municipality's district has no city of its own; a city without counties is its own county level
    assert [region_at("110101", level) for level in range(3)] == ["110101", "110000", "110000"]
    assert [region_at("441900", level) for level in range(3)] == ["441900", "441900", "440000"]
    assert region_at("990101", 0) == "*"


def test_amount_bands_nest_so_a_wider_level_only_merges():
    for narrow, wide in zip(AMOUNT_BOUNDS, AMOUNT_BOUNDS[1:]):
        assert set(wide) <= set(narrow)
    q = quasi(yuan=12_345)
    assert [amount_band(q, level) for level in range(4)] == ["10000-15000", "10000-20000", "10000-50000", "*"]
    assert amount_band(quasi(yuan=250_000), 0) == "200000+"
    assert [period(quasi(month=9), level) for level in range(4)] == ["2026-09", "2026Q3", "2026", "*"]


# ---------------------------------------------------------------- k-anonymity

def test_common_cases_keep_their_county_and_rare_ones_are_generalised_or_suppressed():
    got = anonymise(cases((3, quasi(region="350502")),                        # 3 alike: released as they are
                          (2, quasi(region="350503")), (1, quasi(region="350504")),   # 3 in one city: merged at city
                          (1, quasi(age=97, region="653024", yuan=199_999))),        # unique: nowhere to hide
                    k=3, key=KEY_A)
    regions = Counter(row["region_code"] for row in got.rows)
    assert regions == {"350502": 3, "350500": 3}
    assert got.suppressed == 1 and len(got.rows) == 6
    assert not any(row["age_band"].startswith("9") for row in got.rows)
    assert sum(got.by_step.values()) == 6 and got.by_step[0] == 3


def test_every_released_tuple_is_shared_by_k_rows():
    import random
    rng = random.Random(5)
    pool = cases(*[(1, quasi(age=rng.randint(20, 70), region=rng.choice(["350502", "350503", "350582", "110101", "441900"]),
                             yuan=rng.randint(300, 90_000), month=rng.randint(1, 12))) for _ in range(400)])
    got = anonymise(pool, k=10, key=KEY_A)
    counts = Counter(tuple(row[c] for c in QUASI_COLUMNS) for row in got.rows)
    assert min(counts.values()) >= 10
    assert len(got.rows) + got.suppressed == 400 and got.suppressed < 10


def test_the_check_refuses_rows_below_k():
    rows = [dict(zip(QUASI_COLUMNS, ("30-34", "350502", "0-500", "2026-09")))] * 2
    check(rows, 2)
    with pytest.raises(NotAnonymous, match="fewer than 3"):
        check(rows, 3)
    with pytest.raises(ValueError):
        anonymise([], k=1, key=KEY_A)


def test_nothing_is_written_when_the_check_fails(tmp_path, monkeypatch):
    summaries = [summary(f"C{n}", region="350502" if n < 5 else "110101") for n in range(10)]
    monkeypatch.setattr("remedy.ops.research.anonymise.recode",    # a broken recoding: everything as it is
                        lambda cs, k: ({i: (0, ("30-34", c.quasi.region_code, "0-500", "2026-09")) for i, c in enumerate(cs)}, []))
    with pytest.raises(NotAnonymous):
        write.export(lambda sql, params: summaries, tmp_path / "out", FrozenClock(datetime(2026, 9, 1, tzinfo=timezone.utc)),
                     k=10)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- pseudonyms

def test_two_exports_share_no_pseudonym_and_no_row_order():
    pool = cases((40, quasi()))
    one, two = anonymise(pool, 10, KEY_A), anonymise(pool, 10, KEY_B)
    assert not {r["pseudonym"] for r in one.rows} & {r["pseudonym"] for r in two.rows}
    assert [r["pseudonym"] for r in one.rows] == sorted(r["pseudonym"] for r in one.rows)
    assert all("CASE" not in r["pseudonym"] for r in one.rows)
    assert [r["pseudonym"] for r in anonymise(pool, 10, KEY_A).rows] == [r["pseudonym"] for r in one.rows]


# ---------------------------------------------------------------- rows

DAY = 86_400_000
OPENED = int(datetime(2026, 9, 30, 20, tzinfo=timezone.utc).timestamp() * 1000)   # 1 October in China


def summary(case_id="C1", region="350502", **over) -> dict:
    s = {"case_id": case_id, "birth_year": 1990, "region_code": region, "claimed_cents": 1_200_000, "opened_ms": OPENED,
         "route": "PEOPLES_MEDIATION", "cross_region": 0, "closed": True, "closed_ms": OPENED + 40 * DAY,
         "close_reason": "CREDIT_REPAIRED", "reject_reason": "", "recovered_cents": 1_000_000, "objections": 0,
         "moves": [(OPENED + 5 * DAY, 4, "PEOPLES_MEDIATION"), (OPENED, 1, "OPENED"), (OPENED + DAY, 2, "PEOPLES_MEDIATION"),
                   (OPENED + 40 * DAY, 9, "CLOSED")]}
    s.update(over)
    return s


def test_a_case_row_has_its_path_days_and_outcome_and_no_identifier():
    case = case_from(summary())
    assert case.quasi == Quasi(1990, "350502", 1_200_000, 2026, 10)        # the month is China's
    assert case.attrs["path"] == "OPENED>PEOPLES_MEDIATION>CLOSED"
    assert case.attrs["path_days"] == "1>39>"
    assert (case.attrs["days_to_close"], case.attrs["recovered_pct"], case.attrs["close_reason"]) == (40, 80, "CREDIT_REPAIRED")
    open_case = case_from(summary(closed=False, close_reason="", moves=[(OPENED, 1, "OPENED")]))
    assert (open_case.attrs["days_to_close"], open_case.attrs["path_days"], open_case.attrs["final_stage"]) == (None, "", "OPENED")
    assert set(anonymise([case] * 2, 2, KEY_A).rows[0]) == set(NAMES)


def test_only_code_words_leave_and_shares_are_rounded():
    assert code("PAID_OFF") == "PAID_OFF" and code("") == ""
    assert code("张三 110101199003071234") == "OTHER" and code("paid by 13800001234") == "OTHER"
    assert recovery_band(1_234, 10_000) == 10 and recovery_band(20_000, 10_000) == 100 and recovery_band(5, 0) == 0


def test_the_pure_parts_import_no_io_library():
    pure = ["remedy.ops.research.bands", "remedy.ops.research.cases", "remedy.ops.research.anonymise",
            "remedy.ops.research.dictionary"]
    io = ["clickhouse_connect", "chdb", "pyarrow", "kafka", "aiokafka", "faust", "aiohttp"]
    code_ = f"import importlib, sys\nfor m in {pure!r}: importlib.import_module(m)\nprint(sorted(m for m in {io!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code_], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- files and the command

def test_an_export_replaces_the_last_one_and_its_other_format(tmp_path):
    summaries = [summary(f"C{n}") for n in range(12)]
    clock = FrozenClock(datetime(2026, 12, 1, tzinfo=timezone.utc))
    write.export(lambda sql, params: summaries, tmp_path, clock, k=10, fmt="both")
    written = write.export(lambda sql, params: summaries, tmp_path, clock, k=10, fmt="csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data_dictionary.csv", "export_summary.json", "research_cases.csv"]
    assert (written.cases, len(written.result.rows), written.result.suppressed) == (12, 12, 0)


def test_the_command_explains_its_options_and_refuses_k_below_2(capsys):
    from remedy.ops.cli import build_parser
    with pytest.raises(SystemExit):
        build_parser().parse_args(["export", "research", "--help"])
    text = capsys.readouterr().out
    assert all(option in text for option in ("--out", "--format {csv,parquet,both}", "--k", "--lender", "k-匿名"))
    args = build_parser().parse_args(["export", "research", "--format", "csv", "--lender", "LENDER-A"])
    assert (args.command, args.what, args.k, args.format, args.lender) == ("export", "research", 10, "csv", "LENDER-A")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["export", "research", "--k", "1"])
