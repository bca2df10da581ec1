"""What a court and a mediation centre see of their own cases (party_views.py): a court signs its request as
it signs its decisions (court_auth.py); a centre uses its API key (key kind ``centre``, id ``MC-<region>``).
Neither sees a case that is not before it. A court also fetches the documents sent to it (court_documents.py):
one as its PDF, opened from its seal only now, or a filing batch's manifest; another court's are not found."""
from __future__ import annotations

import base64
import functools
import json

from aiohttp import web

from remedy.kernel.pii import ContactSealer
from services.gateway import party_views
from services.gateway.core import Routes, ms
from services.gateway.court_auth import signed_court


def _not_found(what: str) -> web.HTTPNotFound:
    return web.HTTPNotFound(text=json.dumps({"error": f"no such {what}"}), content_type="application/json")


class PartyRoutes(Routes):
    @functools.cached_property
    def sealer(self) -> ContactSealer:
        return ContactSealer(self.gw.settings.pii_key)

    async def court_cases(self, request: web.Request) -> web.Response:
        """GET /v1/courts/cases: the court's pending confirmations, filings, judgments and enforcements."""
        court = await signed_court(self.gw, request)
        gw = self.gw
        return web.json_response(party_views.court_view(gw.projection.settled(), gw.projection.case, court,
                                                        ms(gw.clock.now()),
                                                        lambda cid: gw.projection.documents.of_case(court, cid)))

    async def court_document(self, request: web.Request) -> web.Response:
        """GET /v1/courts/documents/{document_id}: the PDF, with its sha256 in ``X-Content-SHA256``."""
        court = await signed_court(self.gw, request)
        self.gw.projection.settled()
        doc = self.gw.projection.documents.document(court, request.match_info["document_id"])
        if doc is None:
            raise _not_found("document")
        pdf = self.sealer.unseal_document(base64.b64decode(doc["sealed"]))
        return web.Response(body=pdf, content_type="application/pdf",
                            headers={"X-Content-SHA256": doc["sha256"],
                                     "Content-Disposition": f'inline; filename="{doc["document_no"]}.pdf"'})

    async def court_bundle(self, request: web.Request) -> web.Response:
        """GET /v1/courts/bundles/{bundle_id}: the filing batch's manifest for the court."""
        court = await signed_court(self.gw, request)
        self.gw.projection.settled()
        found = self.gw.projection.documents.bundle(court, request.match_info["bundle_id"])
        if found is None:
            raise _not_found("filing batch")
        return web.json_response(found)

    async def centre_queue(self, request: web.Request) -> web.Response:
        """GET /v1/centres/queue: the centre's waiting cases in the desk's order, and those a mediator holds."""
        gw = self.gw
        centre = gw.principal(request, "centre")
        return web.json_response(party_views.centre_queue(gw.projection.settled(), gw.projection.case, centre.id,
                                                          ms(gw.clock.now())))
