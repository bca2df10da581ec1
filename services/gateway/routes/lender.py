"""Lenders (``Authorization: Bearer <API key>``): upload a batch of defaults, follow it and their cases,
withdraw a case, report a payment they received. Another lender's batch or case is not found."""
from __future__ import annotations

import asyncio
import re
import uuid
from datetime import date, datetime, timedelta

from aiohttp import web

from remedy.contract.codec import EncodeError
from remedy.contract.lenderfile import FileFormatError
from remedy.kernel.clock import CHINA_TZ
from services.gateway import validation
from services.gateway.core import Gateway, Routes, error, ms
from services.gateway.projection import STAGES, Batch
from services.gateway.upload import MAX_REFUSALS_LISTED, Refusal, UploadReader
from services.gateway.validation import BadRequest

ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
FLUSH_EVERY = 2000


class LenderRoutes(Routes):
    async def upload(self, request: web.Request) -> web.Response:
        gw = self.gw
        lender = gw.principal(request, "lender")
        fmt = request.query.get("format") or ("csv" if "csv" in request.content_type else "jsonl")
        if fmt not in ("jsonl", "csv"):
            raise BadRequest("format", "must be jsonl or csv")
        batch_id = request.query.get("batch_id") or f"GW-{uuid.uuid4().hex[:16].upper()}"
        if not ID_SHAPE.fullmatch(batch_id):
            raise BadRequest("batch_id", "must be 1-64 letters, digits or ._:-")
        if (lender.id, batch_id) in gw.uploading:
            return error(409, "an upload of this batch is in progress", "batch_id")
        batch = gw.projection.batch(lender.id, batch_id)
        batch.published, batch.refused, batch.refused_count, batch.upload_done = 0, [], 0, False
        gw.uploading.add((lender.id, batch_id))
        try:
            gw.projection.save_upload(batch)
            problem = await _Publishing(gw, batch).stream(request, UploadReader(fmt, lender.id, batch_id, gw.clock.now()))
            batch.upload_done = True
            gw.projection.save_upload(batch)
        finally:
            gw.uploading.discard((lender.id, batch_id))
        gw.metrics.emitted.labels("loan.defaults", "LoanDefault").inc(batch.published)
        body = {"batch_id": batch_id, "published": batch.published, "refused": batch.refused_count,
                "refusals": batch.refused[:100], "status_url": f"/v1/lender/batches/{batch_id}"}
        if problem is not None:
            body["error"] = problem
            return web.json_response(body, status=400)
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
        found = projection.lender_case_ids(lender.id, stage=stage, region=region, batch_id=q.get("batch_id"),
                                           opened_from_ms=bounds.get("opened_from"), opened_to_ms=bounds.get("opened_to"))
        page = [c for c in map(projection.case, found[offset:offset + limit]) if c is not None]
        return web.json_response({"total": len(found), "offset": offset, "cases": [self.gw.view(c) for c in page]})

    async def case_detail(self, request: web.Request) -> web.Response:
        gw = self.gw
        return web.json_response(gw.view(gw.lender_case(request, gw.principal(request, "lender")), timeline=True))

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


class _Publishing:
    """One upload's rows on their way to loan.defaults, in order: refusals are noted on the batch, the
    rest sent without waiting for each (flushed every FLUSH_EVERY and at the end)."""

    def __init__(self, gw: Gateway, batch: Batch):
        self.gw, self.batch = gw, batch
        self.futures: list = []

    async def stream(self, request: web.Request, reader: UploadReader) -> str | None:
        """Read the body line by line and publish its rows; the file's fatal problem, if any. The last row
        (held back one row) carries the batch size, unless the file broke off."""
        held: dict | None = None  # one row of lookahead: the last row carries the batch size
        line_no, problem = 0, None
        try:
            while True:
                raw = await request.content.readline()
                if not raw:
                    break
                line_no += 1
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    self.refuse(Refusal(line_no, "is not UTF-8"))
                    continue
                got = reader.feed(line, line_no)
                if isinstance(got, Refusal):
                    self.refuse(got)
                elif got is not None and self.encodable(got, line_no):
                    if held is not None:
                        await self.send(held)
                    held = got
            tail = reader.finish()
            if tail:
                self.refuse(tail)
        except FileFormatError as exc:
            problem = str(exc)
        except ValueError as exc:  # aiohttp: a line longer than its buffer
            problem = f"line {line_no + 1}: {exc}"
        if held is not None:
            if problem is None:
                held["batch_size"] = self.batch.published + 1
            await self.send(held)
        await asyncio.gather(*self.futures)
        return problem

    def refuse(self, r: Refusal) -> None:
        self.batch.refused_count += 1
        if len(self.batch.refused) < MAX_REFUSALS_LISTED:
            self.batch.refused.append({"line": r.line, "message": r.message})

    def encodable(self, record: dict, line: int) -> bool:
        try:
            self.gw.codec.encode("LoanDefault", record)
            return True
        except EncodeError as exc:
            self.refuse(Refusal(line, str(exc).split(": ", 1)[-1][:200]))
            return False

    async def send(self, record: dict) -> None:
        value, key = self.gw.codec.encode("LoanDefault", record), f"{record['lender_id']}:{record['loan_id']}".encode()
        self.futures.append(await self.gw.producer.send("loan.defaults", value=value, key=key,
                                                        headers=self.gw.signer.sign("loan.defaults", key, value)))
        self.batch.published += 1
        if len(self.futures) >= FLUSH_EVERY:
            await asyncio.gather(*self.futures)
            self.futures.clear()
            self.gw.projection.save_upload(self.batch)  # its progress, for the batch's status meanwhile
