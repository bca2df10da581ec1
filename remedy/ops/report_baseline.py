"""The traditional-collection baseline of a batch per opening day, so the report compares each day's cases with
what traditional collection recovers of those same cases (``sim/baseline.py``, seeded per case: a case's
baseline does not depend on the others), and how ``run.json`` keeps it for ``remedy report``."""
from __future__ import annotations

from datetime import datetime

from remedy.contract.i18n import CHINA_TZ


def opening_day(case: dict) -> str:
    """The China-calendar day a default is published, the day intake opens its case (analytics' ``day``)."""
    at = case["published_at"]
    at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return at.astimezone(CHINA_TZ).date().isoformat()


def by_opening_day(cases: list[dict], seed: int) -> dict[str, tuple[int, int]]:
    """Opening day → (claimed, recovered by traditional collection), in fen; the days sum to the whole batch's."""
    from sim.baseline import baseline

    out: dict[str, tuple[int, int]] = {}
    for case in cases:
        one = baseline([case], seed)
        claimed, recovered = out.get(opening_day(case), (0, 0))
        out[opening_day(case)] = (claimed + one.claimed_cents, recovered + one.recovered_cents)
    return dict(sorted(out.items()))


def from_run(run: dict) -> dict[str, tuple[int, int]] | None:
    """``run.json``'s ``baseline_by_day`` (written by `remedy run`), None when an older run has none."""
    days = run.get("baseline_by_day")
    if not isinstance(days, dict):
        return None
    return {str(day): (int(v[0]), int(v[1])) for day, v in days.items()}
