"""A filing batch as one package a court downloads: a ZIP holding, per case, its complaint (民事起诉状), its evidence
list (证据清单) and the evidence files the lender uploaded, and ``manifest.json`` naming every file with its SHA-256.

Deterministic: the same documents and files give the same bytes. Entries are in a fixed order (case by case:
complaint, evidence list, evidence in the list's order; ``manifest.json`` last, once every file in it was read and
verified, so memory holds one file at a time), stored uncompressed (PDFs and images
are compressed already, and no zlib version can change the bytes), dated 1980-01-01, with fixed attributes;
``manifest.json`` is canonical JSON (keys sorted, no spaces, UTF-8).

| path | what |
|---|---|
| ``manifest.json`` | ``{bundle_id, court, cases, documents_sha256, files: [{path, sha256, size_bytes, kind, case_id, ...}], missing: [...]}`` |
| ``<case_id>/complaint-<document_no>.pdf`` | the complaint in force |
| ``<case_id>/evidence-list-<document_no>.pdf`` | the evidence list in force |
| ``<case_id>/evidence/<nn>-<doc_type>.<ext>`` | the file of the list's item ``nn`` |

``documents_sha256`` is the batch manifest's own hash (``GET /v1/courts/bundles/{id}``). An item of the list
whose file the lender never uploaded, or whose stored copy fails its hash, is in ``missing`` with its URI and
the reason (``NOT_SUPPLIED``, ``DAMAGED``), not in the ZIP: the court asks the lender for it.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Callable

from services.gateway.court_documents import canonical, manifest
from services.gateway.evidence_store import EvidenceDamaged, extension, sniff

EPOCH = (1980, 1, 1, 0, 0, 0)
NAMES = {"COMPLAINT": "complaint", "EVIDENCE_LIST": "evidence-list"}


@dataclass(frozen=True)
class Sources:
    """Where the bytes come from: a document's PDF (opened from its seal), the SHA-256 of the file supplying an
    evidence item (or None), and a stored file's bytes (verified against its hash; FileNotFoundError if absent)."""
    pdf: Callable[[dict], bytes]
    file_for: Callable[[str, dict], str | None]
    file: Callable[[str], bytes]


def _entry(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=EPOCH)
    info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_STORED, 3, 0o644 << 16
    return info


class _Zip:
    """The package being written: each file goes in as soon as it is read and verified, so memory holds one file."""

    def __init__(self, out: BinaryIO):
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True)
        self.rows: list[dict] = []

    def add(self, row: dict, data: bytes) -> None:
        self.zip.writestr(_entry(row["path"]), data)
        self.rows.append({**row, "size_bytes": len(data)})


def _evidence(package: _Zip, case_id: str, items: list[dict], sources: Sources) -> list[dict]:
    """Put each evidence file the case supplies in the package; the items missing a file."""
    missing = []
    for n, item in enumerate(items, 1):
        sha = sources.file_for(case_id, item)
        base = {"case_id": case_id, "item": n, "doc_type": item["doc_type"], "uri": item["uri"]}
        try:
            data = sources.file(sha) if sha else None
        except (FileNotFoundError, ValueError):   # not stored, or a declared "hash" that is none
            data = None
        except EvidenceDamaged:
            missing.append({**base, "sha256": sha, "reason": "DAMAGED"})
            continue
        if data is None:
            missing.append({**base, "sha256": sha, "reason": "NOT_SUPPLIED"})
            continue
        ext = extension(sniff(data[:16]) or "application/pdf")
        package.add({**base, "kind": "EVIDENCE", "path": f"{case_id}/evidence/{n:02d}-{item['doc_type']}.{ext}",
                     "sha256": sha}, data)
    return missing


def write(out: BinaryIO, court: str, bundle_id: str, documents: list[dict], sources: Sources) -> dict:
    """Write the package of a filing batch (``documents``: its documents in force) to ``out``; its manifest."""
    package, missing = _Zip(out), []
    by_case: dict[str, dict[str, dict]] = {}
    for d in documents:
        by_case.setdefault(d["case_id"], {})[d["kind"]] = d
    for case_id in sorted(by_case):
        for kind in ("COMPLAINT", "EVIDENCE_LIST"):
            d = by_case[case_id].get(kind)
            if d is None:
                continue
            pdf = sources.pdf(d)
            if hashlib.sha256(pdf).hexdigest() != d["sha256"]:
                raise ValueError(f"document {d['document_id']}: its PDF does not match its sha256")
            package.add({"case_id": case_id, "kind": kind, "document_id": d["document_id"], "document_no": d["document_no"],
                         "path": f"{case_id}/{NAMES[kind]}-{d['document_no']}.pdf", "sha256": d["sha256"]}, pdf)
            if kind == "EVIDENCE_LIST":
                missing += _evidence(package, case_id, list(d.get("evidence") or []), sources)
    head = {"bundle_id": bundle_id, "court": court, "cases": len(by_case),
            "documents_sha256": manifest(court, bundle_id, documents)["sha256"], "files": package.rows, "missing": missing}
    package.zip.writestr(_entry("manifest.json"), canonical(head))
    package.zip.close()
    return head
