"""OpenAPI paths of the evidence files (routes/evidence.py) and a filing batch's package (routes/court_bundle.py)."""
from __future__ import annotations

from services.gateway.openapi_parties import COURT_HEADERS

FILE = {"type": "string", "format": "binary"}
REFUSED = {"type": "object", "required": ["error"],
           "properties": {"error": {"type": "string", "description": "in the lender's language (Accept-Language; Chinese first)"},
                          "field": {"type": "string"}, "code": {"type": "string"}}}
UPLOADED = {"type": "object", "required": ["case_id", "update_id", "doc_type", "uri", "sha256", "size_bytes", "content_type"],
            "properties": {"case_id": {"type": "string"}, "update_id": {"type": "string"}, "doc_type": {"type": "string"},
                           "uri": {"type": "string"}, "sha256": {"type": "string"}, "size_bytes": {"type": "integer"},
                           "content_type": {"type": "string"}}}


def _refused(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": REFUSED}}}


def evidence_paths(_resp, _errors) -> dict:
    case_id = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/lender/cases/{case_id}/evidence": {
            "post": {
                "summary": "Upload an evidence file of one of the lender's own cases (PDF, JPEG or PNG, checked by its "
                           "first bytes; at most REMEDY_GATEWAY_EVIDENCE_MAX_MB); kept by its SHA-256 and announced on "
                           "lender.updates (EVIDENCE_ADDED): a case waiting for evidence is then filed",
                "security": [{"lenderKey": []}],
                "parameters": [case_id,
                               {"name": "doc_type", "in": "query", "required": True,
                                "schema": {"type": "string", "pattern": "^[a-z0-9_]{1,32}$"}},
                               {"name": "uri", "in": "query", "required": False, "schema": {"type": "string"},
                                "description": "the declared evidence this file supplies (its SHA-256 must then be the "
                                               "one declared, if any); without it, new evidence remedy:evidence/<sha256>"}],
                "requestBody": {"required": True, "content": {t: {"schema": FILE} for t in
                                                              ("application/pdf", "image/jpeg", "image/png")}},
                "responses": {"201": _resp("kept and announced", UPLOADED),
                              "200": _resp("the same file again: nothing new", UPLOADED),
                              **_errors(401, 403, 404), "400": _refused("no doc_type, or an empty file"),
                              "409": _refused("the case is closed, or another file supplies this evidence"),
                              "413": _refused("over the size limit"),
                              "415": _refused("not a PDF, JPEG or PNG, or bytes that are not the type declared"),
                              "422": _refused("a URI the case does not declare, or not the SHA-256 it declared")}},
            "get": {
                "summary": "A case's evidence: each item its default declared or the lender added, with the file uploaded "
                           "for it (sha256, size, content type) or null",
                "security": [{"lenderKey": []}], "parameters": [case_id],
                "responses": {"200": _resp("the case's evidence", {"type": "object"}), **_errors(401, 403, 404)}}},
        "/v1/courts/bundles/{bundle_id}/package": {"get": {
            "summary": "A filing batch for the signing court as one ZIP: per case its complaint, evidence list and the "
                       "evidence files supplied, and manifest.json with every file's SHA-256 (and the items missing a "
                       "file); the same batch always gives the same bytes; signed over 'GET <path?query>'",
            "security": [{"courtSignature": []}],
            "parameters": [{"name": "bundle_id", "in": "path", "required": True, "schema": {"type": "string"}},
                           *COURT_HEADERS],
            "responses": {"200": {"description": "the package; its SHA-256 in X-Content-SHA256, its manifest's in "
                                                 "X-Manifest-SHA256",
                                  "headers": {h: {"schema": {"type": "string"}} for h in ("X-Content-SHA256",
                                                                                          "X-Manifest-SHA256")},
                                  "content": {"application/zip": {"schema": FILE}}},
                          **_errors(401, 404)}}},
    }
