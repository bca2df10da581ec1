"""OpenAPI paths of what a court and a mediation centre see of their own cases (routes/parties.py)."""
from __future__ import annotations


def party_paths(_resp, _errors) -> dict:
    listed = {"type": "object"}
    return {
        "/v1/courts/cases": {"get": {
            "summary": "A court's open cases by what it owes them (confirmations, filings, judgments, enforcements), "
                       "each with its next deadline; signed as its decisions are, over 'GET <path?query>'",
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
