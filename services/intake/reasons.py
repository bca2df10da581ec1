"""What each rejection reason tells the lender: the field(s) it concerns and a short Chinese and English
message. Messages name fields and rules, never a value: a rejection carries no debtor data (rules.md P3)."""
from __future__ import annotations

from services.intake.validation import PRODUCTS

PRODUCT_LIST = ", ".join(sorted(PRODUCTS))

# code → (the LoanDefault field paths the rule checks, Chinese, English); "" is the whole record
REASONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "MISSING_LENDER_ID": (("lender_id",), "贷款机构编号（lender_id）为空", "lender_id is empty"),
    "MISSING_LOAN_ID": (("loan_id",), "借款编号（loan_id）为空", "loan_id is empty"),
    "MISSING_BATCH_ID": (("batch_id",), "批次编号（batch_id）为空", "batch_id is empty"),
    "NATIONAL_ID_FORMAT": (("debtor.national_id",), "身份证号码应为 17 位数字加 1 位数字或 X",
                           "debtor.national_id must be 17 digits followed by a digit or X"),
    "NATIONAL_ID_CHECKSUM": (("debtor.national_id",), "身份证号码的校验码不符合 GB 11643",
                             "debtor.national_id fails the GB 11643 check digit"),
    "NATIONAL_ID_BIRTHDATE": (("debtor.national_id",), "身份证号码中的出生日期无效",
                              "debtor.national_id holds no valid birth date"),
    "REGION_CODE_FORMAT": (("debtor.region_code",), "行政区划代码应为 6 位数字", "debtor.region_code must be 6 digits"),
    "REGION_CODE_UNKNOWN": (("debtor.region_code",), "行政区划代码的前两位不是 GB/T 2260 中的省级行政区",
                            "debtor.region_code names no GB/T 2260 province"),
    "REGION_CODE_UNKNOWN_COUNTY": (("debtor.region_code",), "不是县级行政区划代码：省份存在，但民政部现行 GB/T 2260 "
                                   "代码表中没有这个区县", "debtor.region_code: its province exists but the current "
                                   "GB/T 2260 list has no such county-level division"),
    "REGION_CODE_NOT_COUNTY": (("debtor.region_code",), "是省级或地级代码，请填写债务人所在区、县或县级市的代码",
                               "debtor.region_code is a province- or prefecture-level code: give the debtor's "
                               "district, county or county-level city"),
    "PRINCIPAL_NOT_POSITIVE": (("principal_cents",), "本金必须大于零", "principal_cents must be greater than zero"),
    "NEGATIVE_AMOUNT": (("interest_cents", "penalty_cents"), "利息和罚息不得为负数",
                        "interest_cents and penalty_cents must not be negative"),
    "UNKNOWN_PRODUCT": (("product",), "产品类型须为以下之一：" + PRODUCT_LIST, "product must be one of " + PRODUCT_LIST),
    "CONTRACT_AFTER_DUE": (("contract_date",), "合同日期晚于到期日", "contract_date is after due_date"),
    "DUE_DATE_IN_FUTURE": (("due_date",), "到期日在未来：借款尚未逾期", "due_date is in the future: the loan has not defaulted yet"),
    "LAST_PAYMENT_OUT_OF_RANGE": (("last_payment_date",), "最后还款日早于合同日期或晚于今天",
                                  "last_payment_date is before contract_date or in the future"),
    "UNDECODABLE": (("",), "记录无法按 LoanDefault 模式解码，请按 schemas/LoanDefault 重新发送该行",
                    "the record is not a LoanDefault this platform can decode: send the row again per schemas/LoanDefault"),
}


def problems(codes: list[str]) -> list[dict]:
    """One RejectionProblem per field each reason concerns."""
    return [{"field": path, "code": code, "message_zh": REASONS[code][1], "message_en": REASONS[code][2]}
            for code in codes for path in REASONS[code][0]]


def describe(codes: list[str]) -> str:
    """The rejection's one-line message: each reason in Chinese, then in English."""
    return "; ".join(f"{REASONS[c][1]} / {REASONS[c][2]}" for c in codes)
