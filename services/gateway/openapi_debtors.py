"""Part of the gateway's OpenAPI document (openapi.py): the debtor portal's pages and form posts, the departments'
routes (routes/department.py) and the complaint bodies."""
from __future__ import annotations

from services.gateway.validation import ANSWER_OUTCOMES, COMPLAINT_CATEGORIES, DEBTOR_KINDS

DEPARTMENTS = ["FINANCIAL_REGULATOR", "CONSUMER_ASSOCIATION", "LENDER_COMPLAINT_DESK", "MEDIATION_CENTRE"]
STATUSES = ["ROUTED", "OVERDUE", "ANSWERED"]
TEXT = {"type": "string", "maxLength": 2000}


def complaint_schemas() -> dict:
    return {
        "Complaint": {"type": "object", "required": ["complaint_id", "category", "department", "department_id",
                                                     "due_at_ms", "status"], "properties": {
            "complaint_id": {"type": "string"}, "category": {"type": "string", "enum": list(COMPLAINT_CATEGORIES)},
            "department": {"type": "string", "enum": DEPARTMENTS}, "department_id": {"type": "string"},
            "due_at_ms": {"type": "integer"}, "status": {"type": "string", "enum": STATUSES},
            "text": {"type": "string", "nullable": True, "description": "the debtor's complaint"},
            "answer": {"type": "object", "properties": {
                "outcome": {"type": "string", "enum": list(ANSWER_OUTCOMES)}, "text": {"type": "string", "nullable": True},
                "late": {"type": "boolean"}, "answered_at_ms": {"type": "integer"}}},
            "case_id": {"type": "string"}, "lender_id": {"type": "string"}, "stage": {"type": "string"}}},
        "ComplaintAnswer": {"type": "object", "required": ["text", "outcome"], "properties": {
            "text": {**TEXT, "minLength": 1}, "outcome": {"type": "string", "enum": list(ANSWER_OUTCOMES)}}},
    }


def department_paths(resp, errors) -> dict:
    """Departments: the complaints routed to them, and their answers. ``resp``/``errors`` build responses (openapi.py)."""
    security = [{"departmentKey": []}]
    complaint_id = {"name": "complaint_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/departments/complaints": {"get": {
            "summary": "The complaints routed to the department, with the debtor's text, deadline, status and answer",
            "security": security,
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": STATUSES}}],
            "responses": {"200": resp("complaints", {"type": "object", "properties": {
                "department_id": {"type": "string"}, "total": {"type": "integer"},
                "complaints": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"}}}}),
                **errors(400, 401, 403)}}},
        "/v1/departments/complaints/{complaint_id}/answer": {"post": {
            "summary": "Answer a complaint routed to the department (debtor.requests COMPLAINT_ANSWER), once",
            "security": security, "parameters": [complaint_id],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ComplaintAnswer"}}}},
            "responses": {"202": resp("published", {"$ref": "#/components/schemas/Accepted"}),
                          **errors(400, 401, 403, 404, 409)}}},
    }


def portal_paths(_resp) -> dict:
    """The debtor portal's HTML pages and form posts: signed in once, then a session cookie (no code in the forms)."""
    lang = {"lang": {"type": "string", "enum": ["zh", "en"]}}
    html, refused = _resp("page", {"type": "string"}, "text/html"), _resp("refused (HTML)", {"type": "string"}, "text/html")
    form = lambda required, **props: {"required": True, "content": {"application/x-www-form-urlencoded": {  # noqa: E731
        "schema": {"type": "object", "required": required, "properties": {**props, **lang}}}}}
    cookie = [{"name": "remedy_portal", "in": "cookie", "schema": {"type": "string"},
               "description": "the session the sign-in sets (HttpOnly, SameSite=Strict; Secure outside dev mode)"}]
    return {
        "/portal": {"get": {
            "summary": "The debtor portal's sign-in page (HTML)",
            "parameters": [{"name": "lang", "in": "query", "schema": lang["lang"]}],
            "responses": {"200": html}}},
        "/portal/case": {"post": {
            "summary": "Sign in with the case reference and the code on the latest notice: sets the session cookie",
            "requestBody": form(["case_id", "code"], case_id={"type": "string"}, code={"type": "string"}),
            "responses": {"303": _resp("signed in: on to GET /portal/case (Set-Cookie: remedy_portal)"),
                          **{str(c): refused for c in (400, 401, 429)}}},
            "get": {
            "summary": "The signed-in debtor's case page (HTML)", "parameters": cookie,
            "responses": {"200": html, "401": refused, "429": refused}}},
        "/portal/requests": {"post": {
            "summary": "A debtor's request from the portal (HTML form post, signed in by the session cookie)",
            "parameters": cookie,
            "requestBody": form(["kind"], kind={"type": "string", "enum": list(DEBTOR_KINDS)}, ground={"type": "string"},
                                category={"type": "string", "enum": list(COMPLAINT_CATEGORIES)},
                                detail={"type": "string"}, channel={"type": "string"},
                                hardship_kinds={"type": "array", "items": {"type": "string"}}),
            "responses": {"202": _resp("received (HTML)", {"type": "string"}, "text/html"),
                          **{str(c): refused for c in (400, 401, 409, 429)}}}},
        "/portal/sign-out": {"post": {
            "summary": "End the portal session (HTML)", "requestBody": form([]),
            "responses": {"200": html, "400": refused}}},
        "/portal/sign-in-code": {"get": {
            "summary": "The page asking for a one-time sign-in code by SMS (HTML)",
            "parameters": [{"name": "lang", "in": "query", "schema": lang["lang"]}],
            "responses": {"200": html}},
            "post": {
            "summary": "Ask for a one-time sign-in code by SMS to the phone on file (portal.codes): it signs in once, even "
                       "from a client locked out by wrong codes", "requestBody": form(["case_id"], case_id={"type": "string"}),
            "responses": {"202": _resp("asked (HTML): the same answer whether or not a text goes out", {"type": "string"},
                                       "text/html"), **{str(c): refused for c in (400, 429)}}}},
    }
