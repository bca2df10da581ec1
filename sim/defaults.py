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


# ---------------------------------------------------------------- a realistic multi-lender batch

# (lender_id, home region (GB/T 2260), product mix weights in PRODUCTS order)
LENDERS = [
    ("LENDER-XM01", "350502", (5, 3, 1, 1)), ("LENDER-XM02", "350503", (2, 5, 1, 2)),
    ("LENDER-QZ01", "350583", (3, 1, 4, 2)), ("LENDER-BJ01", "110105", (4, 4, 1, 1)),
    ("LENDER-BJ02", "110105", (1, 1, 3, 5)), ("LENDER-SH01", "310115", (4, 5, 0, 1)),
    ("LENDER-SH02", "310115", (1, 2, 2, 5)), ("LENDER-SZ01", "440305", (2, 3, 2, 3)),
    ("LENDER-SZ02", "440305", (1, 1, 5, 3)), ("LENDER-HZ01", "330106", (3, 2, 1, 4)),
    ("LENDER-CD01", "510107", (4, 2, 2, 2)), ("LENDER-WH01", "420106", (3, 3, 2, 2)),
    ("LENDER-NJ01", "320106", (4, 3, 1, 2)), ("LENDER-XM03", "350502", (2, 2, 3, 3)),
]
# Principal, in CNY: (median, spread of the log-normal, floor, cap) per product.
AMOUNTS = {"consumer_loan": (18_000, 0.7, 2_000, 200_000), "credit_card": (9_000, 0.8, 500, 100_000),
           "micro_loan": (3_000, 0.6, 300, 20_000), "online_loan": (5_500, 0.7, 500, 50_000)}
TERMS = {"consumer_loan": [180, 365, 730], "credit_card": [30, 60, 90], "micro_loan": [30, 90, 180],
         "online_loan": [90, 180, 365]}
APR = {"consumer_loan": (0.08, 0.18), "credit_card": (0.12, 0.18), "micro_loan": (0.15, 0.24), "online_loan": (0.10, 0.24)}


def realistic_default(rng: random.Random, lender: tuple, loan_no: int, batch_id: str, batch_size: int,
                      now: datetime) -> dict:
    """A valid default whose product, amount, dates and debtor region look like a real lender's book."""
    lender_id, home, mix = lender
    d = valid_default(rng, lender_id, loan_no, batch_id, batch_size, now,
                      region=home if rng.random() < 0.55 else rng.choice(REGIONS))
    product = rng.choices(PRODUCTS, mix)[0]
    median, spread, floor, cap = AMOUNTS[product]
    principal = min(cap, max(floor, round(rng.lognormvariate(0, spread) * median))) * 100
    overdue_days = min(int(rng.expovariate(1 / 240)) + 31, 1400)   # a few are past the 3-year limitation
    due = now.date() - timedelta(days=overdue_days)
    contract = due - timedelta(days=rng.choice(TERMS[product]))
    rate = rng.uniform(*APR[product])
    d.update(product=product, principal_cents=principal, contract_date=contract, due_date=due,
             interest_cents=int(principal * rate * (due - contract).days / 365),
             penalty_cents=int(principal * rate * 0.5 * min(overdue_days, 365) / 365),
             last_payment_date=due - timedelta(days=rng.randint(1, 30)) if rng.random() < 0.4 else None,
             agreed_jurisdiction=home if rng.random() < 0.6 else None, lender_region_code=home)
    return d


def demo_batch(n_cases: int = 8539, n_lenders: int = 12, now: datetime | None = None, seed: int = 2026,
               n_malformed: int | None = None) -> tuple[list[dict], dict[str, str]]:
    """The source document's batch: ``n_cases`` valid defaults from ``n_lenders`` lenders (uneven books,
    one batch per lender) in several regions, plus ``n_malformed`` broken rows (default 0.5%). Returns
    (defaults in publishing order, {loan_id: the reason intake must give} for the malformed ones)."""
    now = now or datetime.now(timezone.utc)
    rng = random.Random(seed)
    lenders = LENDERS[:max(1, min(n_lenders, len(LENDERS)))]
    n_malformed = max(1, n_cases // 200) if n_malformed is None else n_malformed
    weights = [1 / (k + 1) ** 0.6 for k in range(len(lenders))]
    valid_per = [n_cases * w // sum(weights) for w in weights]
    valid_per[0] += n_cases - sum(int(v) for v in valid_per)
    bad_per = [n_malformed // len(lenders) + (1 if k < n_malformed % len(lenders) else 0) for k in range(len(lenders))]
    kinds = sorted(INVALID_KINDS)
    out, expected, loan_no, bad_no = [], {}, 0, 0
    for lender, n_valid, n_bad in zip(lenders, valid_per, bad_per):
        n_valid, batch_id = int(n_valid), f"B-{lender[0][7:]}-{now:%Y%m}"
        for i in range(n_valid + n_bad):
            d = realistic_default(rng, lender, loan_no, batch_id, n_valid + n_bad, now)
            if i >= n_valid:
                reason = kinds[bad_no % len(kinds)]
                INVALID_KINDS[reason](d)
                expected[d["loan_id"]] = reason
                bad_no += 1
            out.append(d)
            loan_no += 1
    rng.shuffle(out)
    return out, expected
