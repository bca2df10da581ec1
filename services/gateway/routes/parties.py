"""What a court and a mediation centre see of their own cases (party_views.py): a court signs its request as
it signs its decisions (court_auth.py); a centre uses its API key (key kind ``centre``, id ``MC-<region>``).
Neither sees a case that is not before it."""
from __future__ import annotations

from aiohttp import web

from services.gateway import party_views
from services.gateway.core import Routes, ms
from services.gateway.court_auth import signed_court


class PartyRoutes(Routes):
    async def court_cases(self, request: web.Request) -> web.Response:
        """GET /v1/courts/cases: the court's pending confirmations, filings, judgments and enforcements."""
        court = await signed_court(self.gw, request)
        gw = self.gw
        return web.json_response(party_views.court_view(gw.projection.settled(), gw.projection.case, court,
                                                        ms(gw.clock.now())))

    async def centre_queue(self, request: web.Request) -> web.Response:
        """GET /v1/centres/queue: the centre's waiting cases in the desk's order, and those a mediator holds."""
        gw = self.gw
        centre = gw.principal(request, "centre")
        return web.json_response(party_views.centre_queue(gw.projection.settled(), gw.projection.case, centre.id,
                                                          ms(gw.clock.now())))
