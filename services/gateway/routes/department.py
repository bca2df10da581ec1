"""Departments (``Authorization: Bearer <API key>``, key kind ``department``): the complaints routed to them, with
the debtor's text, status and deadline, and their answer (a COMPLAINT_ANSWER on ``debtor.requests``, which
objections turns into ``ComplaintAnswered``). Another department's complaint is not found; an answered one
cannot be answered again (409)."""
from __future__ import annotations

import uuid

from aiohttp import web

from services.gateway import complaints, validation
from services.gateway.core import Routes, error

STATUSES = ("ROUTED", "OVERDUE", "ANSWERED")


class DepartmentRoutes(Routes):
    async def complaints(self, request: web.Request) -> web.Response:
        department = self.gw.principal(request, "department")
        status = request.query.get("status")
        if status is not None and status not in STATUSES:
            raise validation.BadRequest("status", "must be one of " + ", ".join(STATUSES))
        found = complaints.for_department(self.gw.projection, department.id, status)
        return web.json_response({"department_id": department.id, "total": len(found), "complaints": found})

    async def answer(self, request: web.Request) -> web.Response:
        gw = self.gw
        department = gw.principal(request, "department")
        complaint_id = request.match_info["complaint_id"]
        hit = complaints.found(gw.projection, department.id, complaint_id)
        if hit is None:
            return error(404, "no such complaint routed to this department")
        case, complaint = hit
        record = validation.complaint_answer(await gw.json_body(request), case_id=case.case_id, complaint_id=complaint_id,
                                             department_id=department.id, new_id=f"DA-{uuid.uuid4().hex}",
                                             now=gw.clock.now())
        if complaint["status"] == "ANSWERED":
            return error(409, "this complaint was already answered")
        await gw.publish("debtor.requests", case.case_id, "DebtorRequest", record)
        return web.json_response({"request_id": record["request_id"], "complaint_id": complaint_id,
                                  "outcome": record["answer_outcome"]}, status=202)
