"""The simulated judicial authorities staff mediation for the batch. Pure.

The roster mediation ships with (``services/mediation/roster.json``) is a few mediators — about 80
people's and 30 court cases a day — enough for a few hundred cases. Published to a batch of 8,539
at once, most cases would wait in the queue until their 30-day tier ran out without a session: the
run would measure the queue, not mediation. So before the lenders publish, the simulator designates
(``RosterUpdate`` on ``mediation.roster``, as a mediation committee or court would) enough people's
mediators per region, and court mediators nationally, that the batch is seen within ``clear_days``.
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

MODES = ["ON_SITE", "PHONE", "VIDEO"]


def mediation_region(default: dict) -> str:
    """The 4-digit prefix a people's mediator must serve: the agreed forum, else the debtor's region."""
    return (default.get("agreed_jurisdiction") or default["debtor"]["region_code"])[:4]


def roster_updates(defaults: list[dict], now: datetime, *, daily_capacity: int = 20, clear_days: int = 5,
                   court_share: float = 0.6) -> list[dict]:
    per_day = daily_capacity * clear_days
    updates = []
    for prefix, cases in sorted(Counter(mediation_region(d) for d in defaults).items()):
        for i in range(math.ceil(cases / per_day)):
            updates.append(_mediator(f"PM-SIM-{prefix}-{i + 1:02d}", "PEOPLES", f"MC-{prefix}", [prefix], daily_capacity, now))
    for i in range(math.ceil(len(defaults) * court_share / per_day)):
        updates.append(_mediator(f"CM-SIM-{i + 1:02d}", "COURT", "court-annexed mediation", ["*"], daily_capacity, now))
    return updates


def _mediator(mid: str, tier: str, by: str, regions: list[str], capacity: int, now: datetime) -> dict:
    return {"mediator_id": mid, "tier": tier, "designated_by": by, "regions": regions, "modes": MODES,
            "daily_capacity": capacity, "active": True, "updated_at": now}
