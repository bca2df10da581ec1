"""Reading an upload line by line: records filled with the caller's lender and batch, precise refusals."""
from __future__ import annotations

import json

import pytest

from remedy.contract.lenderfile import FileFormatError
from services.gateway.upload import Refusal, UploadReader
from sim.defaults import batch, utc

NOW = utc(2026, 11, 28, 4)
(D,), _ = batch("LENDER-A", "x", 1, 0, NOW)
LINE = json.dumps(D, default=lambda v: v.isoformat())


def test_json_lines_become_records_of_the_callers_lender_and_batch():
    r = UploadReader("jsonl", "LENDER-A", "B9", NOW)
    rec = r.feed(LINE, 1)
    assert (rec["lender_id"], rec["batch_id"], rec["batch_size"], rec["due_date"]) == ("LENDER-A", "B9", 0, D["due_date"])
    assert r.feed("   ", 2) is None


@pytest.mark.parametrize("line,words", [
    ("{oops", "not JSON"), ("[1]", "JSON object"),
    (json.dumps({**json.loads(LINE), "lender_id": "LENDER-B"}), "lender_id: names another lender"),
    (json.dumps({k: v for k, v in json.loads(LINE).items() if k != "loan_id"}), "loan_id: is required"),
    (json.dumps({**json.loads(LINE), "debtor": {"name": "x"}}), "debtor.national_id"),
    (json.dumps({**json.loads(LINE), "due_date": "31/12/2025"}), "due_date: must be a date"),
    (json.dumps({**json.loads(LINE), "principal_cents": "lots"}), "principal_cents: must be an integer"),
])
def test_unreadable_rows_are_refused_with_line_and_field(line, words):
    got = UploadReader("jsonl", "LENDER-A", "B", NOW).feed(line, 7)
    assert isinstance(got, Refusal) and got.line == 7 and words in got.message


def test_csv_with_a_quoted_newline_and_a_short_row():
    r = UploadReader("csv", "LENDER-A", "B", NOW)
    header = "loan_id,product,principal_cents,interest_cents,penalty_cents,contract_date,due_date,debtor_name,debtor_national_id,debtor_region_code,note"
    assert r.feed(header, 1) is None
    row = f'L1,consumer_loan,100,0,0,2025-01-01,2025-06-01,王五,{D["debtor"]["national_id"]},350502,"two'
    assert r.feed(row, 2) is None
    rec = r.feed('lines"', 3)
    assert rec["loan_id"] == "L1" and rec["debtor"]["name"] == "王五" and rec["note"] == "two\nlines"
    assert r.feed("L2,consumer_loan", 4) == Refusal(4, "has 2 columns, the header has 11")
    assert r.feed('L3,"open', 5) is None and r.finish() == Refusal(5, "unterminated quoted field")


def test_csv_header_must_have_the_required_columns():
    with pytest.raises(FileFormatError, match="debtor_national_id"):
        UploadReader("csv", "L", "B", NOW).feed("loan_id,product,principal_cents,interest_cents,penalty_cents,contract_date,due_date,debtor_name,debtor_region_code", 1)
