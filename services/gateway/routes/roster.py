"""Judicial bureaus (``Authorization: Bearer <API key>``, key kind ``bureau``): the people's mediators
they designate, on ``mediation.roster``.

A bureau's id names its area: ``JB-`` and the GB/T 2260 prefix of the division it administers
(``JB-3505``: the Quanzhou bureau). It designates, changes and withdraws people's mediators (PEOPLES)
serving within that area; court-appointed mediators (COURT) are designated by the court. A mediator
designated by another authority is not the bureau's to change. Every change is a record on the topic,
naming the bureau and the time: ``GET /v1/roster/changes`` lists the bureau's own.
"""
from __future__ import annotations

import re

from aiohttp import web

from remedy.contract.regions import NAMES
from remedy.contract.roster import MODES, RosterEntryError, check
from services.gateway import roster_view
from services.gateway.core import Routes, error, log
from services.gateway.model import as_json
from services.gateway.validation import BadRequest

BUREAU_ID = re.compile(r"^JB-(\d{2}|\d{4}|\d{6})$")
MEDIATOR_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
MAX_CAPACITY = 1000


def bureau_area(bureau_id: str) -> str | None:
    """The GB/T 2260 prefix a bureau administers, from its id (None: not a well-formed bureau id)."""
    m = BUREAU_ID.match(bureau_id)
    return m.group(1) if m else None


def designation(body, mediator_id: str, area: str) -> dict:
    """A bureau's request body as a roster entry (without who and when), or BadRequest."""
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    regions, modes, capacity = body.get("regions"), body.get("modes", list(MODES)), body.get("daily_capacity")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) for r in regions):
        raise BadRequest("regions", "must be a non-empty list of GB/T 2260 codes or prefixes")
    for r in regions:
        if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", r) or r.ljust(6, "0") not in NAMES:
            raise BadRequest("regions", f"{r!r} is not a GB/T 2260 division")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= MAX_CAPACITY:
        raise BadRequest("daily_capacity", f"must be a whole number from 0 to {MAX_CAPACITY}")
    try:
        return check({"mediator_id": mediator_id, "tier": body.get("tier", "PEOPLES"), "regions": regions,
                      "modes": modes, "daily_capacity": capacity, "designated_by": ""})
    except RosterEntryError as exc:
        raise BadRequest("body", str(exc).split(": ", 1)[-1]) from None


class RosterRoutes(Routes):
    def _bureau(self, request: web.Request) -> tuple[str, str]:
        bureau = self.gw.principal(request, "bureau")
        area = bureau_area(bureau.id)
        if area is None:
            raise web.HTTPForbidden(text='{"error": "a bureau id must name its area: JB-<GB/T 2260 prefix>"}',
                                    content_type="application/json")
        return bureau.id, area

    def _theirs(self, mediator_id: str, bureau_id: str) -> dict | None:
        current = roster_view.entry(self.gw.projection.settled(), mediator_id)
        if current is not None and current["designated_by"] != bureau_id:
            raise web.HTTPForbidden(text='{"error": "the mediator was designated by another authority"}',
                                    content_type="application/json")
        return current

    async def list_mediators(self, request: web.Request) -> web.Response:
        bureau_id, _ = self._bureau(request)
        found = roster_view.designated_by(self.gw.projection.settled(), bureau_id)
        return web.json_response({"total": len(found), "mediators": found})

    async def changes(self, request: web.Request) -> web.Response:
        bureau_id, _ = self._bureau(request)
        found = roster_view.changes(self.gw.projection.settled(), bureau_id)
        return web.json_response({"total": len(found), "changes": found})

    async def designate(self, request: web.Request) -> web.Response:
        bureau_id, area = self._bureau(request)
        mediator_id = request.match_info["mediator_id"]
        if not MEDIATOR_ID.match(mediator_id):
            return error(400, "must be 3-40 capital letters, digits or dashes", "mediator_id")
        entry = designation(await self.gw.json_body(request), mediator_id, area)
        if entry["tier"] != "PEOPLES":
            return error(403, "court-appointed mediators are designated by the court, not by a judicial bureau", "tier")
        outside = [r for r in entry["regions"] if not r.startswith(area)]
        if outside:
            return error(403, f"{', '.join(outside)} lies outside the bureau's area ({area})", "regions")
        self._theirs(mediator_id, bureau_id)
        return await self._publish({**entry, "designated_by": bureau_id}, "designated")

    async def withdraw(self, request: web.Request) -> web.Response:
        bureau_id, _ = self._bureau(request)
        current = self._theirs(request.match_info["mediator_id"], bureau_id)
        if current is None:
            return error(404, "no such mediator designated by this bureau")
        return await self._publish({**{k: current[k] for k in roster_view.ENTRY_FIELDS}, "active": False}, "withdrawn")

    async def _publish(self, entry: dict, what: str) -> web.Response:
        record = {**entry, "updated_at": self.gw.clock.now()}
        await self.gw.publish("mediation.roster", entry["mediator_id"], "RosterUpdate", record)
        log.info("roster: %s %s mediator %s", entry["designated_by"], what, entry["mediator_id"])
        return web.json_response({**entry, "updated_at": as_json(record["updated_at"])}, status=202)
