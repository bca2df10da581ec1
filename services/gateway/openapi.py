"""The gateway's OpenAPI 3 document, served at /openapi.json. Kept beside the routes it describes."""
from __future__ import annotations

from services.gateway.openapi_debtors import department_paths, portal_paths
from services.gateway.openapi_evidence import evidence_paths
from services.gateway.openapi_parties import party_paths
from services.gateway.openapi_schemas import schemas
from services.gateway.openapi_webhooks import SCHEMES, webhook_paths, webhook_schemas
from services.gateway.projection import STAGES

ERR = {"$ref": "#/components/schemas/Error"}


def _resp(description: str, schema: dict | None = None, content_type: str = "application/json") -> dict:
    out = {"description": description}
    if schema is not None:
        out["content"] = {content_type: {"schema": schema}}
    return out


def _errors(*codes: int) -> dict:
    words = {400: "malformed request (the error names the field)", 401: "missing or wrong credentials",
             403: "credentials of another kind of party, or a case before another court", 404: "no such case or batch for this caller",
             409: "conflict with the case's state or an earlier request", 413: "the body or upload is over the size limit",
             423: "locked after repeated wrong codes", 429: "rate limited, or this client sent too many wrong codes"}
    return {str(c): _resp(words[c], ERR) for c in codes}


def _json_body(ref: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
DEBTOR_HEADERS = [{"name": "X-Case-Id", "in": "header", "required": True, "schema": {"type": "string"}},
                  {"name": "X-Verification-Code", "in": "header", "required": True, "schema": {"type": "string"}}]


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Remedy gateway", "version": "1.0.0",
                 "description": "HTTP for lenders, mediators, courts, payment processors and debtors. Actions become "
                                "records on the input topics; answers come from the gateway's own read model of case.events."},
        "components": {
            "securitySchemes": {
                "lenderKey": {"type": "http", "scheme": "bearer", "description": "a lender's API key"},
                "mediatorKey": {"type": "http", "scheme": "bearer", "description": "a mediator's API key"},
                "payerKey": {"type": "http", "scheme": "bearer", "description": "a payment processor's API key"},
                "auditorKey": {"type": "http", "scheme": "bearer", "description": "an operator's, auditor's or regulator's API key"},
                "departmentKey": {"type": "http", "scheme": "bearer", "description": "a complaint-handling department's API key"},
                "bureauKey": {"type": "http", "scheme": "bearer", "description": "a judicial bureau's API key (id JB-<area>)"},
                **SCHEMES},
            "schemas": {**schemas(), **webhook_schemas()}},
        "paths": {**lender_paths(), **mediator_paths(), **court_paths(), **payment_paths(), **debtor_paths(),
                  **portal_paths(_resp), **audit_paths(), **department_paths(_resp, _errors), **roster_paths(),
                  **webhook_paths(), **party_paths(_resp, _errors), **evidence_paths(_resp, _errors), **ops_paths()},
    }


def lender_paths() -> dict:
    """Lenders: upload batches, follow them and their cases, withdraw a case, report a payment."""
    lender = [{"lenderKey": []}]
    return {
        "/v1/lender/batches": {"post": {
            "summary": "Upload a batch of defaults (JSON lines or CSV, streamed row by row)", "security": lender,
            "parameters": [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["jsonl", "csv"]}},
                           {"name": "batch_id", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}}],
            "requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                                          "text/csv": {"schema": {"type": "string"}}}},
            "description": "The batch is the query's batch_id, else the lender's own named in the rows' batch_id (JSON "
                           "field or CSV column; a row naming another is refused), else a new GW-… id. A batch id "
                           "names one file: one already uploaded whole is 409. An upload stopped by a line over the "
                           "line limit (400) or by the size limit (413) keeps the rows before it (published), says "
                           "which line and why, and may be sent again under the same batch_id.",
            "responses": {"202": _resp("published; poll status_url", {"$ref": "#/components/schemas/Accepted"}),
                          **_errors(400, 401, 403, 409, 413)}}},
        "/v1/lender/batches/{batch_id}": {"get": {
            "summary": "A batch's accepted and rejected counts and each rejected row's reasons", "security": lender,
            "parameters": [{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _resp("the batch", {"$ref": "#/components/schemas/BatchStatus"}), **_errors(401, 403, 404)}}},
        "/v1/lender/cases": {"get": {
            "summary": "The lender's cases, filtered; with loan_id, the case that loan opened (none: an empty list)",
            "security": lender,
            "parameters": [{"name": "loan_id", "in": "query", "schema": {"type": "string"}},
                           {"name": "stage", "in": "query", "schema": {"type": "string", "enum": list(STAGES)}},
                           {"name": "region", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{2,6}$"}},
                           {"name": "batch_id", "in": "query", "schema": {"type": "string"}},
                           {"name": "opened_from", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "opened_to", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                           {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": _resp("cases", {"type": "object", "properties": {
                "total": {"type": "integer"}, "cases": {"type": "array", "items": {"$ref": "#/components/schemas/CaseView"}}}}),
                **_errors(400, 401, 403)}}},
        "/v1/lender/cases/{case_id}": {"get": {
            "summary": "One case with its timeline", "security": lender, "parameters": [CASE_ID],
            "responses": {"200": _resp("the case", {"$ref": "#/components/schemas/CaseView"}), **_errors(401, 403, 404)}}},
        "/v1/lender/cases/{case_id}/withdraw": {"post": {
            "summary": "Withdraw a case (lender.updates WITHDRAWN)", "security": lender, "parameters": [CASE_ID],
            "requestBody": _json_body("Withdrawal", required=False),
            "responses": {"202": _resp("published", {"$ref": "#/components/schemas/Accepted"}), **_errors(400, 401, 403, 404, 409)}}},
        "/v1/lender/cases/{case_id}/payments": {"post": {
            "summary": "Report a payment the lender received", "security": lender, "parameters": [CASE_ID],
            "requestBody": _json_body("LenderPayment"),
            "responses": {"200": _resp("this payment_ref was already recorded", {"$ref": "#/components/schemas/Accepted"}),
                          "202": _resp("published", {"$ref": "#/components/schemas/Accepted"}),
                          **_errors(400, 401, 403, 404, 409)}}},
    }


def mediator_paths() -> dict:
    """Mediators: their cases and the outcomes of their sessions."""
    return {
        "/v1/mediator/cases": {"get": {
            "summary": "Cases assigned to the mediator, with sessions", "security": [{"mediatorKey": []}],
            "responses": {"200": _resp("cases", {"type": "object"}), **_errors(401, 403)}}},
        "/v1/mediator/cases/{case_id}/outcomes": {"post": {
            "summary": "Record a mediation outcome (mediation.outcomes)", "security": [{"mediatorKey": []}],
            "parameters": [CASE_ID], "requestBody": _json_body("Outcome"),
            "responses": {"202": _resp("published", {"$ref": "#/components/schemas/Accepted"}), **_errors(400, 401, 403, 404, 409)}}},
    }


def court_paths() -> dict:
    """Courts: the signed decision webhook."""
    return {
        "/v1/courts/decisions": {"post": {
            "summary": "Court webhook: confirmation, filing, judgment or enforcement result (court.decisions)",
            "description": "X-Remedy-Signature = hex HMAC-SHA256(court secret, X-Remedy-Timestamp + '.' + body). "
                           "Timestamps outside the window and repeated signatures are refused.",
            "parameters": [{"name": "X-Remedy-Court", "in": "header", "required": True, "schema": {"type": "string"}},
                           {"name": "X-Remedy-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
                           {"name": "X-Remedy-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
            "requestBody": _json_body("CourtDecision"),
            "responses": {"202": _resp("published", {"$ref": "#/components/schemas/Accepted"}), **_errors(400, 401, 403, 404)}}},
    }


def payment_paths() -> dict:
    """Payment processors: payment notifications."""
    return {
        "/v1/payments": {"post": {
            "summary": "Payment notification (payments), idempotent by payment_ref", "security": [{"payerKey": []}],
            "requestBody": _json_body("Payment"),
            "responses": {"200": _resp("already recorded: the same answer as the first time", {"$ref": "#/components/schemas/Accepted"}),
                          "202": _resp("published", {"$ref": "#/components/schemas/Accepted"}), **_errors(400, 401, 403, 404, 409)}}},
    }


def debtor_paths() -> dict:
    """Debtors over JSON: their case and their requests, by case reference and verification code."""
    return {
        "/v1/debtor/case": {"get": {
            "summary": "The debtor's case: debt, stage, next deadline", "parameters": DEBTOR_HEADERS,
            "responses": {"200": _resp("the case", {"$ref": "#/components/schemas/CaseView"}), **_errors(401, 429)}}},
        "/v1/debtor/requests": {"post": {
            "summary": "Object, claim hardship, complain, accept an offer or opt out of a channel (debtor.requests)",
            "parameters": DEBTOR_HEADERS, "requestBody": _json_body("DebtorRequest"),
            "responses": {"202": _resp("published", {"$ref": "#/components/schemas/Accepted"}), **_errors(400, 401, 409, 429)}}},
        "/v1/debtor/sign-in-codes": {"post": {
            "summary": "Ask for a one-time sign-in code by SMS to the phone on file (portal.codes); it is then a verification "
                       "code once, within REMEDY_GATEWAY_PORTAL_SMS_CODE_MINUTES, even from a client locked out",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["case_id"], "properties": {
                    "case_id": {"type": "string"}, "language": {"type": "string", "enum": ["zh", "en"]}}}}}},
            "responses": {"202": _resp("asked: the same answer whether or not a text goes out", {"type": "object"}),
                          **_errors(400, 429)}}},
    }


def audit_paths() -> dict:
    """Auditors (any case) and lenders (their own cases): a case's whole history (audit.py)."""
    return {"/v1/cases/{case_id}/audit": {"get": {
        "summary": "The case's events in log order, each with the input record that caused it, the triage rule version and "
                   "hash, and the notices sent (document numbers and hashes)", "parameters": [CASE_ID],
        "security": [{"auditorKey": []}, {"lenderKey": []}],
        "responses": {"200": _resp("the audit trail", {"type": "object", "required": ["case_id", "lender_id", "stage", "events"]}),
                      **_errors(401, 403, 404)}}}}


def roster_paths() -> dict:
    """Judicial bureaus: the people's mediators they designate in their area (routes/roster.py)."""
    bureau, mid = [{"bureauKey": []}], {"name": "mediator_id", "in": "path", "required": True, "schema": {"type": "string"}}
    listed = {"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"}}}
    return {
        "/v1/roster": {"get": {"summary": "The mediators this bureau designated (withdrawn ones with active false)",
                               "security": bureau, "responses": {"200": _resp("its mediators", listed), **_errors(401, 403)}}},
        "/v1/roster/changes": {"get": {"summary": "Every change this bureau made to the roster, oldest first (the audit trail)",
                                       "security": bureau, "responses": {"200": _resp("its changes", listed), **_errors(401, 403)}}},
        "/v1/roster/mediators/{mediator_id}": {
            "put": {"summary": "Designate or change a people's mediator serving within the bureau's area (mediation.roster)",
                    "security": bureau, "parameters": [mid], "requestBody": _json_body("Designation"),
                    "responses": {"202": _resp("published", {"type": "object"}), **_errors(400, 401, 403)}},
            "delete": {"summary": "Withdraw a mediator this bureau designated", "security": bureau, "parameters": [mid],
                       "responses": {"202": _resp("published", {"type": "object"}), **_errors(401, 403, 404)}}},
    }


def ops_paths() -> dict:
    """Operations."""
    return {
        "/healthz": {"get": {"summary": "Liveness: the read model's reader runs (503 once it died, with why); read-model size",
                             "responses": {"200": _resp("alive", {"type": "object"}),
                                           "503": _resp("the read model stopped", {"type": "object"})}}},
        "/readyz": {"get": {"summary": "Readiness: alive and caught up with the topics (503 while catching up)",
                            "responses": {"200": _resp("ready", {"type": "object"}),
                                          "503": _resp("catching up or stopped", {"type": "object"})}}},
    }
