"""A roster entry (``RosterUpdate`` on ``mediation.roster``) as its producers and mediation check it. Pure.

A mediator: tier PEOPLES (people's mediator) or COURT (court-appointed mediator), the regions they
serve (GB/T 2260 codes or prefixes; ``"*"`` for everywhere), the modes they hold sessions in
(ON_SITE, PHONE, VIDEO) and how many new cases they take per China calendar day.
"""
from __future__ import annotations

TIERS = ("PEOPLES", "COURT")
MODES = ("ON_SITE", "PHONE", "VIDEO")
FIELDS = ("mediator_id", "tier", "designated_by", "regions", "modes", "daily_capacity", "active")


class RosterEntryError(ValueError):
    """A roster entry that cannot be applied; the message says why."""


def check(entry: dict) -> dict:
    """A roster entry as state JSON (defaults filled, types normalised), or RosterEntryError."""
    m = {"designated_by": "", "active": True, **{k: entry[k] for k in FIELDS if k in entry}}
    missing = [k for k in FIELDS if k not in m]
    if missing:
        raise RosterEntryError(f"roster entry lacks {', '.join(missing)}")
    if m["tier"] not in TIERS:
        raise RosterEntryError(f"roster entry {m['mediator_id']}: tier must be PEOPLES or COURT")
    if not m["modes"] or any(mode not in MODES for mode in m["modes"]):
        raise RosterEntryError(f"roster entry {m['mediator_id']}: modes must be among {', '.join(MODES)}")
    if not m["regions"] or int(m["daily_capacity"]) < 0:
        raise RosterEntryError(f"roster entry {m['mediator_id']}: needs regions and a capacity >= 0")
    return {**m, "regions": list(m["regions"]), "modes": list(m["modes"]), "daily_capacity": int(m["daily_capacity"]),
            "active": bool(m["active"])}
