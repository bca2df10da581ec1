"""k-anonymity over the quasi-identifiers, by generalisation first and suppression last; pseudonyms
re-keyed per export. Pure: the key is given (``write`` draws a fresh one for every export and never
stores it).

The quasi-identifier tuple is (age band, region, amount band, opening period). Every case starts at
the narrowest levels; the cases whose tuple is shared by fewer than k cases go one step up the
ladder (``LADDER``), widened one quasi-identifier or two at a time, and so on; cases still short of
k at the top are suppressed and counted. Wider levels only merge narrower bands, so a case keeps the
narrowest tuple that hides it among k. ``check`` then counts every tuple of the output again.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field

from remedy.ops.research.bands import generalise, region_name
from remedy.ops.research.cases import Case

# (age, region, amount, period) levels, 0 narrowest .. 3 undisclosed; see bands.py
LADDER = ((0, 0, 0, 0), (1, 0, 0, 0), (1, 1, 0, 0), (1, 1, 1, 0), (1, 1, 1, 1), (2, 2, 1, 1), (2, 2, 2, 2),
          (3, 2, 2, 2), (3, 3, 3, 3))
QUASI_COLUMNS = ("age_band", "region_code", "amount_band", "opened_period")


class NotAnonymous(Exception):
    """The output would hold a quasi-identifier tuple shared by fewer than k rows: nothing is written."""


@dataclass
class Anonymised:
    rows: list[dict]                 # sorted by pseudonym, so row order says nothing about the cases
    k: int
    suppressed: int = 0
    by_step: Counter = field(default_factory=Counter)   # ladder step → rows released at it


def pseudonym(key: bytes, case_id: str) -> str:
    return "R" + hmac.new(key, case_id.encode(), hashlib.sha256).hexdigest()[:20]


def recode(cases: list[Case], k: int) -> tuple[dict[int, tuple[int, tuple]], list[int]]:
    """Each case's ladder step and tuple ({index: (step, tuple)}), and the indexes suppressed."""
    released: dict[int, tuple[int, tuple]] = {}
    counts: Counter = Counter()
    pending = list(range(len(cases)))
    for step, levels in enumerate(LADDER):
        keys = {i: generalise(cases[i].quasi, levels) for i in pending}
        here = Counter(keys.values())
        now = [i for i in pending if here[keys[i]] + counts[keys[i]] >= k]
        for i in now:
            released[i] = (step, keys[i])
        counts.update(keys[i] for i in now)
        pending = [i for i in pending if i not in released]
    return released, pending


def anonymise(cases: list[Case], k: int, key: bytes) -> Anonymised:
    if k < 2:
        raise ValueError(f"k must be at least 2, not {k}")
    released, suppressed = recode(cases, k)
    out = Anonymised([], k, suppressed=len(suppressed))
    for i, (step, quasi) in released.items():
        age, region, amount, when = quasi
        out.rows.append({"pseudonym": pseudonym(key, cases[i].case_id), "age_band": age, "region_code": region,
                         "region_name": region_name(region), "amount_band": amount, "opened_period": when,
                         **cases[i].attrs})
        out.by_step[step] += 1
    out.rows.sort(key=lambda row: row["pseudonym"])
    check(out.rows, k)
    return out


def small_classes(rows: list[dict], k: int) -> dict[tuple, int]:
    """Every quasi-identifier tuple shared by fewer than k rows, with its count."""
    counts = Counter(tuple(row[c] for c in QUASI_COLUMNS) for row in rows)
    return {t: n for t, n in counts.items() if n < k}


def check(rows: list[dict], k: int) -> None:
    small = small_classes(rows, k)
    if small:
        raise NotAnonymous(f"{len(small)} quasi-identifier tuple(s) shared by fewer than {k} rows "
                           f"({sum(small.values())} rows): the export is not written")
