"""Pure validation of a LoanDefault: every reason code that applies (their fields and messages: ``reasons.py``)."""
from __future__ import annotations

import operator
import re
from datetime import date

from remedy.contract.regions import unknown_part

PRODUCTS = frozenset({"consumer_loan", "credit_card", "micro_loan", "online_loan"})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")
_REGION_SHAPE = re.compile(r"\d{6}")


def national_id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(map(operator.mul, map(int, first17), _ID_WEIGHTS)) % 11]


def national_id_reasons(national_id: str) -> list[str]:
    nid = national_id.upper()
    if not _ID_SHAPE.fullmatch(nid):
        return ["NATIONAL_ID_FORMAT"]
    reasons = []
    if national_id_check_digit(nid[:17]) != nid[17]:
        reasons.append("NATIONAL_ID_CHECKSUM")
    try:
        date(int(nid[6:10]), int(nid[10:12]), int(nid[12:14]))
    except ValueError:
        reasons.append("NATIONAL_ID_BIRTHDATE")
    return reasons


def birth_year(national_id: str) -> int | None:
    return int(national_id[6:10]) if _ID_SHAPE.fullmatch(national_id.upper()) else None


REGION_REASONS = {"province": "REGION_CODE_UNKNOWN", "county": "REGION_CODE_UNKNOWN_COUNTY", "level": "REGION_CODE_NOT_COUNTY"}


def region_reasons(code: str) -> list[str]:
    """A debtor's region must be a county-level GB/T 2260 code (remedy/contract/regions.py): the seat of a basic court."""
    if not _REGION_SHAPE.fullmatch(code):
        return ["REGION_CODE_FORMAT"]
    part = unknown_part(code)
    return [REGION_REASONS[part]] if part else []


def validate(default: dict, today: date) -> list[str]:
    """Every reason this default cannot open a case; empty when it can. ``today`` is China's date."""
    reasons = []
    for field, code in (("lender_id", "MISSING_LENDER_ID"), ("loan_id", "MISSING_LOAN_ID"), ("batch_id", "MISSING_BATCH_ID")):
        if not default[field].strip():
            reasons.append(code)
    debtor = default["debtor"]
    reasons += national_id_reasons(debtor["national_id"])
    reasons += region_reasons(debtor["region_code"])
    if default["principal_cents"] <= 0:
        reasons.append("PRINCIPAL_NOT_POSITIVE")
    if default["interest_cents"] < 0 or default["penalty_cents"] < 0:
        reasons.append("NEGATIVE_AMOUNT")
    if default["product"] not in PRODUCTS:
        reasons.append("UNKNOWN_PRODUCT")
    if default["contract_date"] > default["due_date"]:
        reasons.append("CONTRACT_AFTER_DUE")
    if default["due_date"] > today:
        reasons.append("DUE_DATE_IN_FUTURE")
    last = default.get("last_payment_date")
    if last is not None and (last < default["contract_date"] or last > today):
        reasons.append("LAST_PAYMENT_OUT_OF_RANGE")
    return reasons

