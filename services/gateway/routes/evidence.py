"""Lenders upload the evidence files of their own cases (``Authorization: Bearer <API key>``), and list them.

``POST /v1/lender/cases/{case_id}/evidence?doc_type=contract[&uri=<declared URI>]`` with the file as the body:
a PDF, JPEG or PNG (its ``Content-Type``, checked against its first bytes), at most ``REMEDY_GATEWAY_EVIDENCE_MAX_MB``.
The file is kept in the evidence store by its SHA-256 and announced on ``lender.updates`` (EVIDENCE_ADDED), so
enforcement files a case that was waiting for evidence and the court's package carries the file. The same file
again answers 200 and publishes the same update id. Refusals are in the lender's language (``Accept-Language``,
Chinese first), each with the field it concerns and the message key as ``code``.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib

from aiohttp import web

from remedy.contract.i18n import Messages, from_accept_language
from services.gateway import evidence
from services.gateway.core import Routes
from services.gateway.evidence import Refused
from services.gateway.evidence_store import KINDS, EvidenceStore, sniff, store_of

CHUNK = 256 * 1024


class EvidenceRoutes(Routes):
    @functools.cached_property
    def store(self) -> EvidenceStore:
        return store_of(self.gw.settings, self.gw.own)

    def refusal(self, request: web.Request, exc: Refused) -> web.Response:
        lang = from_accept_language(request.headers.get("Accept-Language"))
        self.gw.metrics.rejected.labels(f"EVIDENCE_{exc.message.upper()}").inc()
        body = {"error": Messages.load("evidence").text(exc.message, lang, **exc.values), "code": exc.message}
        if exc.field:
            body["field"] = exc.field
        return web.json_response(body, status=exc.status, headers={"Content-Language": lang})

    async def read_file(self, request: web.Request) -> bytes:
        limit = self.gw.own.evidence_max_mb * 1024 * 1024
        if (request.content_length or 0) > limit:
            raise Refused(413, "too_large", "body", max_mb=self.gw.own.evidence_max_mb)
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > limit:
                raise Refused(413, "too_large", "body", max_mb=self.gw.own.evidence_max_mb)
            chunks.append(chunk)
        return b"".join(chunks)

    async def upload(self, request: web.Request) -> web.Response:
        gw = self.gw
        lender = gw.principal(request, "lender")
        case = gw.lender_case(request, lender)
        try:
            if case.stage == "CLOSED":
                raise Refused(409, "closed")
            doc_type = request.query.get("doc_type", "")
            if not evidence.DOC_TYPE.match(doc_type):
                raise Refused(400, "doc_type", "doc_type")
            ctype = request.content_type
            if ctype not in KINDS:
                raise Refused(415, "content_type", "Content-Type")
            data = await self.read_file(request)
            if not data:
                raise Refused(400, "empty", "body")
            if sniff(data[:16]) != ctype:
                raise Refused(415, "not_that_type", "body", content_type=ctype)
            sha = hashlib.sha256(data).hexdigest()
            gw.projection.settled()
            uploaded = gw.projection.evidence.uploaded(case.case_id)
            uri = evidence.target(case, request.query.get("uri"), sha, uploaded)
        except Refused as exc:
            return self.refusal(request, exc)
        await asyncio.to_thread(self.store.put, data)
        answer = {"case_id": case.case_id, "update_id": evidence.update_id(case.case_id, uri, sha), "doc_type": doc_type,
                  "uri": uri, "sha256": sha, "size_bytes": len(data), "content_type": ctype}
        if uploaded.get(uri, {}).get("sha256") == sha:
            return web.json_response(answer, status=200)            # already announced: nothing new
        record = {"update_id": answer["update_id"], "case_id": case.case_id, "lender_id": lender.id,
                  "kind": "EVIDENCE_ADDED", "amount_cents": 0, "note": "", "reported_at": gw.clock.now(),
                  "evidence": {k: answer[k] for k in ("doc_type", "uri", "sha256", "size_bytes", "content_type")}}
        await gw.publish("lender.updates", case.case_id, "LenderUpdate", record)
        return web.json_response(answer, status=201)

    async def list(self, request: web.Request) -> web.Response:
        """GET /v1/lender/cases/{case_id}/evidence: each item declared or added, with the file uploaded for it."""
        gw = self.gw
        case = gw.lender_case(request, gw.principal(request, "lender"))
        gw.projection.settled()
        return web.json_response({"case_id": case.case_id, "evidence": gw.projection.evidence.of_case(case)})
