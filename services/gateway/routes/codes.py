"""One-time sign-in codes on a second channel: a debtor (locked out by someone's wrong codes, or not) asks for a code,
the gateway puts the request on ``portal.codes`` with the case id only, and notify sends the code by SMS to the phone
it holds for the case: the gateway never sees the number. The code (``remedy.kernel.portal.sms_code``) then signs in
once within ``REMEDY_GATEWAY_PORTAL_SMS_CODE_MINUTES``, even from a client the throttle has locked out (core.py
``sign_in``). Asking is rate limited like every portal request, and throttled per client and per case (guards.py);
the answer is the same whether or not the case exists or has a phone on file."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from aiohttp import web

from remedy.contract.i18n import language
from services.gateway import sign_in_code_page
from services.gateway.core import Gateway, Routes, error
from services.gateway.routes.portal import form_of, html
from services.gateway.shared_guards import CODE_ASKED, CODE_REQUESTED
from services.gateway.validation import BadRequest

TOPIC = "portal.codes"
REFUSED = {"limited": "too many requests", "asked": "too many sign-in codes asked for from this client: try later",
           "case": "too many sign-in codes sent for this case within the hour: try later"}


@dataclass(frozen=True)
class Asked:
    refused: str | None   # None, or why (REFUSED's keys)
    minutes: int


async def ask(gw: Gateway, request: web.Request, case_id: str, lang: str) -> Asked:
    """Ask notify to send the case's debtor a one-time code, unless a limit says no."""
    now_s, client, minutes = gw.clock.now().timestamp(), gw.client_ref(request), gw.own.portal_sms_code_minutes
    if not gw.allow(client, now_s):
        return Asked("limited", minutes)
    if not gw.code_asks.allow(client, now_s):
        gw.metrics.rejected.labels("SIGN_IN_CODES_PER_CLIENT").inc()
        return Asked("asked", minutes)
    gw.shared.tell(CODE_ASKED, client, now_s)
    case_id = case_id.strip()[:64]
    if case_id not in gw.projection.cases:
        return Asked(None, minutes)          # the same answer: no telling which case ids exist
    if not gw.codes.allowed(case_id, now_s):
        gw.metrics.rejected.labels("SIGN_IN_CODES_PER_CASE").inc()
        return Asked("case", minutes)
    request_id = f"SC-{uuid.uuid4().hex}"
    gw.codes.requested(case_id, request_id, now_s)
    gw.shared.tell(CODE_REQUESTED, case_id, now_s, request_id=request_id)
    await gw.publish(TOPIC, case_id, "SignInCodeRequest", {
        "request_id": request_id, "case_id": case_id, "language": language(lang), "valid_minutes": minutes,
        "requested_at": gw.clock.now()})
    return Asked(None, minutes)


class SignInCodeRoutes(Routes):
    async def json_request(self, request: web.Request) -> web.Response:
        """POST /v1/debtor/sign-in-codes {"case_id", "language"?}: 202 whether or not a text goes out."""
        body = await self.gw.json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("case_id"), str) or not body["case_id"].strip():
            raise BadRequest("case_id", "is required (the case reference on your notice)")
        asked = await ask(self.gw, request, body["case_id"], str(body.get("language") or "zh"))
        if asked.refused:
            return error(429, REFUSED[asked.refused], **{"Retry-After": "60" if asked.refused == "limited" else "3600"})
        return web.json_response({"status": "requested", "valid_minutes": asked.minutes,
                                  "message": "if a mobile number is on file for this case, a one-time sign-in code "
                                             "is on its way by SMS"}, status=202)

    async def page(self, request: web.Request) -> web.Response:
        return html(sign_in_code_page.form(request.query.get("lang", "zh")))

    async def form(self, request: web.Request) -> web.Response:
        """POST /portal/sign-in-code (form: case_id, lang)."""
        form = await form_of(request)
        lang, case_id = language(str(form.get("lang", ""))), str(form.get("case_id", "")).strip()
        if not case_id:
            return html(sign_in_code_page.form(lang, note=sign_in_code_page.WORDS.text("no_case", lang)), 400)
        asked = await ask(self.gw, request, case_id, lang)
        if asked.refused:
            return html(sign_in_code_page.form(lang, case_id, note=sign_in_code_page.WORDS.text("limited", lang)), 429)
        return html(sign_in_code_page.sent(lang, asked.minutes), 202)
