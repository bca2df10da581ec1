"""Debtors over JSON, signed in by case reference and verification code (``X-Case-Id``,
``X-Verification-Code``: the code on the case's latest notice; rate limited, and throttled per client after
repeated wrong codes): their case, and their
requests (``debtor.requests``) — also what the portal's form posts become (``submit``)."""
from __future__ import annotations

import uuid

from aiohttp import web

from services.gateway import validation
from services.gateway.core import PORTAL_STATUS, Gateway, Routes, error
from services.gateway.projection import Case

REFUSALS = {"limited": "too many requests", "locked": "too many wrong codes from this client: try later",
            "wrong": "wrong case reference or verification code"}


class DebtorRoutes(Routes):
    async def case_view(self, request: web.Request) -> web.Response:
        case, refused = self._signed_in(request)
        if case is None:
            return refused
        view = self.gw.view(case)
        view.pop("mediator_id", None)
        return web.json_response(view)

    async def send_request(self, request: web.Request) -> web.Response:
        case, refused = self._signed_in(request)
        if case is None:
            return refused
        return await submit(self.gw, case, await self.gw.json_body(request))

    def _signed_in(self, request: web.Request) -> tuple[Case | None, web.Response | None]:
        """(the case, None) when the headers' code fits it; (None, the refusal) otherwise."""
        case, why = self.gw.debtor_case(request, request.headers.get("X-Case-Id", ""),
                                        request.headers.get("X-Verification-Code", ""))
        if case is None:
            extra = {"Retry-After": "60"} if why != "wrong" else {}
            return None, error(PORTAL_STATUS[why], REFUSALS[why], **extra)
        return case, None


async def submit(gw: Gateway, case: Case, body) -> web.Response:
    """A debtor's request on ``debtor.requests``, unless the case is over or there is no offer to accept."""
    record = validation.debtor_request(body, case_id=case.case_id, new_id=f"DR-{uuid.uuid4().hex}",
                                       now=gw.clock.now())
    if case.stage in ("CLOSED", "REJECTED"):
        return error(409, "the case is closed")
    if record["kind"] == "ACCEPT_OFFER" and case.offer is None:
        return error(409, "there is no settlement offer to accept", "kind")
    await gw.publish("debtor.requests", case.case_id, "DebtorRequest", record)
    return web.json_response({"request_id": record["request_id"], "kind": record["kind"]}, status=202)
