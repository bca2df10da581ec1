"""Pure validation of a LoanDefault. Reason codes are machine-readable; messages never contain PII."""
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

MESSAGES = {
    "MISSING_LENDER_ID": "lender_id is empty",
    "MISSING_LOAN_ID": "loan_id is empty",
    "MISSING_BATCH_ID": "batch_id is empty",
    "NATIONAL_ID_FORMAT": "debtor.national_id must be 17 digits followed by a digit or X",
    "NATIONAL_ID_CHECKSUM": "debtor.national_id fails the GB 11643 check digit",
    "NATIONAL_ID_BIRTHDATE": "debtor.national_id holds no valid birth date",
    "REGION_CODE_FORMAT": "debtor.region_code must be 6 digits",
    "REGION_CODE_UNKNOWN": "debtor.region_code 的前两位不是 GB/T 2260 中的省级行政区 / names no GB/T 2260 province",
    "REGION_CODE_UNKNOWN_COUNTY": "debtor.region_code 不是县级行政区划代码：省份存在，但民政部现行 GB/T 2260 代码表中没有这个区县 "
                                  "/ its province exists but the current GB/T 2260 list has no such county-level division",
    "REGION_CODE_NOT_COUNTY": "debtor.region_code 是省级或地级代码，请填写债务人所在区、县或县级市的代码 "
                              "/ a province- or prefecture-level code: give the debtor's district, county or county-level city",
    "PRINCIPAL_NOT_POSITIVE": "principal_cents must be greater than zero",
    "NEGATIVE_AMOUNT": "interest_cents and penalty_cents must not be negative",
    "UNKNOWN_PRODUCT": "product must be one of " + ", ".join(sorted(PRODUCTS)),
    "CONTRACT_AFTER_DUE": "contract_date is after due_date",
    "DUE_DATE_IN_FUTURE": "due_date is in the future: the loan has not defaulted yet",
    "LAST_PAYMENT_OUT_OF_RANGE": "last_payment_date is before contract_date or in the future",
}


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


def describe(reasons: list[str]) -> str:
    return "; ".join(MESSAGES[r] for r in reasons)
