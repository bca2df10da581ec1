"""The generalisation hierarchies of the research export's quasi-identifiers. Pure.

Each quasi-identifier has levels from exact-ish (0) to undisclosed (3, ``*``); every level's bands nest
in the next one's, so a wider level only merges bands, never splits one:

  age at opening   5-year band → 10-year → 20-year → *       (未知 where the birth year is unknown)
  debtor region    county → city → province → *               (GB/T 2260 codes, remedy/contract/regions.py)
  amount claimed   fine → medium → coarse → * yuan bands      (principal + interest + penalty)
  opening period   month → quarter → year → *
"""
from __future__ import annotations

from dataclasses import dataclass

from remedy.contract.regions import NAMES

ANY = "*"
UNKNOWN_AGE = "未知"
TOP = 3                                      # the level at which a quasi-identifier says nothing
AGE_WIDTH = (5, 10, 20)
# yuan; [low, next low); each tuple's bounds are a subset of the one before it
AMOUNT_BOUNDS = ((0, 500, 1000, 2000, 3000, 5000, 8000, 10000, 15000, 20000, 30000, 50000, 100000, 200000),
                 (0, 1000, 5000, 10000, 20000, 50000, 200000),
                 (0, 10000, 50000))
OLDEST = 120


@dataclass(frozen=True)
class Quasi:
    """A case's quasi-identifiers as ClickHouse holds them (never written out as they are)."""
    birth_year: int | None
    region_code: str
    claimed_cents: int
    opened_year: int
    opened_month: int


def age_band(q: Quasi, level: int) -> str:
    age = None if q.birth_year is None else q.opened_year - q.birth_year
    if level >= TOP:
        return ANY
    if age is None or not 0 <= age <= OLDEST:
        return UNKNOWN_AGE
    width = AGE_WIDTH[level]
    low = age // width * width
    return f"{low}-{low + width - 1}"


def region_at(code: str, level: int) -> str:
    """The GB/T 2260 code of the division holding ``code`` at ``level`` (0 county, 1 city, 2 province).
    A district of a municipality (北京 1101xx) or a county-level unit directly under its province has no
    city of its own: its city level is the province."""
    province = code[:2] + "0000"
    if level >= TOP or len(code) != 6 or province not in NAMES:
        return ANY
    if level == 0:
        return code if code in NAMES else region_at(code, 1)
    city = code[:4] + "00"
    if level == 1 and not code.endswith("0000") and city in NAMES:
        return city
    return province


def region_name(code: str) -> str:
    return "全国" if code == ANY else NAMES.get(code, "")


def amount_band(q: Quasi, level: int) -> str:
    if level >= TOP:
        return ANY
    yuan = q.claimed_cents // 100
    bounds = AMOUNT_BOUNDS[level]
    low = max(b for b in bounds if b <= max(yuan, 0))
    higher = [b for b in bounds if b > low]
    return f"{low}-{higher[0]}" if higher else f"{low}+"


def period(q: Quasi, level: int) -> str:
    if level >= TOP:
        return ANY
    if level == 0:
        return f"{q.opened_year}-{q.opened_month:02d}"
    if level == 1:
        return f"{q.opened_year}Q{(q.opened_month - 1) // 3 + 1}"
    return str(q.opened_year)


def generalise(q: Quasi, levels: tuple[int, int, int, int]) -> tuple[str, str, str, str]:
    """(age band, region code, amount band, opening period) at the given levels, in that order."""
    age, region, amount, when = levels
    return age_band(q, age), region_at(q.region_code, region), amount_band(q, amount), period(q, when)
