from datetime import date, timedelta

import pytest

from services.intake.reasons import REASONS, describe, problems
from services.intake.validation import national_id_check_digit, national_id_reasons, region_reasons, validate
from sim.defaults import INVALID_KINDS, valid_default, utc
import random

NOW = utc(2026, 11, 28, 4)
TODAY = date(2026, 11, 28)


def a_default(**changes):
    d = valid_default(random.Random(1), "L1", 1, "B1", 1, NOW)
    d.update(changes)
    return d


def test_known_good_national_id_passes_the_gb11643_check():
    # Published GB 11643-1999 example: 11010519491231002X
    assert national_id_check_digit("11010519491231002") == "X"
    assert national_id_reasons("11010519491231002X") == []
    assert national_id_reasons("11010519491231002x") == []


@pytest.mark.parametrize("nid, reason", [
    ("110105194912310021", "NATIONAL_ID_CHECKSUM"),
    ("11010519491231002", "NATIONAL_ID_FORMAT"),
    ("1101051949123100211", "NATIONAL_ID_FORMAT"),
    ("11010519491231002Y", "NATIONAL_ID_FORMAT"),
    ("", "NATIONAL_ID_FORMAT"),
])
def test_bad_national_ids_are_rejected_with_the_precise_reason(nid, reason):
    assert reason in national_id_reasons(nid)


def test_impossible_birth_date_in_id_is_rejected():
    first17 = "11010519491331002"
    assert national_id_reasons(first17 + national_id_check_digit(first17)) == ["NATIONAL_ID_BIRTHDATE"]


@pytest.mark.parametrize("code, reasons", [("350502", []), ("3505", ["REGION_CODE_FORMAT"]),
                                           ("35050A", ["REGION_CODE_FORMAT"]), ("990101", ["REGION_CODE_UNKNOWN"]),
                                           ("441900", []), ("429004", []),
                                           ("119999", ["REGION_CODE_UNKNOWN_COUNTY"]), ("350599", ["REGION_CODE_UNKNOWN_COUNTY"]),
                                           ("350500", ["REGION_CODE_NOT_COUNTY"]), ("110000", ["REGION_CODE_NOT_COUNTY"])])
def test_region_codes(code, reasons):
    assert region_reasons(code) == reasons


def test_an_unknown_county_is_rejected_saying_what_is_unknown_and_against_which_list():
    reasons = validate(a_default(debtor={**a_default()["debtor"], "region_code": "119999"}), TODAY)
    assert reasons == ["REGION_CODE_UNKNOWN_COUNTY"]
    message = describe(reasons)
    assert message.startswith("不是县级行政区划代码") and "GB/T 2260" in message
    assert [p["field"] for p in problems(reasons)] == ["debtor.region_code"]
    assert "119999" not in message, "reason messages name fields, never values"


def test_a_valid_default_has_no_reasons():
    assert validate(a_default(), TODAY) == []


@pytest.mark.parametrize("reason", sorted(INVALID_KINDS))
def test_each_kind_of_breakage_gives_exactly_its_reason(reason):
    d = a_default()
    INVALID_KINDS[reason](d)
    assert validate(d, TODAY) == [reason]


def test_amount_and_date_rules():
    assert validate(a_default(principal_cents=-5), TODAY) == ["PRINCIPAL_NOT_POSITIVE"]
    assert validate(a_default(interest_cents=-1), TODAY) == ["NEGATIVE_AMOUNT"]
    d = a_default()
    assert validate({**d, "due_date": TODAY}, TODAY) == [], "due today has defaulted"
    assert validate({**d, "due_date": TODAY + timedelta(days=1)}, TODAY) == ["DUE_DATE_IN_FUTURE"]
    assert validate({**d, "last_payment_date": TODAY + timedelta(days=1)}, TODAY) == ["LAST_PAYMENT_OUT_OF_RANGE"]
    assert validate({**d, "lender_id": " ", "loan_id": ""}, TODAY) == ["MISSING_LENDER_ID", "MISSING_LOAN_ID"]
    assert validate({**d, "product": "mortgage"}, TODAY) == ["UNKNOWN_PRODUCT"]


def test_every_reason_validation_gives_names_its_field_in_chinese_and_english():
    for code, (fields, zh, en) in REASONS.items():
        assert fields and zh and en, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{code}: the Chinese message comes first"
    assert set(INVALID_KINDS) <= set(REASONS)
