"""Traditional collection, the baseline Remedy is compared against. Pure and seeded.

For the same cases: collectors phone the debtor; some are reached, some of those pay part of the
claim, hardship debtors pay less often. Each case's draw is seeded by (seed, case id), so the
baseline of a case does not depend on which other cases are in the batch.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable

from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id as make_case_id
from sim.world import WorldConfig

HARDSHIP_FLAGS = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")


@dataclass(frozen=True)
class Baseline:
    cases: int
    claimed_cents: int
    recovered_cents: int
    paying_cases: int

    @property
    def recovery_rate(self) -> float:
        return self.recovered_cents / self.claimed_cents if self.claimed_cents else 0.0


def claim_of(case: dict) -> int:
    return case["principal_cents"] + case["interest_cents"] + case["penalty_cents"]


def in_hardship(case: dict) -> bool:
    flags = case.get("hardship") or case.get("debtor") or {}
    return any(flags.get(k) for k in HARDSHIP_FLAGS)


def case_key(case: dict) -> str:
    return case.get("case_id") or make_case_id(case["lender_id"], case["loan_id"], key=DEV_CASE_ID_KEY)


def collect(case: dict, rng: random.Random, cfg: WorldConfig) -> int:
    """What traditional collection recovers on one case, in fen."""
    if rng.random() >= cfg.baseline_contact_rate:
        return 0
    pay_rate = cfg.baseline_pay_rate * (cfg.baseline_hardship_pay_factor if in_hardship(case) else 1.0)
    if rng.random() >= pay_rate:
        return 0
    return int(claim_of(case) * rng.uniform(*cfg.baseline_paid_share))


def baseline(cases: Iterable[dict], seed: int, cfg: WorldConfig = WorldConfig()) -> Baseline:
    """``cases``: LoanDefaults (with ``debtor``) or case facts (with ``hardship`` and ``case_id``)."""
    n = claimed = recovered = paying = 0
    for case in cases:
        got = collect(case, random.Random(f"{seed}/baseline/{case_key(case)}"), cfg)
        n, claimed, recovered, paying = n + 1, claimed + claim_of(case), recovered + got, paying + (got > 0)
    return Baseline(n, claimed, recovered, paying)
