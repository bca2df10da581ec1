"""gateway's wiring: aiohttp routes → validation → records on the input topics; questions → the projection.

Authentication: ``Authorization: Bearer <API key>`` for lenders, mediators and payment processors
(keys.py); HMAC signatures for courts (guards.py); case reference + verification code for
debtors (remedy/kernel/portal.py), rate limited and locked out after repeated wrong codes. Every answer
about a case is scoped: another party's case is reported as not found.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from datetime import date, datetime, timedelta

from aiohttp import web

from remedy.kernel.clock import CHINA_TZ, Clock
from remedy.contract.codec import Codec, EncodeError
from remedy.contract.lenderfile import FileFormatError
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.portal import code_matches
from remedy.kernel.settings import Settings
from services.gateway import portal_page, validation
from services.gateway.guards import Lockout, RateLimit, ReplayGuard, SignatureRefused
from services.gateway.keys import Keys, Principal
from services.gateway.openapi import document
from services.gateway.projection import STAGES, Case, Projection
from services.gateway.upload import MAX_REFUSALS_LISTED, Refusal, UploadReader
from services.gateway.validation import BadRequest

log = logging.getLogger("remedy.gateway")
SERVICE = "gateway"
ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
FLUSH_EVERY = 2000
MEDIATION_STAGES = ("PEOPLES_MEDIATION", "COURT_MEDIATION")


def _error(status: int, message: str, field: str | None = None, **headers) -> web.Response:
    body = {"error": message} if field is None else {"error": f"{field}: {message}", "field": field}
    return web.json_response(body, status=status, headers=headers or None)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class Gateway:
    def __init__(self, settings: Settings, clock: Clock, codec: Codec, keys: Keys, projection: Projection,
                 producer, metrics: ServiceMetrics | None = None):
        self.settings, self.clock, self.codec, self.keys = settings, clock, codec, keys
        self.projection, self.producer = projection, producer
        self.metrics = metrics or ServiceMetrics(SERVICE)
        self.replays = ReplayGuard(settings.gateway_replay_window_seconds)
        self.lockout = Lockout(settings.gateway_portal_max_failures, settings.gateway_portal_lock_minutes * 60.0)
        self.rate = RateLimit(settings.gateway_portal_rate_per_minute)
        self.payment_lock = asyncio.Lock()
        self.payment_answers: dict[str, dict] = {}

    # --- plumbing ---------------------------------------------------------------------------------
    async def publish(self, topic: str, key: str, schema: str, record: dict, *, wait: bool = True):
        value = self.codec.encode(schema, record)
        future = await self.producer.send(topic, value=value, key=key.encode())
        self.metrics.emitted.labels(topic, schema).inc()
        if wait:
            await future
        return future

    def principal(self, request: web.Request, kind: str) -> Principal:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        found = self.keys.principal(token)
        if found is None:
            raise web.HTTPUnauthorized(text=json.dumps({"error": "missing or wrong API key"}),
                                       content_type="application/json", headers={"WWW-Authenticate": "Bearer"})
        if found.kind != kind:
            raise web.HTTPForbidden(text=json.dumps({"error": f"this endpoint is for {kind}s"}),
                                    content_type="application/json")
        return found

    @staticmethod
    async def json_body(request: web.Request):
        try:
            return json.loads(await request.read() or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("body", f"is not valid JSON ({exc})") from None

    def lender_case(self, request: web.Request, lender: Principal) -> Case:
        case = self.projection.cases.get(request.match_info["case_id"])
        if case is None or case.lender_id != lender.id:
            raise web.HTTPNotFound(text=json.dumps({"error": "no such case for this lender"}), content_type="application/json")
        return case

    def view(self, case: Case, *, timeline: bool = False) -> dict:
        out = case.summary()
        out["next_deadline"] = case.next_deadline(_ms(self.clock.now()))
        out["offer"] = case.offer
        out["sessions"] = case.sessions
        if timeline:
            out["timeline"] = case.timeline
        return out

    # --- lenders ----------------------------------------------------------------------------------
    async def upload(self, request: web.Request) -> web.Response:
        lender = self.principal(request, "lender")
        fmt = request.query.get("format") or ("csv" if "csv" in request.content_type else "jsonl")
        if fmt not in ("jsonl", "csv"):
            raise BadRequest("format", "must be jsonl or csv")
        batch_id = request.query.get("batch_id") or f"GW-{uuid.uuid4().hex[:16].upper()}"
        if not ID_SHAPE.fullmatch(batch_id):
            raise BadRequest("batch_id", "must be 1-64 letters, digits or ._:-")
        batch = self.projection.batch(lender.id, batch_id)
        if batch.published and not batch.upload_done:
            return _error(409, "an upload of this batch is in progress", "batch_id")
        batch.published, batch.refused, batch.refused_count, batch.upload_done = 0, [], 0, False
        reader = UploadReader(fmt, lender.id, batch_id, self.clock.now())
        held: dict | None = None  # one row of lookahead: the last row carries the batch size
        futures, line_no, problem = [], 0, None

        def refuse(r: Refusal) -> None:
            batch.refused_count += 1
            if len(batch.refused) < MAX_REFUSALS_LISTED:
                batch.refused.append({"line": r.line, "message": r.message})

        def encodable(record: dict, line: int) -> bool:
            try:
                self.codec.encode("LoanDefault", record)
                return True
            except EncodeError as exc:
                refuse(Refusal(line, str(exc).split(": ", 1)[-1][:200]))
                return False

        async def send(record: dict) -> None:
            value = self.codec.encode("LoanDefault", record)
            futures.append(await self.producer.send("loan.defaults", value=value,
                                                    key=f"{record['lender_id']}:{record['loan_id']}".encode()))
            batch.published += 1
            if len(futures) >= FLUSH_EVERY:
                await asyncio.gather(*futures)
                futures.clear()

        try:
            while True:
                raw = await request.content.readline()
                if not raw:
                    break
                line_no += 1
                try:
                    line = raw.decode("utf-8").rstrip("\r\n")
                except UnicodeDecodeError:
                    refuse(Refusal(line_no, "is not UTF-8"))
                    continue
                got = reader.feed(line, line_no)
                if isinstance(got, Refusal):
                    refuse(got)
                elif got is not None and encodable(got, line_no):
                    if held is not None:
                        await send(held)
                    held = got
            tail = reader.finish()
            if tail:
                refuse(tail)
        except FileFormatError as exc:
            problem = str(exc)
        except ValueError as exc:  # aiohttp: a line longer than its buffer
            problem = f"line {line_no + 1}: {exc}"
        if held is not None:
            if problem is None:
                held["batch_size"] = batch.published + 1
            await send(held)
        await asyncio.gather(*futures)
        batch.upload_done = True
        self.metrics.emitted.labels("loan.defaults", "LoanDefault").inc(batch.published)
        body = {"batch_id": batch_id, "published": batch.published, "refused": batch.refused_count,
                "refusals": batch.refused[:100], "status_url": f"/v1/lender/batches/{batch_id}"}
        if problem is not None:
            body["error"] = problem
            return web.json_response(body, status=400)
        return web.json_response(body, status=202)

    async def batch_status(self, request: web.Request) -> web.Response:
        lender = self.principal(request, "lender")
        batch = self.projection.batches.get((lender.id, request.match_info["batch_id"]))
        if batch is None:
            return _error(404, "no such batch for this lender")
        return web.json_response(batch.view())

    async def list_cases(self, request: web.Request) -> web.Response:
        lender = self.principal(request, "lender")
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
                bounds[name] = _ms(start + (timedelta(days=1) if name == "opened_to" else timedelta()))
        limit, offset = self._int(q, "limit", 100, 1, 1000), self._int(q, "offset", 0, 0, 10 ** 9)
        found = self.projection.lender_cases(lender.id, stage=stage, region=region, batch_id=q.get("batch_id"),
                                             opened_from_ms=bounds.get("opened_from"), opened_to_ms=bounds.get("opened_to"))
        return web.json_response({"total": len(found), "offset": offset,
                                  "cases": [self.view(c) for c in found[offset:offset + limit]]})

    @staticmethod
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

    async def case_detail(self, request: web.Request) -> web.Response:
        return web.json_response(self.view(self.lender_case(request, self.principal(request, "lender")), timeline=True))

    async def withdraw(self, request: web.Request) -> web.Response:
        lender = self.principal(request, "lender")
        case = self.lender_case(request, lender)
        body = await self.json_body(request) if request.can_read_body else {}
        if case.stage == "CLOSED":
            return _error(409, "the case is closed")
        record = validation.withdrawal(body, case_id=case.case_id, lender_id=lender.id,
                                       update_id=f"LU-{uuid.uuid4().hex}", now=self.clock.now())
        await self.publish("lender.updates", case.case_id, "LenderUpdate", record)
        return web.json_response({"update_id": record["update_id"], "kind": "WITHDRAWN"}, status=202)

    async def lender_payment(self, request: web.Request) -> web.Response:
        lender = self.principal(request, "lender")
        case = self.lender_case(request, lender)
        topic, record = validation.lender_payment(await self.json_body(request), case_id=case.case_id, lender_id=lender.id,
                                                  new_id=f"LU-{uuid.uuid4().hex}", now=self.clock.now())
        if case.stage == "CLOSED":
            return _error(409, "the case is closed")
        if topic == "payments":
            return await self._payment(record)
        await self.publish(topic, case.case_id, "LenderUpdate", record)
        return web.json_response({"update_id": record["update_id"], "kind": "PAID_IN_FULL"}, status=202)

    # --- mediators --------------------------------------------------------------------------------
    async def mediator_cases(self, request: web.Request) -> web.Response:
        mediator = self.principal(request, "mediator")
        cases = self.projection.mediator_cases(mediator.id)
        return web.json_response({"total": len(cases), "cases": [{**self.view(c), "tier": c.tier} for c in cases]})

    async def mediator_outcome(self, request: web.Request) -> web.Response:
        mediator = self.principal(request, "mediator")
        case = self.projection.cases.get(request.match_info["case_id"])
        if case is None or case.mediator_id != mediator.id:
            return _error(404, "no such case assigned to this mediator")
        record = validation.outcome(await self.json_body(request), case_id=case.case_id, mediator_id=mediator.id,
                                    tier=case.tier, new_id=f"MO-{uuid.uuid4().hex}", now=self.clock.now())
        if case.stage not in MEDIATION_STAGES:
            return _error(409, f"the case is not in mediation (stage {case.stage})")
        await self.publish("mediation.outcomes", case.case_id, "MediationOutcome", record)
        return web.json_response({"outcome_id": record["outcome_id"], "outcome": record["outcome"]}, status=202)

    # --- courts -----------------------------------------------------------------------------------
    async def court_decision(self, request: web.Request) -> web.Response:
        court = request.headers.get("X-Remedy-Court", "")
        body = await request.read()
        try:
            self.replays.check(self.keys.court_secrets.get(court), request.headers.get("X-Remedy-Timestamp", ""), body,
                               request.headers.get("X-Remedy-Signature", ""), self.clock.now().timestamp())
        except SignatureRefused as exc:
            return _error(401, f"signature refused: {exc}")
        try:
            parsed = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("body", f"is not valid JSON ({exc})") from None
        record = validation.court_decision(parsed, court=court, now=self.clock.now())
        case = self.projection.cases.get(record["case_id"])
        if case is None:
            return _error(404, "no such case", "case_id")
        if case.court and case.court != court:
            return _error(403, "the case is before another court", "case_id")
        await self.publish("court.decisions", case.case_id, "CourtDecision", record)
        return web.json_response({"decision_id": record["decision_id"], "kind": record["kind"]}, status=202)

    # --- payment processors -----------------------------------------------------------------------
    async def payment(self, request: web.Request) -> web.Response:
        self.principal(request, "payer")
        record = validation.payment(await self.json_body(request), now=self.clock.now())
        if record["case_id"] not in self.projection.cases:
            return _error(404, "no such case", "case_id")
        return await self._payment(record)

    async def _payment(self, record: dict) -> web.Response:
        """Idempotent by payment_ref: the same ref again gets the same answer and writes nothing."""
        ref = record["payment_ref"]
        async with self.payment_lock:
            known = self.payment_answers.get(ref) or self._replayed_payment(ref)
            if known is not None:
                if (known["case_id"], known["amount_cents"]) != (record["case_id"], record["amount_cents"]):
                    return _error(409, "this payment_ref was already used for another case or amount", "payment_ref")
                return web.json_response(known, status=200)
            await self.publish("payments", record["case_id"], "Payment", record)
            answer = {"payment_ref": ref, "case_id": record["case_id"], "amount_cents": record["amount_cents"],
                      "status": "RECORDED"}
            self.payment_answers[ref] = answer
            return web.json_response(answer, status=202)

    def _replayed_payment(self, ref: str) -> dict | None:
        p = self.projection.payments.get(ref)
        if p is None:
            return None
        answer = {"payment_ref": ref, "case_id": p["case_id"], "amount_cents": p["amount_cents"], "status": "RECORDED"}
        self.payment_answers[ref] = answer
        return answer

    # --- debtors ----------------------------------------------------------------------------------
    def debtor_case(self, request: web.Request, case_id: str, code: str) -> tuple[Case | None, str | None]:
        """(case, None) when the code fits; (None, "limited" | "locked" | "wrong") otherwise."""
        now_s = self.clock.now().timestamp()
        if not self.rate.allow(request.remote or "?", now_s):
            self.metrics.rejected.labels("PORTAL_RATE_LIMITED").inc()
            return None, "limited"
        case_id = (case_id or "").strip()[:64]
        if self.lockout.locked(case_id, now_s):
            return None, "locked"
        case = self.projection.cases.get(case_id)
        if case is None or not code_matches(self.settings.portal_secret, case_id, code):
            self.metrics.rejected.labels("PORTAL_WRONG_CODE").inc()
            return None, "locked" if self.lockout.failed(case_id, now_s) else "wrong"
        self.lockout.succeeded(case_id)
        return case, None

    PORTAL_STATUS = {"limited": 429, "locked": 423, "wrong": 401}

    def _debtor_refusal(self, why: str) -> web.Response:
        text = {"limited": "too many requests", "locked": "too many wrong codes: locked, try later",
                "wrong": "wrong case reference or verification code"}[why]
        extra = {"Retry-After": "60"} if why != "wrong" else {}
        return _error(self.PORTAL_STATUS[why], text, **extra)

    async def debtor_view(self, request: web.Request) -> web.Response:
        case, why = self.debtor_case(request, request.headers.get("X-Case-Id", ""),
                                     request.headers.get("X-Verification-Code", ""))
        if case is None:
            return self._debtor_refusal(why)
        view = self.view(case)
        view.pop("mediator_id", None)
        return web.json_response(view)

    async def debtor_request(self, request: web.Request) -> web.Response:
        case, why = self.debtor_case(request, request.headers.get("X-Case-Id", ""),
                                     request.headers.get("X-Verification-Code", ""))
        if case is None:
            return self._debtor_refusal(why)
        return await self._debtor_submit(case, await self.json_body(request))

    async def _debtor_submit(self, case: Case, body) -> web.Response:
        record = validation.debtor_request(body, case_id=case.case_id, new_id=f"DR-{uuid.uuid4().hex}",
                                           now=self.clock.now())
        if case.stage in ("CLOSED", "REJECTED"):
            return _error(409, "the case is closed")
        if record["kind"] == "ACCEPT_OFFER" and case.offer is None:
            return _error(409, "there is no settlement offer to accept", "kind")
        await self.publish("debtor.requests", case.case_id, "DebtorRequest", record)
        return web.json_response({"request_id": record["request_id"], "kind": record["kind"]}, status=202)

    # --- the HTML portal --------------------------------------------------------------------------
    async def portal(self, request: web.Request) -> web.Response:
        return self._html(portal_page.login(portal_page.lang_of(request.query.get("lang"))))

    async def portal_case(self, request: web.Request) -> web.Response:
        form = await request.post()
        lang = portal_page.lang_of(form.get("lang"))
        case, why = self.debtor_case(request, str(form.get("case_id", "")), str(form.get("code", "")))
        if case is None:
            return self._html(portal_page.message(lang, why), self.PORTAL_STATUS[why])
        return self._html(portal_page.case(self.view(case), str(form["code"]), lang))

    async def portal_request(self, request: web.Request) -> web.Response:
        form = await request.post()
        lang = portal_page.lang_of(form.get("lang"))
        case, why = self.debtor_case(request, str(form.get("case_id", "")), str(form.get("code", "")))
        if case is None:
            return self._html(portal_page.message(lang, why), self.PORTAL_STATUS[why])
        body = {k: str(form[k]) for k in ("kind", "ground", "detail", "channel") if form.get(k)}
        if form.getall("hardship_kinds", []):
            body["hardship_kinds"] = [str(v) for v in form.getall("hardship_kinds")]
        try:
            answer = await self._debtor_submit(case, body)
        except BadRequest as exc:
            return self._html(portal_page.message(lang, "bad", str(exc)), 400)
        if answer.status != 202:
            return self._html(portal_page.message(lang, "bad", json.loads(answer.body)["error"]), answer.status)
        return self._html(portal_page.received(json.loads(answer.body)["request_id"], self.view(case),
                                               str(form["code"]), lang), 202)

    @staticmethod
    def _html(text: str, status: int = 200) -> web.Response:
        return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")

    # --- operations -------------------------------------------------------------------------------
    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(document())

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "cases": len(self.projection.cases)})

    async def metrics_page(self, request: web.Request) -> web.Response:
        body, content_type = self.metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})


@web.middleware
async def errors(request: web.Request, handler):
    try:
        return await handler(request)
    except BadRequest as exc:
        return _error(400, exc.problem, exc.field)
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - never a bare 500 page; the log says what (no PII: records aren't logged)
        log.exception("gateway error on %s %s", request.method, request.path)
        return _error(500, "internal error")


def build_app(gw: Gateway) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=1024 ** 2)
    r = app.router
    r.add_get("/openapi.json", gw.openapi)
    r.add_get("/healthz", gw.health)
    r.add_get("/metrics", gw.metrics_page)
    r.add_post("/v1/lender/batches", gw.upload)
    r.add_get("/v1/lender/batches/{batch_id}", gw.batch_status)
    r.add_get("/v1/lender/cases", gw.list_cases)
    r.add_get("/v1/lender/cases/{case_id}", gw.case_detail)
    r.add_post("/v1/lender/cases/{case_id}/withdraw", gw.withdraw)
    r.add_post("/v1/lender/cases/{case_id}/payments", gw.lender_payment)
    r.add_get("/v1/mediator/cases", gw.mediator_cases)
    r.add_post("/v1/mediator/cases/{case_id}/outcomes", gw.mediator_outcome)
    r.add_post("/v1/courts/decisions", gw.court_decision)
    r.add_post("/v1/payments", gw.payment)
    r.add_get("/v1/debtor/case", gw.debtor_view)
    r.add_post("/v1/debtor/requests", gw.debtor_request)
    r.add_get("/portal", gw.portal)
    r.add_post("/portal/case", gw.portal_case)
    r.add_post("/portal/requests", gw.portal_request)
    return app
