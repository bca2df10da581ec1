"""The courts' documents in the gateway's read model (from ``court.documents``), and a filing batch's manifest.

| key | value |
|---|---|
| ``cd/<document_id>`` | the document's metadata and its sealed PDF (base64 ``sealed``: opened only to serve it) |
| ``cdc/<court>/<case_id>/<document_id>`` | (empty) a case's documents for that court |
| ``cdb/<court>/<bundle_id>/<document_id>`` | (empty) a filing batch's documents for that court |
| ``cds/<document_id>`` | the id of the document issued again in its place (after a ``CaseAmended``) |

A court reads only the documents addressed to it: another court's, or an unknown id, is not found. A document
issued again (``supersedes``) replaces the one it names: the court's listing marks the old one ``superseded_by``
the new, and a filing batch's manifest and package hold only the documents in force.
"""
from __future__ import annotations

import base64
import hashlib
import json

import orjson

from services.gateway.store import Store, key

LISTED = ("document_id", "kind", "case_id", "document_no", "sha256")


def _ms(value) -> int:
    return value if isinstance(value, int) else int(value.timestamp() * 1000)


def canonical(value) -> bytes:
    """The JSON a manifest's hash is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def manifest(court: str, bundle_id: str, documents: list[dict]) -> dict:
    """A filing batch's manifest for one court: every document (kind, case, number, sha256) in case then kind
    order, and ``sha256`` over the canonical JSON of the rest of the manifest."""
    rows = sorted(({k: d[k] for k in LISTED} for d in documents), key=lambda d: (d["case_id"], d["kind"]))
    body = {"bundle_id": bundle_id, "court": court, "count": len(rows), "documents": rows}
    return {**body, "sha256": hashlib.sha256(canonical(body)).hexdigest()}


class CourtDocumentViews:
    def __init__(self, store: Store):
        self.store = store

    def apply(self, r: dict) -> None:
        """One ``CourtDocument`` (a redelivered one overwrites itself: the same id, number and sha256)."""
        meta = {k: v for k, v in r.items() if k not in ("sealed_content", "issued_at")}
        meta.update(issued_at=_ms(r["issued_at"]), evidence=[dict(e) for e in r["evidence"]],
                    sealed=base64.b64encode(r["sealed_content"]).decode())
        self.store.put(key("cd", r["document_id"]), meta)
        self.store.put(key("cdc", r["court"], r["case_id"], r["document_id"]), b"")
        if r["bundle_id"]:
            self.store.put(key("cdb", r["court"], r["bundle_id"], r["document_id"]), b"")
        if r.get("supersedes"):
            self.store.put(key("cds", r["supersedes"]), r["document_id"].encode())

    def superseded_by(self, document_id: str) -> str | None:
        found = self.store.get(key("cds", document_id))
        return found.decode() if isinstance(found, bytes) else found

    def document(self, court: str, document_id: str) -> dict | None:
        """The document if it is addressed to ``court``."""
        found = self.store.get(key("cd", document_id))
        doc = found if found is None or isinstance(found, dict) else orjson.loads(found)
        return doc if doc is not None and doc["court"] == court else None

    def _listed(self, prefix: bytes, court: str) -> list[dict]:
        ids = [k.rsplit(b"\x00", 1)[1].decode() for k, _ in self.store.scan(prefix + b"\x00")]
        return [d for d in (self.document(court, i) for i in ids) if d is not None]

    def of_case(self, court: str, case_id: str) -> list[dict]:
        """What the court's view lists of a case's documents: kind, number, sha256 (and the id to fetch it)."""
        docs = self._listed(key("cdc", court, case_id), court)
        return [{**{k: d[k] for k in ("document_id", "kind", "document_no", "sha256", "bundle_id")},
                 "superseded_by": self.superseded_by(d["document_id"])}
                for d in sorted(docs, key=lambda d: (d["issued_at"], d["kind"], d["document_no"]))]

    def in_force(self, court: str, bundle_id: str) -> list[dict]:
        """A filing batch's documents for the court that no later issue replaced (metadata, sealed PDF included)."""
        return [d for d in self._listed(key("cdb", court, bundle_id), court) if self.superseded_by(d["document_id"]) is None]

    def bundle(self, court: str, bundle_id: str) -> dict | None:
        docs = self.in_force(court, bundle_id)
        return manifest(court, bundle_id, docs) if docs else None
