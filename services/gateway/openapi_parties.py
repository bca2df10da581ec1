"""OpenAPI paths of what a court and a mediation centre see of their own cases (routes/parties.py)."""
from __future__ import annotations


COURT_HEADERS = [{"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
                 for h in ("X-Remedy-Court", "X-Remedy-Timestamp", "X-Remedy-Signature")]


def _court_get(summary: str, name: str, ok: dict) -> dict:
    return {"get": {"summary": summary, "security": [{"courtSignature": []}],
                    "parameters": [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}},
                                   *COURT_HEADERS],
                    "responses": {**ok}}}


def document_paths(_resp, _errors) -> dict:
    """A court's documents (routes/parties.py, docs/documents.md): the PDF, and a filing batch's manifest."""
    row = {"type": "object", "properties": {k: {"type": "string"} for k in
                                            ("document_id", "kind", "case_id", "document_no", "sha256")}}
    manifest = {"type": "object", "required": ["bundle_id", "court", "count", "documents", "sha256"],
                "properties": {"bundle_id": {"type": "string"}, "court": {"type": "string"},
                               "count": {"type": "integer"}, "documents": {"type": "array", "items": row},
                               "sha256": {"type": "string", "description": "over the canonical JSON (sorted keys, "
                                          "no spaces, UTF-8) of the manifest without this field"}}}
    pdf = {"description": "the document (PDF); its sha256 in X-Content-SHA256",
           "headers": {"X-Content-SHA256": {"schema": {"type": "string"}}},
           "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
    return {
        "/v1/courts/documents/{document_id}": _court_get(
            "A document sent to the signing court (confirmation application, settlement agreement, complaint, "
            "evidence list) as its PDF; another court's is not found; signed over 'GET <path?query>'",
            "document_id", {"200": pdf, **_errors(401, 404)}),
        "/v1/courts/bundles/{bundle_id}": _court_get(
            "A filing batch's manifest for the signing court: every document of the batch with its kind, case, "
            "number and sha256, and the manifest's own sha256; signed over 'GET <path?query>'",
            "bundle_id", {"200": _resp("the manifest", manifest), **_errors(401, 404)}),
    }


def party_paths(_resp, _errors) -> dict:
    listed = {"type": "object"}
    return {
        **document_paths(_resp, _errors),
        "/v1/courts/cases": {"get": {
            "summary": "A court's open cases by what it owes them (confirmations, filings, judgments, enforcements), "
                       "each with its next deadline and the documents sent to it (kind, document_no, sha256); signed as its decisions are, over 'GET <path?query>'",
            "security": [{"courtSignature": []}],
            "parameters": [{"name": h, "in": "header", "required": True, "schema": {"type": "string"}}
                           for h in ("X-Remedy-Court", "X-Remedy-Timestamp")],
            "responses": {"200": _resp("the court's cases", listed), **_errors(401)}}},
        "/v1/centres/queue": {"get": {
            "summary": "A mediation centre's cases waiting for a mediator, in the order the desk serves them, with "
                       "each one's position and wait; then the cases its mediators hold",
            "security": [{"partyKey": []}],
            "responses": {"200": _resp("the centre's queue", listed), **_errors(401, 403)}}},
    }
