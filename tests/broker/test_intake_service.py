"""intake against a real Tansu broker: real bytes in with kafka-python, real records out."""
from __future__ import annotations

import time
from collections import Counter

import pytest

from remedy.runtime.publish import Publisher
from sim.defaults import batch, utc
from tests.apache_avro import encode_with_apache_avro
from tests.conftest import read_topic, wait_for_metric

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}


def test_batch_of_10000_valid_and_500_invalid_opens_exactly_10000_cases(broker, services, codec):
    intake = services("intake", **CLOCK)
    defaults, expected_reasons = batch("LENDER-A", "B-2026-11", 10_000, 500, NOW)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)

    opened = read_topic(broker, "case.events", codec, until=10_000, timeout=120)
    rejected = read_topic(broker, "loan.defaults.rejected", codec, until=500, timeout=60)
    assert Counter(e["type"] for _, e in opened) == {"CaseOpened": 10_000}
    assert len({e["case_id"] for _, e in opened}) == 10_000
    assert {r["loan_id"]: r["reason_codes"] for _, r in rejected} == {k: [v] for k, v in expected_reasons.items()}
    some = rejected[0][1]
    assert "original" not in some, "a rejection carries no debtor data"
    assert some["problems"][0]["code"] == some["reason_codes"][0] and some["input_offset"] is not None

    reports = read_topic(broker, "loan.batches", codec, until=1, timeout=30)
    (_, report), = reports
    assert (report["declared_size"], report["accepted"], report["rejected"]) == (10_500, 10_000, 500)
    assert sum(report["rejections_by_reason"].values()) == 500

    pub.publish_defaults(defaults)  # the same batch again adds nothing
    pub.close()
    wait_for_metric(intake, "remedy_intake_duplicates_total", 10_500)
    assert len(read_topic(broker, "case.events", codec, idle=2)) == 10_000
    assert len(read_topic(broker, "loan.defaults.rejected", codec, idle=2)) == 500


def test_changed_default_amends_the_case_and_garbage_is_answered_and_dead_lettered(broker, services, codec):
    services("intake", **CLOCK)
    (default,), _ = batch("LENDER-B", "B1", 1, 0, NOW)
    pub = Publisher(broker, codec)
    pub.publish_defaults([default])
    pub.publish_defaults([{**default, "principal_cents": default["principal_cents"] + 5_000}])
    pub.send_raw("loan.defaults", b"LENDER-B:junk", b"\xc3\x01not avro at all")
    pub.send_raw("loan.defaults", b"LENDER-B:empty", b"")
    pub.flush()
    pub.close()

    events = [e for _, e in read_topic(broker, "case.events", codec, until=2)]
    assert [e["type"] for e in events] == ["CaseOpened", "CaseAmended"]
    assert events[0]["case_id"] == events[1]["case_id"]
    assert events[1]["event"]["changed_fields"] == ["principal_cents"]
    assert events[1]["causation_id"].startswith("loan.defaults/")
    dead = [d for _, d in read_topic(broker, "intake.dlq", codec, until=2)]
    assert sorted(d["error_type"] for d in dead) == ["CorruptMessage", "UnknownFingerprint"]
    assert {d["value"] for d in dead} == {None}, "the input's bytes stay on loan.defaults"
    answers = {r["loan_id"]: r["reason_codes"] for _, r in read_topic(broker, "loan.defaults.rejected", codec, until=2)}
    assert answers == {"junk": ["UNDECODABLE"], "empty": ["UNDECODABLE"]}


def test_after_a_crash_intake_still_knows_every_loan_it_decided(broker, services, codec):
    """``seen`` is rebuilt from its changelog (written by ``remedy.runtime.tables.put``) after a SIGKILL: the same
    batch again adds nothing, and a changed loan amends its case instead of opening a second one."""
    intake = services("intake", **CLOCK)
    defaults, _ = batch("LENDER-C", "B-CRASH", 300, 20, NOW)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)
    assert len(read_topic(broker, "case.events", codec, until=300)) == 300
    time.sleep(3)  # past a commit of the inputs (REMEDY_COMMIT_INTERVAL_SECONDS)
    intake.kill()

    intake = services("intake", **CLOCK)
    changed = {**defaults[0], "penalty_cents": defaults[0]["penalty_cents"] + 100}
    pub.publish_defaults([changed, *defaults[1:]])
    pub.close()
    wait_for_metric(intake, "remedy_intake_duplicates_total", 319)
    events = [e for _, e in read_topic(broker, "case.events", codec, idle=2)]
    assert Counter(e["type"] for e in events) == {"CaseOpened": 300, "CaseAmended": 1}
    (amended,) = [e for e in events if e["type"] == "CaseAmended"]
    assert amended["event"]["changed_fields"] == ["penalty_cents"]
    assert len(read_topic(broker, "loan.defaults.rejected", codec, idle=2)) == 20


def test_defaults_written_with_the_official_avro_library_open_cases(broker, services, codec):
    """A lender writing with Apache's avro package (its own fingerprint in the header) gets cases, not dead letters."""
    services("intake", **CLOCK)
    defaults, _ = batch("LENDER-AVRO", "B-APACHE", 5, 0, NOW)
    pub = Publisher(broker, codec)
    for d in defaults:
        pub.send_raw("loan.defaults", f"{d['lender_id']}:{d['loan_id']}".encode(), encode_with_apache_avro("LoanDefault", d))
    pub.flush()
    pub.close()

    opened = [e for _, e in read_topic(broker, "case.events", codec, until=5, timeout=60)]
    assert sorted(e["event"]["facts"]["loan_id"] for e in opened if e["type"] == "CaseOpened") == \
        sorted(d["loan_id"] for d in defaults)
    assert read_topic(broker, "intake.dlq", codec, idle=1) == []
