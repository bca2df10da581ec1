"""Courts: the decision webhook (``court.decisions``), signed with the court's HMAC secret (guards.py);
a case before another court is refused."""
from __future__ import annotations

import json

from aiohttp import web

from services.gateway import validation
from services.gateway.core import Routes, error
from services.gateway.guards import SignatureRefused
from services.gateway.validation import BadRequest


class CourtRoutes(Routes):
    async def decision(self, request: web.Request) -> web.Response:
        gw = self.gw
        court = request.headers.get("X-Remedy-Court", "")
        body = await request.read()
        try:
            gw.replays.check(gw.keys.court_secrets.get(court), request.headers.get("X-Remedy-Timestamp", ""), body,
                             request.headers.get("X-Remedy-Signature", ""), gw.clock.now().timestamp())
        except SignatureRefused as exc:
            return error(401, f"signature refused: {exc}")
        try:
            parsed = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("body", f"is not valid JSON ({exc})") from None
        record = validation.court_decision(parsed, court=court, now=gw.clock.now())
        case = gw.projection.cases.get(record["case_id"])
        if case is None:
            return error(404, "no such case", "case_id")
        if case.court and case.court != court:
            return error(403, "the case is before another court", "case_id")
        await gw.publish("court.decisions", case.case_id, "CourtDecision", record)
        return web.json_response({"decision_id": record["decision_id"], "kind": record["kind"]}, status=202)
