"""The roster of mediators designated by judicial authorities. Pure, apart from reading the start-up file.

A mediator's entry is the contract's (remedy/contract/roster.py): tier, regions served, session modes
and daily capacity.
The file gives the start-up roster; ``RosterUpdate`` records on ``mediation.roster`` override it
by mediator_id (``active: false`` withdraws a designation).
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Callable

from remedy.contract.roster import RosterEntryError
from remedy.contract.roster import check as check_entry
from services.mediation.errors import InvalidRosterUpdate

def check(entry: dict) -> dict:
    """A roster entry as state JSON, or InvalidRosterUpdate (the contract's check: remedy/contract/roster.py)."""
    try:
        return check_entry(entry)
    except RosterEntryError as exc:
        raise InvalidRosterUpdate(str(exc)) from None


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
