"""The debtor portal: HTML pages (portal_page.py) and form posts, signed in like the JSON debtor routes;
a request from the form goes the same way as one over JSON (``debtor.submit``)."""
from __future__ import annotations

import json

from typing import TYPE_CHECKING

from aiohttp import web

from services.gateway import portal_page
from services.gateway.core import PORTAL_STATUS, Routes
from services.gateway.projection import Case
from services.gateway.routes.debtor import debtor_view, submit
from services.gateway.validation import BadRequest

if TYPE_CHECKING:
    from multidict import MultiDictProxy


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


class PortalRoutes(Routes):
    async def sign_in(self, request: web.Request) -> web.Response:
        return html(portal_page.login(portal_page.lang_of(request.query.get("lang"))))

    async def case_page(self, request: web.Request) -> web.Response:
        form, lang, case, refused = await self._signed_in(request)
        if case is None:
            return refused
        return html(portal_page.case(debtor_view(self.gw, case), str(form["code"]), lang))

    async def send_request(self, request: web.Request) -> web.Response:
        form, lang, case, refused = await self._signed_in(request)
        if case is None:
            return refused
        body = {k: str(form[k]) for k in ("kind", "ground", "detail", "channel", "category") if form.get(k)}
        if form.getall("hardship_kinds", []):
            body["hardship_kinds"] = [str(v) for v in form.getall("hardship_kinds")]
        try:
            answer = await submit(self.gw, case, body)
        except BadRequest as exc:
            return html(portal_page.message(lang, "bad", str(exc)), 400)
        if answer.status != 202:
            return html(portal_page.message(lang, "bad", json.loads(answer.body)["error"]), answer.status)
        return html(portal_page.received(json.loads(answer.body)["request_id"], self.gw.view(case),
                                         str(form["code"]), lang), 202)

    async def _signed_in(self, request: web.Request) -> tuple[MultiDictProxy, str, Case | None, web.Response | None]:
        """(form, lang, the case, None) when the form's code fits the case; (form, lang, None, the refusal page) otherwise."""
        form = await request.post()
        lang = portal_page.lang_of(form.get("lang"))
        case, why = self.gw.debtor_case(request, str(form.get("case_id", "")), str(form.get("code", "")))
        if case is None:
            return form, lang, None, html(portal_page.message(lang, why), PORTAL_STATUS[why])
        return form, lang, case, None
