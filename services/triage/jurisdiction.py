"""Where a case is heard: pure.

The jurisdiction region is the contract's ``agreed_jurisdiction`` when it is a county-level GB/T 2260
code (remedy/contract/regions.py, the Ministry of Civil Affairs' current list), else the debtor's
region. Ids are derived from that county-level code:

- mediation centre ``MC-<region>``: the people's mediation committee of that county/district;
- court ``CT-<region>``: the basic people's court of that county/district.

A case is cross-region when the debtor's region differs from the jurisdiction region or from the
lender's region (when the lender gave one): mediation then prefers remote modes.

A debtor's region that is no county-level code (intake refuses those; a case opened before it did may
carry one) with no valid agreed forum has no court: ``jurisdiction`` returns None, and triage rejects.
"""
from __future__ import annotations

from dataclasses import dataclass

from remedy.contract.regions import is_county_level


@dataclass(frozen=True)
class Jurisdiction:
    region: str
    mediation_centre: str
    court: str
    cross_region: bool
    agreed: bool


def valid_region(code: str | None) -> bool:
    """A county-level GB/T 2260 code: where a people's mediation committee and a basic people's court sit."""
    return is_county_level(code)


def jurisdiction(debtor_region: str, agreed: str | None, lender_region: str | None) -> Jurisdiction | None:
    use_agreed = valid_region(agreed)
    if not use_agreed and not valid_region(debtor_region):
        return None
    region = agreed if use_agreed else debtor_region
    cross = debtor_region != region or (valid_region(lender_region) and lender_region != debtor_region)
    return Jurisdiction(region, f"MC-{region}", f"CT-{region}", cross, use_agreed)
