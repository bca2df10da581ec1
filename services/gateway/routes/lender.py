"""Lenders (``Authorization: Bearer <API key>``): upload a batch of defaults, follow it and their cases,
withdraw a case, report a payment they received. Another lender's batch or case is not found."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from aiohttp import web

from remedy.kernel.clock import CHINA_TZ
from services.gateway import validation
from services.gateway.core import Routes, error, ms
from services.gateway.projection import STAGES
from services.gateway.publishing import BatchUpload
from services.gateway.upload import ID_SHAPE, UploadReader
from services.gateway.validation import BadRequest



class LenderRoutes(Routes):
    async def upload(self, request: web.Request) -> web.Response:
        """A batch upload: the batch is the query's ``batch_id``, else the lender's own named in the rows, else a new
        one (upload.py); rows read before anything that stops the upload are kept (publishing.py)."""
        gw = self.gw
        lender = gw.principal(request, "lender")
        fmt = request.query.get("format") or ("csv" if "csv" in request.content_type else "jsonl")
        if fmt not in ("jsonl", "csv"):
            raise BadRequest("format", "must be jsonl or csv")
        batch_id = request.query.get("batch_id")
        if batch_id is not None and not ID_SHAPE.fullmatch(batch_id):
            raise BadRequest("batch_id", "must be 1-64 letters, digits or ._:-")
        reader = UploadReader(fmt, lender.id, batch_id, gw.clock.now(), max_depth=gw.own.max_json_depth,
                              new_id=lambda: f"GW-{uuid.uuid4().hex[:16].upper()}")
        upload = BatchUpload(gw, lender.id, reader)
        stopped = await upload.run(request)
        batch = upload.batch
        if batch is None:
            return error(stopped.status, stopped.message, "batch_id")
        gw.metrics.emitted.labels("loan.defaults", "LoanDefault").inc(batch.published)
        body = {"batch_id": batch.batch_id, "published": batch.published, "refused": batch.refused_count,
                "refusals": batch.refused[:100], "status_url": f"/v1/lender/batches/{batch.batch_id}"}
        if stopped is not None:
            body["error"] = stopped.message
            return web.json_response(body, status=stopped.status)
        return web.json_response(body, status=202)

    async def batch_status(self, request: web.Request) -> web.Response:
        lender = self.gw.principal(request, "lender")
        batch = self.gw.projection.batch_view(lender.id, request.match_info["batch_id"])
        if batch is None:
            return error(404, "no such batch for this lender")
        return web.json_response(batch.view())

    async def list_cases(self, request: web.Request) -> web.Response:
        lender = self.gw.principal(request, "lender")
        q = request.query
        stage = q.get("stage")
        if stage is not None and stage not in STAGES:
            raise BadRequest("stage", "must be one of " + ", ".join(STAGES))
        region = q.get("region")
        if region is not None and not re.fullmatch(r"\d{2,6}", region):
            raise BadRequest("region", "must be 2 to 6 digits (a GB/T 2260 code or its prefix)")
        bounds = {}
        for name in ("opened_from", "opened_to"):
            if q.get(name) is not None:
                try:
                    d = date.fromisoformat(q[name])
                except ValueError:
                    raise BadRequest(name, "must be a date YYYY-MM-DD") from None
                start = datetime(d.year, d.month, d.day, tzinfo=CHINA_TZ)
                bounds[name] = ms(start + (timedelta(days=1) if name == "opened_to" else timedelta()))
        limit, offset = _int(q, "limit", 100, 1, 1000), _int(q, "offset", 0, 0, 10 ** 9)
        projection = self.gw.projection
        if q.get("loan_id") is not None:   # a lender finds a case by its own loan id (it cannot compute the case id)
            case_id = projection.lender_loan_case(lender.id, q["loan_id"])
            found = [case_id] if case_id is not None else []
        else:
            found = projection.lender_case_ids(lender.id, stage=stage, region=region, batch_id=q.get("batch_id"),
                                               opened_from_ms=bounds.get("opened_from"), opened_to_ms=bounds.get("opened_to"))
        page = [c for c in map(projection.case, found[offset:offset + limit]) if c is not None]
        return web.json_response({"total": len(found), "offset": offset,
                                  "cases": [{**self.gw.view(c), "filing": c.filing} for c in page]})

    async def case_detail(self, request: web.Request) -> web.Response:
        gw = self.gw
        case = gw.lender_case(request, gw.principal(request, "lender"))
        return web.json_response({**gw.view(case, timeline=True), "filing": case.filing})

    async def withdraw(self, request: web.Request) -> web.Response:
        gw = self.gw
        lender = gw.principal(request, "lender")
        case = gw.lender_case(request, lender)
        body = await gw.json_body(request) if request.can_read_body else {}
        if case.stage == "CLOSED":
            return error(409, "the case is closed")
        record = validation.withdrawal(body, case_id=case.case_id, lender_id=lender.id,
                                       update_id=f"LU-{uuid.uuid4().hex}", now=gw.clock.now())
        await gw.publish("lender.updates", case.case_id, "LenderUpdate", record)
        return web.json_response({"update_id": record["update_id"], "kind": "WITHDRAWN"}, status=202)

    async def payment(self, request: web.Request) -> web.Response:
        gw = self.gw
        lender = gw.principal(request, "lender")
        case = gw.lender_case(request, lender)
        topic, record = validation.lender_payment(await gw.json_body(request), case_id=case.case_id, lender_id=lender.id,
                                                  new_id=f"LU-{uuid.uuid4().hex}", now=gw.clock.now())
        if case.stage == "CLOSED":
            return error(409, "the case is closed")
        if topic == "payments":
            return await gw.record_payment(record)
        await gw.publish(topic, case.case_id, "LenderUpdate", record)
        return web.json_response({"update_id": record["update_id"], "kind": "PAID_IN_FULL"}, status=202)


def _int(q, name: str, default: int, low: int, high: int) -> int:
    if q.get(name) is None:
        return default
    try:
        value = int(q[name])
    except ValueError:
        raise BadRequest(name, "must be an integer") from None
    if not low <= value <= high:
        raise BadRequest(name, f"must be between {low} and {high}")
    return value


