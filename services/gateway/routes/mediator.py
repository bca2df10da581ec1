"""Mediators (``Authorization: Bearer <API key>``): the cases assigned to them, with sessions, and the
outcome of a session (``mediation.outcomes``). A case assigned to another mediator is not found."""
from __future__ import annotations

import uuid

from aiohttp import web

from services.gateway import validation
from services.gateway.core import Routes, error

MEDIATION_STAGES = ("PEOPLES_MEDIATION", "COURT_MEDIATION")


class MediatorRoutes(Routes):
    async def cases(self, request: web.Request) -> web.Response:
        mediator = self.gw.principal(request, "mediator")
        cases = self.gw.projection.mediator_cases(mediator.id)
        return web.json_response({"total": len(cases), "cases": [{**self.gw.view(c), "tier": c.tier} for c in cases]})

    async def outcome(self, request: web.Request) -> web.Response:
        gw = self.gw
        mediator = gw.principal(request, "mediator")
        case = gw.projection.cases.get(request.match_info["case_id"])
        if case is None or case.mediator_id != mediator.id:
            return error(404, "no such case assigned to this mediator")
        record = validation.outcome(await gw.json_body(request), case_id=case.case_id, mediator_id=mediator.id,
                                    tier=case.tier, new_id=f"MO-{uuid.uuid4().hex}", now=gw.clock.now())
        if case.stage not in MEDIATION_STAGES:
            return error(409, f"the case is not in mediation (stage {case.stage})")
        await gw.publish("mediation.outcomes", case.case_id, "MediationOutcome", record)
        return web.json_response({"outcome_id": record["outcome_id"], "outcome": record["outcome"]}, status=202)
