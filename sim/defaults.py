"""Synthetic LoanDefaults: valid ones with realistic shapes, and invalid ones of each kind."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from services.intake.validation import national_id_check_digit

REGIONS = ["350502", "350503", "350583", "110105", "310115", "440305", "330106", "510107", "420106", "320106"]
PRODUCTS = ["consumer_loan", "credit_card", "micro_loan", "online_loan"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"

# Each invalid kind: the reason intake must give, and how to break a valid default to get it.
INVALID_KINDS = {
    "NATIONAL_ID_CHECKSUM": lambda d: d["debtor"].update(national_id=_flip_check(d["debtor"]["national_id"])),
    "NATIONAL_ID_FORMAT": lambda d: d["debtor"].update(national_id=d["debtor"]["national_id"][:15]),
    "REGION_CODE_FORMAT": lambda d: d["debtor"].update(region_code="3505"),
    "PRINCIPAL_NOT_POSITIVE": lambda d: d.update(principal_cents=0),
    "NEGATIVE_AMOUNT": lambda d: d.update(penalty_cents=-100),
    "UNKNOWN_PRODUCT": lambda d: d.update(product="payday_loan"),
    "DUE_DATE_IN_FUTURE": lambda d: d.update(due_date=d["published_at"].date() + timedelta(days=30)),
    "CONTRACT_AFTER_DUE": lambda d: d.update(contract_date=d["due_date"] + timedelta(days=1), last_payment_date=None),
}


def national_id(rng: random.Random, region: str, birth: date) -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + national_id_check_digit(first17)


def _flip_check(nid: str) -> str:
    digits = "0123456789X"
    return nid[:17] + digits[(digits.index(nid[17]) + 1) % len(digits)]


def valid_default(rng: random.Random, lender_id: str, loan_no: int, batch_id: str, batch_size: int,
                  now: datetime, region: str | None = None) -> dict:
    region = region or rng.choice(REGIONS)
    birth = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
    contract = now.date() - timedelta(days=rng.randint(200, 900))
    due = contract + timedelta(days=rng.choice([90, 180, 365]))
    if due >= now.date():
        due = now.date() - timedelta(days=rng.randint(10, 60))
    principal = rng.randint(50, 5000) * 10_000 // 10  # 500 .. 50,000 CNY in fen
    return {
        "lender_id": lender_id, "loan_id": f"L{loan_no:08d}", "batch_id": batch_id, "batch_size": batch_size,
        "product": rng.choice(PRODUCTS),
        "debtor": {"name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                   "national_id": national_id(rng, region, birth), "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                   "email": f"debtor{loan_no}@example.cn" if rng.random() < 0.7 else None, "region_code": region,
                   "is_student": rng.random() < 0.02, "serious_illness": rng.random() < 0.01, "unemployed": rng.random() < 0.02,
                   "disaster": False, "elderly": birth.year < 1962, "disabled": rng.random() < 0.005},
        "principal_cents": principal, "interest_cents": principal * rng.randint(2, 18) // 100,
        "penalty_cents": principal * rng.randint(0, 5) // 100,
        "contract_date": contract, "due_date": due,
        "last_payment_date": due - timedelta(days=rng.randint(1, 60)) if rng.random() < 0.5 else None,
        "agreed_jurisdiction": "350502" if rng.random() < 0.6 else None, "lender_region_code": "350502",
        "evidence": [{"doc_type": "contract", "uri": f"s3://{lender_id}/contracts/{loan_no}.pdf", "sha256": None},
                     {"doc_type": "statement", "uri": f"s3://{lender_id}/statements/{loan_no}.pdf", "sha256": None}],
        "published_at": now,
    }


def batch(lender_id: str, batch_id: str, n_valid: int, n_invalid: int, now: datetime, seed: int = 7,
          first_loan: int = 0) -> tuple[list[dict], dict[str, str]]:
    """n_valid + n_invalid defaults, shuffled, and for each invalid loan_id the reason intake must give."""
    rng = random.Random(seed)
    size = n_valid + n_invalid
    kinds = sorted(INVALID_KINDS)
    out, expected = [], {}
    for i in range(size):
        d = valid_default(rng, lender_id, first_loan + i, batch_id, size, now)
        if i >= n_valid:
            reason = kinds[i % len(kinds)]
            INVALID_KINDS[reason](d)
            expected[d["loan_id"]] = reason
        out.append(d)
    rng.shuffle(out)
    return out, expected


def utc(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=timezone.utc)
