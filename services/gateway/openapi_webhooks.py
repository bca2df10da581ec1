"""The webhooks part of the gateway's OpenAPI document (openapi.py merges it): subscriptions, the delivery
log and replays, for lenders, departments and mediation centres (``partyKey``) and courts (signed)."""
from __future__ import annotations

from services.gateway.webhook_rules import MAX_URL, STATUSES

ERR = {"$ref": "#/components/schemas/Error"}
SECURITY = [{"lenderKey": []}, {"partyKey": []}, {"courtSignature": []}]
SCHEMES = {"partyKey": {"type": "http", "scheme": "bearer",
                        "description": "a consumer-protection department's or a mediation centre's API key"},
           "courtSignature": {"type": "apiKey", "in": "header", "name": "X-Remedy-Signature",
                              "description": "a court: hex HMAC-SHA256(court secret, X-Remedy-Timestamp + '.' + body), "
                                             "with X-Remedy-Court; a request without a body signs '<METHOD> <path?query>'"}}
WORDS = {400: "malformed request (the error names the field)", 401: "missing or wrong credentials",
         403: "credentials of a party that has no webhooks", 404: "no such subscription or delivery for this party",
         409: "too many live subscriptions", 422: "a URL this environment does not deliver to (http outside development)"}


def _resp(description: str, ref: str | None = None) -> dict:
    out = {"description": description}
    if ref is not None:
        out["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
    return out


def _errors(*codes: int) -> dict:
    return {str(c): {"description": WORDS[c], "content": {"application/json": {"schema": ERR}}} for c in codes}


def webhook_schemas() -> dict:
    sub = {"subscription_id": {"type": "string"}, "url": {"type": "string"}, "status": {"type": "string"},
           "event_types": {"type": "array", "items": {"type": "string"}}, "changed_at": {"type": "string", "format": "date-time"}}
    return {
        "SubscriptionRequest": {"type": "object", "required": ["url"], "properties": {
            "url": {"type": "string", "format": "uri", "maxLength": MAX_URL, "example": "https://hooks.example/remedy",
                    "description": "https (http only in development)"},
            "event_types": {"type": "array", "items": {"type": "string"},
                            "description": "CaseEvent types to receive (a court may add CourtDocument, its documents); "
                                           "absent or empty: every event that concerns the party"}}},
        "Subscription": {"type": "object", "required": ["subscription_id", "url"], "properties": sub},
        "NewSubscription": {"type": "object", "required": ["subscription_id", "secret"], "properties": {
            **sub, "secret": {"type": "string", "description": "the signing secret: shown once, now"}}},
        "Subscriptions": {"type": "object", "properties": {"total": {"type": "integer"}, "subscriptions": {
            "type": "array", "items": {"$ref": "#/components/schemas/Subscription"}}}},
        "Delivery": {"type": "object", "properties": {
            "delivery_id": {"type": "string"}, "subscription_id": {"type": "string"}, "event_id": {"type": "string"},
            "event_type": {"type": "string"}, "case_id": {"type": "string"}, "status": {"type": "string", "enum": list(STATUSES)},
            "attempt": {"type": "integer"}, "http_status": {"type": "integer", "nullable": True}, "error": {"type": "string"},
            "next_attempt_at": {"type": "string", "format": "date-time", "nullable": True},
            "at": {"type": "string", "format": "date-time"}}},
        "Deliveries": {"type": "object", "properties": {"total": {"type": "integer"}, "deliveries": {
            "type": "array", "items": {"$ref": "#/components/schemas/Delivery"}}}},
        "Replay": {"type": "object", "properties": {"replay_id": {"type": "string"}, "delivery_id": {"type": "string"}}},
    }


def webhook_paths() -> dict:
    sub_id = {"name": "subscription_id", "in": "path", "required": True, "schema": {"type": "string"}}
    delivery_id = {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/v1/webhooks/subscriptions": {
            "post": {"summary": "Subscribe a URL to the party's case events (webhooks.subscriptions); the answer holds the "
                                "signing secret, once", "security": SECURITY,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/SubscriptionRequest"}}}},
                     "responses": {"201": _resp("subscribed", "NewSubscription"), **_errors(400, 401, 403, 409, 422)}},
            "get": {"summary": "The party's live subscriptions (without secrets)", "security": SECURITY,
                    "responses": {"200": _resp("subscriptions", "Subscriptions"), **_errors(401, 403)}}},
        "/v1/webhooks/subscriptions/{subscription_id}": {"delete": {
            "summary": "Delete a subscription: nothing more is attempted to it", "security": SECURITY, "parameters": [sub_id],
            "responses": {"200": _resp("deleted", "Subscription"), **_errors(401, 403, 404)}}},
        "/v1/webhooks/deliveries": {"get": {
            "summary": "The party's delivery log: each delivery as last reported, oldest change first", "security": SECURITY,
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
                           {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"},
                            "description": "deliveries changed at or after this instant"},
                           {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
            "responses": {"200": _resp("deliveries", "Deliveries"), **_errors(400, 401, 403)}}},
        "/v1/webhooks/deliveries/{delivery_id}/replay": {"post": {
            "summary": "Send a delivery again, the same event id (webhooks.replays)", "security": SECURITY,
            "parameters": [delivery_id],
            "responses": {"202": _resp("replay requested", "Replay"), **_errors(401, 403, 404)}}},
    }
