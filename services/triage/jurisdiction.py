"""Where a case is heard: pure.

The jurisdiction region is the contract's ``agreed_jurisdiction`` when it is a valid 6-digit
GB/T 2260 code, else the debtor's region. Ids are derived from that county-level code:

- mediation centre ``MC-<region>``: the people's mediation committee of that county/district;
- court ``CT-<region>``: the basic people's court of that county/district.

A case is cross-region when the debtor's region differs from the jurisdiction region or from the
lender's region (when the lender gave one): mediation then prefers remote modes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})
_REGION = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Jurisdiction:
    region: str
    mediation_centre: str
    court: str
    cross_region: bool
    agreed: bool


def valid_region(code: str | None) -> bool:
    return bool(code) and bool(_REGION.fullmatch(code)) and int(code[:2]) in PROVINCES


def jurisdiction(debtor_region: str, agreed: str | None, lender_region: str | None) -> Jurisdiction:
    use_agreed = valid_region(agreed)
    region = agreed if use_agreed else debtor_region
    cross = debtor_region != region or (valid_region(lender_region) and lender_region != debtor_region)
    return Jurisdiction(region, f"MC-{region}", f"CT-{region}", cross, use_agreed)
