"""A case's evidence as the gateway knows it: the items its default declared (``model.Case.evidence``: doc_type,
URI, SHA-256 if declared) and the files its lender uploaded (``lender.updates`` EVIDENCE_ADDED, read by every
gateway instance; the bytes are in the evidence store, evidence_store.py).

| key | value |
|---|---|
| ``ev/<case_id>/<uri>`` | the file uploaded for that evidence: {doc_type, uri, sha256, size_bytes, content_type, uploaded_at} |

An upload names a declared item by its URI (the file must then have the hash the item declared, if it declared
one), or adds an item the default did not declare (URI ``remedy:evidence/<sha256>``). Pure but for the store.
"""
from __future__ import annotations

import hashlib
import re

import orjson

from services.gateway.model import Case, to_ms
from services.gateway.store import Store, key

DOC_TYPE = re.compile(r"^[a-z0-9_]{1,32}$")
OWN_URI = "remedy:evidence/"


class Refused(Exception):
    """An upload the gateway refuses: the HTTP status, the message key (messages/evidence.json) and its values."""

    def __init__(self, status: int, message: str, field: str | None = None, **values):
        super().__init__(message)
        self.status, self.message, self.field, self.values = status, message, field, values


def update_id(case_id: str, uri: str, sha256: str) -> str:
    """The LenderUpdate's id: the same file for the same evidence is the same update (redelivery changes nothing)."""
    return "EV" + hashlib.blake2b("\x1f".join((case_id, uri, sha256)).encode(), digest_size=16).hexdigest()


def target(case: Case, uri: str | None, sha256: str, uploaded: dict[str, dict]) -> str:
    """The URI the file supplies: the declared item ``uri`` names (checked against its hash), or a new item's."""
    if not uri:
        return OWN_URI + sha256
    declared = next((e for e in case.evidence if e["uri"] == uri), None)
    if declared is None:
        raise Refused(422, "unknown_uri", "uri", uri=uri)
    if declared.get("sha256") and declared["sha256"].lower() != sha256:
        raise Refused(422, "hash_mismatch", "body", got=sha256, declared=declared["sha256"])
    earlier = uploaded.get(uri)
    if earlier is not None and earlier["sha256"] != sha256:
        raise Refused(409, "other_file", "uri", sha256=earlier["sha256"])
    return uri


class EvidenceViews:
    def __init__(self, store: Store):
        self.store = store

    def apply(self, update: dict) -> None:
        """One ``LenderUpdate``; only EVIDENCE_ADDED changes anything here."""
        e = update.get("evidence")
        if update["kind"] != "EVIDENCE_ADDED" or e is None:
            return
        self.store.put(key("ev", update["case_id"], e["uri"]),
                       {**{k: e[k] for k in ("doc_type", "uri", "sha256", "size_bytes", "content_type")},
                        "uploaded_at_ms": to_ms(update["reported_at"])})

    def uploaded(self, case_id: str) -> dict[str, dict]:
        """uri → the file uploaded for it."""
        prefix = key("ev", case_id) + b"\x00"
        return {v["uri"]: v for v in (orjson.loads(raw) for _, raw in self.store.scan(prefix))}

    def of_case(self, case: Case) -> list[dict]:
        """Every evidence item of the case: declared ones first (in the default's order), then added ones, each with
        the file uploaded for it (``file``: sha256, size, content type) or null."""
        files = self.uploaded(case.case_id)
        rows = [{**e, "file": files.pop(e["uri"], None)} for e in case.evidence]
        rows += [{"doc_type": f["doc_type"], "uri": uri, "sha256": f["sha256"], "file": f}
                 for uri, f in sorted(files.items(), key=lambda kv: (kv[1]["uploaded_at_ms"], kv[0]))]
        for row in rows:
            if row["file"] is not None:
                row["sha256"] = row["sha256"] or row["file"]["sha256"]
        return rows

    def file_for(self, case_id: str, item: dict) -> str | None:
        """The SHA-256 of the file that supplies an evidence item (its declared hash, else the upload's), if any."""
        if item.get("sha256"):
            return item["sha256"].lower()
        found = self.store.get(key("ev", case_id, item["uri"]))
        if found is None:
            return None
        return (found if isinstance(found, dict) else orjson.loads(found))["sha256"]
