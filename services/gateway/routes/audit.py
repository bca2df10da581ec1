"""A case's audit trail (``GET /v1/cases/{case_id}/audit``, audit.py): for auditors (operators, internal auditors,
regulators) any case; for a lender its own cases only, without the debtor's pseudonym. Another lender's case, like
an unknown one, is not found. Debtor PII never appears: the read model holds none (loan.defaults is not kept); a lender does not read the texts of
complaints and of departments' answers (``for_lender``)."""
from __future__ import annotations

import json

from aiohttp import web

from services.gateway.audit import case_audit, for_lender
from services.gateway.core import Routes


class AuditRoutes(Routes):
    async def case_audit(self, request: web.Request) -> web.Response:
        gw = self.gw
        caller = gw.principal(request, "auditor", "lender")
        case = gw.projection.cases.get(request.match_info["case_id"])
        if case is None or (caller.kind == "lender" and case.lender_id != caller.id):
            raise web.HTTPNotFound(text=json.dumps({"error": "no such case for this caller"}), content_type="application/json")
        p, auditor = gw.projection, caller.kind == "auditor"
        inputs = p.audit_inputs(case.case_id)
        return web.json_response(case_audit(case.summary(), p.timeline(case.case_id), inputs if auditor else for_lender(inputs),
                                            p.audit_notices(case.case_id), auditor=auditor))
