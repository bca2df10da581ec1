"""The roster of mediators designated by judicial authorities. Pure, apart from reading the start-up file.

A mediator: tier PEOPLES (people's mediator) or COURT (court-appointed mediator), the regions they
serve (GB/T 2260 codes or prefixes; ``"*"`` for everywhere), the modes they hold sessions in
(ON_SITE, PHONE, VIDEO) and how many new cases they take per China calendar day.
The file gives the start-up roster; ``RosterUpdate`` records on ``mediation.roster`` override it
by mediator_id (``active: false`` withdraws a designation).
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Callable

from services.mediation.errors import InvalidRosterUpdate

TIERS = ("PEOPLES", "COURT")
MODES = ("ON_SITE", "PHONE", "VIDEO")
FIELDS = ("mediator_id", "tier", "designated_by", "regions", "modes", "daily_capacity", "active")


def check(entry: dict) -> dict:
    """A roster entry as state JSON, or InvalidRosterUpdate."""
    m = {"designated_by": "", "active": True, **{k: entry[k] for k in FIELDS if k in entry}}
    missing = [k for k in FIELDS if k not in m]
    if missing:
        raise InvalidRosterUpdate(f"roster entry lacks {', '.join(missing)}")
    if m["tier"] not in TIERS:
        raise InvalidRosterUpdate(f"roster entry {m['mediator_id']}: tier must be PEOPLES or COURT")
    if not m["modes"] or any(mode not in MODES for mode in m["modes"]):
        raise InvalidRosterUpdate(f"roster entry {m['mediator_id']}: modes must be among {', '.join(MODES)}")
    if not m["regions"] or int(m["daily_capacity"]) < 0:
        raise InvalidRosterUpdate(f"roster entry {m['mediator_id']}: needs regions and a capacity >= 0")
    return {**m, "regions": list(m["regions"]), "modes": list(m["modes"]), "daily_capacity": int(m["daily_capacity"]),
            "active": bool(m["active"])}


def load_roster(path: str | Path) -> dict[str, dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {m["mediator_id"]: m for m in map(check, data["mediators"])}


class Roster(dict):
    """The effective roster (mediator_id → entry) with its active mediators indexed by tier and by each
    region they serve, so that finding who may take a case reads those few, not the whole roster.
    Changed only through ``put``, which keeps the index."""

    def __init__(self, entries: dict[str, dict]):
        super().__init__(entries)
        self.index = _index(self)

    def put(self, entry: dict) -> None:
        """A mediator designated, changed or withdrawn (a checked entry)."""
        old = self.get(entry["mediator_id"])
        for key in _served(old) if old else ():
            rest = [m for m in self.index[key] if m["mediator_id"] != old["mediator_id"]]
            if rest:
                self.index[key] = rest
            else:
                del self.index[key]
        self[entry["mediator_id"]] = entry
        for key in _served(entry):
            self.index.setdefault(key, []).append(entry)


def _served(m: dict) -> list[tuple[str, str]]:
    """The index keys of a mediator: (tier, each region code or prefix served), or (tier, "*"); none if inactive."""
    if not m["active"]:
        return []
    return [(m["tier"], r) for r in (("*",) if "*" in m["regions"] else sorted(set(m["regions"])))]


def _index(roster: dict[str, dict]) -> dict[tuple[str, str], list[dict]]:
    """(tier, region code or prefix served) → active mediators; (tier, "*") → those serving everywhere."""
    index: dict[tuple[str, str], list[dict]] = {}
    for m in roster.values():
        for key in _served(m):
            index.setdefault(key, []).append(m)
    return index


def effective(base: dict[str, dict], overrides: dict[str, dict] | None) -> Roster:
    return Roster({**base, **(overrides or {})})


def candidates(roster: dict[str, dict], tier: str, region: str) -> tuple[list[dict], list[dict]]:
    """The active mediators of ``tier`` who may take a case of ``region``: those serving the region (by its
    code or a prefix of it), then those serving everywhere."""
    index = roster.index if isinstance(roster, Roster) else _index(roster)
    regional = {m["mediator_id"]: m for k in range(len(region) + 1) for m in index.get((tier, region[:k]), ())}
    return list(regional.values()), index.get((tier, "*"), [])


def covers(mediator: dict, region: str) -> bool:
    """The mediator serves the region: by its code, a prefix of it, or everywhere (what ``candidates`` indexes)."""
    return any(r == "*" or region.startswith(r) for r in mediator["regions"])


# ---- the roster's changes in the desk's table ------------------------------------------------------
# ``roster/<mediator_id>`` → the entry; ``roster/ids/<n>`` → the ids stored, spread over SHARDS sorted lists,
# so a change writes its entry and at most one short list, whatever the size of the roster.

SHARDS = 64


def _shard(mediator_id: str) -> str:
    return f"roster/ids/{zlib.crc32(mediator_id.encode()) % SHARDS}"


def stored(get: Callable[[str], Any]) -> dict[str, dict]:
    """The roster's changes kept in the desk's table: mediator_id → entry."""
    return {mid: entry for n in range(SHARDS) for mid in get(f"roster/ids/{n}") or ()
            if (entry := get(f"roster/{mid}")) is not None}


def store(get: Callable[[str], Any], entry: dict) -> dict[str, Any]:
    """The table writes that keep ``entry`` (checked) among the roster's changes."""
    mid = entry["mediator_id"]
    writes: dict[str, Any] = {f"roster/{mid}": entry}
    ids = get(_shard(mid)) or []
    if mid not in ids:
        writes[_shard(mid)] = sorted([*ids, mid])
    return writes
