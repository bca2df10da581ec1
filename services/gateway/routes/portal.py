"""The debtor portal: HTML pages (portal_page.py) and form posts. The debtor signs in once with the case reference
and the code on their latest notice, or a one-time code sent by SMS (routes/codes.py; checked like the JSON debtor
routes); the portal then keeps a session in a cookie (signed, expiring, ``HttpOnly``, ``SameSite=Strict``,
``Secure`` outside dev mode) naming the case and the notice (or the SMS code's request, ``sms:<id>``), valid while
that notice is still the case's current one (a session opened by an SMS code: for its own length) (its expiry is wall time, like the cookie's
Max-Age: a simulated clock running fast must not end a session at once). No code or case id rides in the pages'
forms. A request from the form goes the same way as one over JSON (``debtor.submit``)."""
from __future__ import annotations

import json
import time

from aiohttp import web

from remedy.kernel.portal import fresh
from remedy.kernel.sessions import derive_key, seal, unseal
from services.gateway import portal_page, sign_in_code_page
from services.gateway.core import PORTAL_STATUS, Routes
from services.gateway.projection import Case
from services.gateway.routes.debtor import debtor_view, submit
from services.gateway.validation import BadRequest

COOKIE = "remedy_portal"
FIELDS = ("kind", "ground", "detail", "channel", "category")


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


async def form_of(request: web.Request):
    """The posted form; bytes that are not UTF-8 (or not a form) are a 400, not a 500."""
    try:
        return await request.post()
    except ValueError:  # UnicodeDecodeError included
        raise BadRequest("body", "is not a readable form (application/x-www-form-urlencoded, UTF-8)") from None


class PortalRoutes(Routes):
    async def sign_in(self, request: web.Request) -> web.Response:
        return html(portal_page.login(portal_page.lang_of(request.query.get("lang"))))

    async def case_page(self, request: web.Request) -> web.Response:
        """POST /portal/case: the sign-in form; the right code sets the session and shows the case (303 to the GET)."""
        form = await form_of(request)
        lang = portal_page.lang_of(form.get("lang"))
        case, why, sent = self.gw.sign_in(request, str(form.get("case_id", "")), str(form.get("code", "")))
        if case is None and why == "locked":   # a lockout is never the end: a code by SMS opens the portal
            return html(sign_in_code_page.form(lang, str(form.get("case_id", "")), locked=True), PORTAL_STATUS[why])
        if case is None:
            return html(portal_page.message(lang, why), PORTAL_STATUS[why])
        by = f"sms:{sent}" if sent else self.gw.notice(case.case_id).notice_id
        response = web.Response(status=303, headers={"Location": f"/portal/case?lang={lang}"})
        expires = int(time.time()) + self.gw.own.portal_session_minutes * 60  # wall time, like the cookie's Max-Age
        response.set_cookie(COOKIE, seal(self._key(), f"{case.case_id}\x1f{by}", expires),
                            max_age=self.gw.own.portal_session_minutes * 60, path="/portal", httponly=True,
                            samesite="Strict", secure=not self.gw.settings.dev)
        return response

    async def case_again(self, request: web.Request) -> web.Response:
        """GET /portal/case: the signed-in debtor's case."""
        lang = portal_page.lang_of(request.query.get("lang"))
        case, refused = self._session(request, lang)
        return refused if case is None else html(portal_page.case(debtor_view(self.gw, case), lang))

    async def send_request(self, request: web.Request) -> web.Response:
        form = await form_of(request)
        lang = portal_page.lang_of(form.get("lang"))
        case, refused = self._session(request, lang)
        if case is None:
            return refused
        body = {k: str(form[k]) for k in FIELDS if form.get(k)}
        if form.getall("hardship_kinds", []):
            body["hardship_kinds"] = [str(v) for v in form.getall("hardship_kinds")]
        try:
            answer = await submit(self.gw, case, body)
        except BadRequest as exc:
            return html(portal_page.bad_request(lang, exc.field, exc.problem), 400)
        if answer.status != 202:
            return html(portal_page.refused(lang, json.loads(answer.body)["error"]), answer.status)
        return html(portal_page.received(json.loads(answer.body)["request_id"], lang), 202)

    async def sign_out(self, request: web.Request) -> web.Response:
        lang = portal_page.lang_of((await form_of(request)).get("lang"))
        response = html(portal_page.message(lang, "signed_out"))
        response.del_cookie(COOKIE, path="/portal")
        return response

    def _key(self) -> bytes:
        return derive_key(self.gw.settings.portal_secret, "portal")

    def _session(self, request: web.Request, lang: str) -> tuple[Case | None, web.Response | None]:
        """(the case, None) for a live session whose notice is still the case's current one; else (None, the sign-in page)."""
        gw, now = self.gw, self.gw.clock.now().timestamp()
        if not gw.allow(gw.client_ref(request), now):
            return None, html(portal_page.message(lang, "limited"), PORTAL_STATUS["limited"])
        case_id, _, notice_id = (unseal(self._key(), request.cookies.get(COOKIE), time.time()) or "").partition("\x1f")
        case = gw.projection.cases.get(case_id) if case_id else None
        if case is not None and notice_id.startswith("sms:"):   # opened by a one-time code: lasts as long as its cookie
            return case, None
        notice = gw.notice(case_id) if case is not None else None
        if notice is None or notice.notice_id != notice_id or not fresh(notice, int(now * 1000), gw.own.portal_code_days):
            return None, html(portal_page.message(lang, "signed_out"), 401)
        return case, None
