"""Records → rows: what each table gets, and what it never gets (PII)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from services.analytics.access import Forbidden, Scope, Unauthorized, authorise, parse_tokens, token_hash
from services.analytics.decoding import BatchDecoder
from services.analytics.rows import EVENT_COLUMNS, TOPICS, Columns, event_row, notice_row, rejection_row
from services.analytics.store import chdb_path, statements
from sim.funnel_events import scripted

START = datetime(2026, 10, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def decoded():
    codec = Codec(REPO_ROOT / "schemas")
    data = scripted({"LENDER-A": 16}, START)
    decoder = BatchDecoder(codec, ("CaseEvent", "NoticeLogEntry", "LoanDefaultRejected"))
    out = {}
    for topic, records in (("case.events", data.events), ("notice.log", data.notices),
                           ("loan.defaults.rejected", data.rejections)):
        schema = TOPICS[topic][0]
        rows, errors = decoder.decode_batch([codec.encode(schema, r) for r in records], schema)
        assert errors == []
        out[topic] = rows
    return data, out


def test_a_case_opened_row_carries_the_case_dimensions_and_no_contact(decoded):
    data, out = decoded
    rec = out["case.events"][0]
    facts = data.events[0]["event"]["facts"]
    row = event_row(rec, 2, 41)
    assert set(row) == set(EVENT_COLUMNS)
    assert (row["event_type"], row["stage"], row["region_code"], row["product"], row["debtor_ref"]) == \
        ("CaseOpened", "OPENED", facts["region_code"], facts["product"], facts["debtor_ref"])
    assert row["claimed_cents"] == facts["principal_cents"] + facts["interest_cents"] + facts["penalty_cents"]
    assert row["occurred_at"] == int(data.events[0]["occurred_at"].timestamp() * 1000)  # epoch ms, as the column takes
    assert (row["src_partition"], row["src_offset"]) == (2, 41)
    assert not any(isinstance(v, bytes) for v in row.values()), "sealed_contact never reaches a row"


def test_each_event_type_fills_its_details(decoded):
    data, out = decoded
    rows = {}
    for rec in out["case.events"]:
        rows.setdefault(rec["type"], event_row(rec, 0, 0))
    assert rows["CaseTriaged"]["route"] in ("PEOPLES_MEDIATION", "COURT_MEDIATION", "RELIEF")
    assert rows["CaseTriaged"]["court"].startswith("C") and rows["CaseTriaged"]["stage"] == rows["CaseTriaged"]["route"]
    assert rows["MediatorAssigned"]["mediator_id"] and rows["MediatorAssigned"]["tier"] in ("PEOPLES", "COURT")
    assert rows["MediationSettled"]["amount_cents"] > 0 and rows["MediationSettled"]["stage"] == "CONFIRMATION"
    assert rows["CaseClosed"]["reason"] and rows["CaseClosed"]["stage"] == "CLOSED"
    assert rows["EnforcementConcluded"]["reason"] == "RECOVERED_PARTIAL"
    assert rows["ConfirmationRequested"]["deadline_at"] % 86_400_000 == 0  # a date, as epoch ms
    assert rows["CaseEscalated"]["stage"] in ("COURT_MEDIATION", "LITIGATION")


def test_notice_and_rejection_rows(decoded):
    data, out = decoded
    n = notice_row(out["notice.log"][1], 1, 7)
    assert n["rule"] == (data.notices[1]["rule"] or "") and n["status"] == data.notices[1]["status"]
    r = rejection_row(out["loan.defaults.rejected"][0], 0, 3)
    assert r["reason_codes"] == data.rejections[0]["reason_codes"]
    assert "original" not in r and "message" not in r, "the rejected input's bytes hold PII"


def test_bad_values_are_reported_one_by_one_and_the_rest_decode(decoded):
    codec = Codec(REPO_ROOT / "schemas")
    data, _ = decoded
    good = codec.encode("CaseEvent", data.events[0])
    wrong = codec.encode("NoticeLogEntry", data.notices[0])
    rows, errors = BatchDecoder(codec, ("CaseEvent", "NoticeLogEntry")).decode_batch(
        [good, b"", good[:-3], wrong, good + b"x", good], "CaseEvent")
    # good + b"x": a complete datum followed by junk decodes (remedy/contract/codec.py documents this trade-off)
    assert [r is not None for r in rows] == [True, False, False, False, True, True]
    assert [(i, type(e).__name__) for i, e in errors] == [
        (1, "CorruptMessage"), (2, "CorruptMessage"), (3, "WrongSchema")]
    assert rows[0]["type"] == "CaseOpened" and rows[0]["event_id"] == data.events[0]["event_id"]


def test_column_buffers():
    cols = Columns(("a", "b"))
    cols.append({"a": 1, "b": "x", "ignored": 0})
    cols.append({"a": 2, "b": "y"})
    assert (cols.rows, cols.columns()) == (2, [[1, 2], ["x", "y"]])
    cols.clear()
    assert (cols.rows, cols.columns()) == (0, [[], []])


def test_tokens_and_scopes(tmp_path):
    scopes = parse_tokens("t-ops=ops, t-a=LENDER-A")
    assert authorise(scopes, "Bearer t-a", None) == Scope("LENDER-A")
    assert authorise(scopes, None, token_hash("t-ops")) == Scope(None), "a session cookie names the token's hash"
    with pytest.raises(Unauthorized):
        authorise(scopes, None, "t-ops")
    with pytest.raises(Unauthorized):
        authorise(scopes, None, None)
    with pytest.raises(Unauthorized):
        authorise(scopes, "Bearer nope", None)
    assert Scope("LENDER-A").lender_filter(None) == "LENDER-A"
    assert Scope(None).lender_filter("LENDER-B") == "LENDER-B"
    with pytest.raises(Forbidden):
        Scope("LENDER-A").lender_filter("LENDER-B")
    f = tmp_path / "tokens"
    f.write_text("# comment\nx=ops\ny=LENDER-C  # trailing\n")
    assert parse_tokens(f"@{f}") == {"x": Scope(None), "y": Scope("LENDER-C")}
    with pytest.raises(ValueError):
        parse_tokens("no-equals-sign")


def test_clickhouse_urls_and_migration_statements(tmp_path):
    assert chdb_path("chdb:///abs/dir") == "/abs/dir"
    assert chdb_path("chdb://memory") == ":memory:"
    assert chdb_path("chdb:///./rel/dir").endswith("/rel/dir") and not chdb_path("chdb:///./rel/dir").startswith("/rel")
    sql = "-- c; not a statement\nCREATE TABLE a (x String COMMENT 'it''s');\n\nCREATE VIEW b AS SELECT 1;\n"
    assert statements(sql) == ["CREATE TABLE a (x String COMMENT 'it''s')", "CREATE VIEW b AS SELECT 1"]
