"""A court downloads a filing batch as one package (court_package.py), signing its GET as it signs its decisions:
``GET /v1/courts/bundles/{bundle_id}/package`` → ``application/zip`` with ``X-Content-SHA256`` (the ZIP's hash)
and ``X-Manifest-SHA256`` (its manifest.json's). Another court's batch is not found.

The ZIP is built in a temporary file off the event loop (a batch may hold thousands of cases), then streamed."""
from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import tempfile

from aiohttp import web

from remedy.kernel.pii import ContactSealer
from services.gateway import court_package
from services.gateway.core import Routes, log
from services.gateway.court_auth import signed_court
from services.gateway.court_documents import canonical
from services.gateway.evidence_store import EvidenceStore, store_of

CHUNK = 1024 * 1024


class CourtBundleRoutes(Routes):
    @functools.cached_property
    def sealer(self) -> ContactSealer:
        return ContactSealer(self.gw.settings.pii_key)

    @functools.cached_property
    def store(self) -> EvidenceStore:
        return store_of(self.gw.settings, self.gw.own)

    def sources(self) -> court_package.Sources:
        views = self.gw.projection.evidence
        return court_package.Sources(pdf=lambda d: self.sealer.unseal_document(base64.b64decode(d["sealed"])),
                                     file_for=views.file_for, file=self.store.get)

    def build(self, court: str, bundle_id: str, documents: list[dict]):
        """(the ZIP in a temporary file, rewound; its sha256; the manifest)."""
        out = tempfile.TemporaryFile()
        try:
            head = court_package.write(out, court, bundle_id, documents, self.sources())
            out.seek(0)
            digest = hashlib.sha256()
            for chunk in iter(lambda: out.read(CHUNK), b""):
                digest.update(chunk)
            out.seek(0)
        except BaseException:
            out.close()
            raise
        return out, digest.hexdigest(), head

    async def package(self, request: web.Request) -> web.StreamResponse:
        court = await signed_court(self.gw, request)
        bundle_id = request.match_info["bundle_id"]
        self.gw.projection.settled()
        documents = self.gw.projection.documents.in_force(court, bundle_id)
        if not documents:
            raise web.HTTPNotFound(text=json.dumps({"error": "no such filing batch"}), content_type="application/json")
        out, sha, head = await asyncio.to_thread(self.build, court, bundle_id, documents)
        if head["missing"]:
            log.warning("filing batch %s for %s: %d evidence item(s) without a file (%s)", bundle_id, court,
                        len(head["missing"]), ", ".join(sorted({m["reason"] for m in head["missing"]})))
        try:
            size = out.seek(0, 2)
            out.seek(0)
            answer = web.StreamResponse(headers={
                "Content-Type": "application/zip", "Content-Length": str(size), "X-Content-SHA256": sha,
                "X-Manifest-SHA256": hashlib.sha256(canonical(head)).hexdigest(),
                "Content-Disposition": f'attachment; filename="{bundle_id}.zip"'})
            await answer.prepare(request)
            while chunk := await asyncio.to_thread(out.read, CHUNK):
                await answer.write(chunk)
            await answer.write_eof()
            return answer
        finally:
            out.close()
