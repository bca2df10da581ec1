"""Debtors over JSON, signed in by case reference and verification code (``X-Case-Id``,
``X-Verification-Code``: the code on the case's latest notice; rate limited, and throttled per client after
repeated wrong codes): their case, and their requests (``debtor.requests``: objections, hardship claims,
complaints, opt-outs, accepting a mediator's open offer) — also what the portal's form posts become (``submit``)."""
from __future__ import annotations

import uuid

from aiohttp import web

from services.gateway import complaints, validation
from services.gateway.core import PORTAL_STATUS, Gateway, Routes, error, ms
from services.gateway.projection import Case

REFUSALS = {"limited": "too many requests", "locked": "too many wrong codes from this client: try later",
            "wrong": "wrong case reference or verification code"}


class DebtorRoutes(Routes):
    async def case_view(self, request: web.Request) -> web.Response:
        case, refused = self._signed_in(request)
        if case is None:
            return refused
        return web.json_response(debtor_view(self.gw, case))

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


def debtor_view(gw: Gateway, case: Case) -> dict:
    """The case as its debtor sees it: no mediator's id; the complaints with their texts and answers."""
    view = gw.view(case)
    view.pop("mediator_id", None)
    view["complaints"] = complaints.for_debtor(gw.projection, case)
    return view


async def submit(gw: Gateway, case: Case, body) -> web.Response:
    """A debtor's request on ``debtor.requests``, unless the case is over (but for a complaint) or there is no open
    offer to accept."""
    record = validation.debtor_request(body, case_id=case.case_id, new_id=f"DR-{uuid.uuid4().hex}",
                                       now=gw.clock.now())
    if case.stage in ("CLOSED", "REJECTED") and record["kind"] != "COMPLAINT":   # a complaint outlives the case
        return error(409, "the case is closed")
    if record["kind"] == "ACCEPT_OFFER" and case.open_offer(ms(gw.clock.now())) is None:
        return error(409, "there is no open settlement offer to accept", "kind")
    if record["kind"] == "ACCEPT_OFFER" and case.stage == "ON_HOLD":
        return error(409, "the case is on hold while an objection is examined: the offer can be accepted after", "kind")
    await gw.publish("debtor.requests", case.case_id, "DebtorRequest", record)
    return web.json_response({"request_id": record["request_id"], "kind": record["kind"]}, status=202)
