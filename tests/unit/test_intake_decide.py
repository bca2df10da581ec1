import random

import pytest

from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import Settings
from services.intake.decide import Keys, decide
from sim.defaults import valid_default, utc

NOW = utc(2026, 11, 28, 4)
KEYS = Keys(Pseudonymiser(Settings().pseudonym_key), ContactSealer(Settings().pii_key), Settings().case_id_key)


@pytest.fixture
def default():
    return valid_default(random.Random(5), "LENDER-A", 42, "B1", 1, NOW)


def test_first_valid_default_opens_a_case_with_a_deterministic_id(default):
    d = decide(None, default, (0, 1), "loan.defaults/0/1", NOW, KEYS)
    (emit,) = d.emits
    assert (d.outcome, emit.topic, emit.record["type"]) == ("opened", "case.events", "CaseOpened")
    assert emit.key == emit.record["case_id"] == case_id("LENDER-A", "L00000042", key=DEV_CASE_ID_KEY)
    assert emit.record["causation_id"] == "loan.defaults/0/1"
    facts = emit.record["event"]["facts"]
    assert facts["principal_cents"] == default["principal_cents"]
    assert facts["debtor_ref"] == KEYS.pseudonymiser.debtor_ref(default["debtor"]["national_id"])


def test_no_pii_in_the_clear_in_the_opened_case(default):
    facts = decide(None, default, (0, 1), "c", NOW, KEYS).emits[0].record["event"]["facts"]
    text = repr(facts)
    for value in (default["debtor"]["national_id"], default["debtor"]["name"], default["debtor"]["phone"]):
        assert value not in text
    assert KEYS.sealer.unseal(facts["sealed_contact"])["national_id"] == default["debtor"]["national_id"]


def test_republishing_the_same_default_is_a_no_op_even_with_a_new_publish_time(default):
    first = decide(None, default, (0, 1), "c1", NOW, KEYS)
    again = decide(first.state, {**default, "published_at": utc(2026, 11, 29)}, (0, 2), "c2", NOW, KEYS)
    assert (again.outcome, again.emits, again.state) == ("duplicate", [], None)


def test_a_changed_default_amends_the_same_case_and_names_what_changed(default):
    first = decide(None, default, (0, 1), "c1", NOW, KEYS)
    changed = {**default, "penalty_cents": default["penalty_cents"] + 100,
               "debtor": {**default["debtor"], "phone": "13900000000"}}
    amended = decide(first.state, changed, (0, 2), "c2", NOW, KEYS)
    (emit,) = amended.emits
    assert emit.record["type"] == "CaseAmended"
    assert emit.record["case_id"] == first.emits[0].record["case_id"]
    assert emit.record["event"]["changed_fields"] == ["contact", "penalty_cents"]
    assert emit.record["event_id"] != first.emits[0].record["event_id"]


def test_redelivered_input_yields_the_same_event_id(default):
    a = decide(None, default, (0, 1), "loan.defaults/3/9", NOW, KEYS).emits[0].record
    b = decide(None, default, (0, 1), "loan.defaults/3/9", NOW, KEYS).emits[0].record
    assert a["event_id"] == b["event_id"]


def test_invalid_default_is_rejected_with_the_row_reference_fields_and_codes_but_no_debtor_data(default):
    bad = {**default, "principal_cents": 0, "product": "payday"}
    d = decide(None, bad, (2, 7), "c", NOW, KEYS)
    (emit,) = d.emits
    assert emit.topic == "loan.defaults.rejected" and emit.key == "LENDER-A:L00000042"
    r = emit.record
    assert (r["lender_id"], r["batch_id"], r["loan_id"], r["input_partition"], r["input_offset"]) == \
        ("LENDER-A", "B1", "L00000042", 2, 7)
    assert r["reason_codes"] == ["PRINCIPAL_NOT_POSITIVE", "UNKNOWN_PRODUCT"]
    assert [(p["field"], p["code"]) for p in r["problems"]] == [("principal_cents", "PRINCIPAL_NOT_POSITIVE"),
                                                                ("product", "UNKNOWN_PRODUCT")]
    assert r["problems"][0]["message_zh"] == "本金必须大于零" and "principal_cents" in r["message"]
    assert "original" not in r
    text = repr(r)
    for value in (default["debtor"]["national_id"], default["debtor"]["name"], default["debtor"]["phone"], "payday"):
        assert value not in text
    assert decide(d.state, bad, (0, 9), "c2", NOW, KEYS).outcome == "duplicate"


def test_an_invalid_amendment_is_rejected_and_the_case_keeps_its_accepted_content(default):
    first = decide(None, default, (0, 1), "c1", NOW, KEYS)
    bad = decide(first.state, {**default, "principal_cents": -1}, (0, 2), "c2", NOW, KEYS)
    assert bad.outcome == "rejected" and bad.state == first.state
    assert decide(bad.state, default, (0, 3), "c3", NOW, KEYS).outcome == "duplicate"


def test_a_corrected_rejected_default_opens_its_case(default):
    rejected = decide(None, {**default, "principal_cents": 0}, (0, 1), "c1", NOW, KEYS)
    fixed = decide(rejected.state, default, (0, 2), "c2", NOW, KEYS)
    assert fixed.outcome == "opened" and fixed.emits[0].record["type"] == "CaseOpened"


def test_debtor_ref_is_hmac_sha256_of_the_national_id_so_refs_stay_stable_across_releases():
    import hashlib
    import hmac

    key = "k-" + "x" * 40
    ref = Pseudonymiser(key).debtor_ref("11010519491231002x")
    assert ref == "D" + hmac.new(key.encode(), b"11010519491231002X", hashlib.sha256).digest()[:16].hex()
    assert Pseudonymiser(key).debtor_ref("11010519491231002X") == ref
    assert Pseudonymiser(key + "y").debtor_ref("11010519491231002X") != ref
