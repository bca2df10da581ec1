"""The request and answer bodies of the gateway's OpenAPI document (``#/components/schemas/<name>``)."""
from __future__ import annotations

from remedy.contract.roster import MODES
from services.gateway.openapi_debtors import complaint_schemas
from services.gateway.projection import STAGES
from services.gateway.validation import (CHANNELS, COMPLAINT_CATEGORIES, DEBTOR_KINDS, DECISION_KINDS, ENFORCEMENT_RESULTS,
                                         GROUNDS, HARDSHIP_KINDS, OUTCOMES, PLAN_KINDS)

CENTS = {"type": "integer", "minimum": 1, "maximum": 10 ** 13}
STR = {"type": "string", "maxLength": 2000}


def schemas() -> dict:
    """The request and answer bodies, by name (``#/components/schemas/<name>``)."""
    return {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
        "Accepted": {"type": "object", "additionalProperties": True},
        "CaseView": case_view(),
        "Withdrawal": {"type": "object", "properties": {"note": STR}},
        "LenderPayment": {"type": "object", "required": ["amount_cents"], "properties": {
            "amount_cents": CENTS, "paid_in_full": {"type": "boolean"}, "payment_ref": {"type": "string", "maxLength": 128},
            "paid_at": {"type": "string", "format": "date-time"}, "note": STR},
            "description": "paid_in_full → lender.updates PAID_IN_FULL; otherwise payment_ref is required → payments"},
        "Plan": {"type": "object", "required": ["kind", "total_cents", "instalments"], "properties": {
            "kind": {"type": "string", "enum": list(PLAN_KINDS)}, "total_cents": CENTS,
            "waived_penalty_cents": {"type": "integer", "minimum": 0}, "waived_interest_cents": {"type": "integer", "minimum": 0},
            "instalments": {"type": "array", "minItems": 1, "maxItems": 120, "items": {
                "type": "object", "required": ["due_date", "amount_cents"], "properties": {
                    "seq": {"type": "integer"}, "due_date": {"type": "string", "format": "date"}, "amount_cents": CENTS}}}}},
        "Outcome": {"type": "object", "required": ["outcome"], "properties": {
            "outcome": {"type": "string", "enum": list(OUTCOMES)}, "plan": {"$ref": "#/components/schemas/Plan"},
            "note": STR, "outcome_id": {"type": "string", "maxLength": 128}},
            "description": "plan is required for SETTLED and OFFERED (offered to the debtor, who may accept it) and absent "
                           "otherwise"},
        "CourtDecision": {"type": "object", "required": ["decision_id", "case_id", "kind"], "properties": {
            "decision_id": {"type": "string"}, "case_id": {"type": "string"},
            "kind": {"type": "string", "enum": list(DECISION_KINDS)}, "court_case_no": {"type": "string"},
            "awarded_cents": CENTS, "performance_due": {"type": "string", "format": "date"},
            "enforcement_result": {"type": "string", "enum": list(ENFORCEMENT_RESULTS)},
            "recovered_cents": {"type": "integer", "minimum": 0}, "reason": STR,
            "decided_at": {"type": "string", "format": "date-time"}}},
        "Payment": {"type": "object", "required": ["payment_ref", "case_id", "amount_cents"], "properties": {
            "payment_ref": {"type": "string", "maxLength": 128}, "case_id": {"type": "string"}, "amount_cents": CENTS,
            "paid_at": {"type": "string", "format": "date-time"}, "channel": {"type": "string", "maxLength": 64}}},
        "DebtorRequest": {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": list(DEBTOR_KINDS)}, "ground": {"type": "string", "enum": list(GROUNDS)},
            "detail": STR, "channel": {"type": "string", "enum": list(CHANNELS)},
            "hardship_kinds": {"type": "array", "items": {"type": "string", "enum": list(HARDSHIP_KINDS)}},
            "category": {"type": "string", "enum": list(COMPLAINT_CATEGORIES)}},
            "description": "OBJECTION needs ground; OPT_OUT needs channel; HARDSHIP_CLAIM needs hardship_kinds; COMPLAINT "
                           "needs category and detail (its text); ACCEPT_OFFER needs an open offer (409 otherwise)"},
        "Designation": {"type": "object", "required": ["regions", "daily_capacity"], "properties": {
            "tier": {"type": "string", "enum": ["PEOPLES"]},
            "regions": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^(\\d{2}|\\d{4}|\\d{6})$"}},
            "modes": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": list(MODES)}},
            "daily_capacity": {"type": "integer", "minimum": 0, "maximum": 1000}}},
        "BatchStatus": {"type": "object", "required": ["batch_id", "accepted", "rejected"], "properties": {
            "batch_id": {"type": "string"}, "published": {"type": "integer"}, "accepted": {"type": "integer"},
            "rejected": {"type": "integer"}, "complete": {"type": "boolean"}, "refused_at_gateway": {"type": "integer"},
            "upload_complete": {"type": "boolean"},
            "upload_broken_off": {"type": "boolean", "description": "the upload stopped before its end; its rows so "
                                                                    "far are kept and the batch_id may be sent again"},
            "rejections": {"type": "array", "items": {"$ref": "#/components/schemas/Rejection"}}}},
        "Rejection": {"type": "object", "description": "intake's answer for one row: what to fix, never the row's data",
                      "properties": {"loan_id": STR, "reason_codes": {"type": "array", "items": STR}, "message": STR,
                                     "problems": {"type": "array", "items": {"type": "object", "properties": {
                                         "field": STR, "code": STR, "message_zh": STR, "message_en": STR}}}}},
        **complaint_schemas(),
    }


def case_view() -> dict:
    """A case as a party sees it (the debtor's view adds its complaints)."""
    return {"type": "object", "required": ["case_id", "stage", "total_due_cents"], "properties": {
            "case_id": {"type": "string"}, "lender_id": {"type": "string"}, "loan_id": {"type": "string"},
            "batch_id": {"type": "string"}, "stage": {"type": "string", "enum": list(STAGES)},
            "region_code": {"type": "string"}, "principal_cents": {"type": "integer"},
            "interest_cents": {"type": "integer"}, "penalty_cents": {"type": "integer"},
            "total_due_cents": {"type": "integer"}, "paid_cents": {"type": "integer"},
            "next_deadline": {"type": "object", "nullable": True}, "timeline": {"type": "array", "items": {"type": "object"}},
            "sessions": {"type": "array", "items": {"type": "object"}},
            "offer": {"type": "object", "nullable": True, "description": "The mediator's open offer (accept with "
                      "ACCEPT_OFFER before expires_at_ms): source, tier, plan, expires_at_ms"},
            "plan": {"type": "object", "nullable": True, "description": "The plan agreed: source, plan"},
            "filing": {"type": "object", "nullable": True, "description": "The lender's view only: its filing, status "
                       "WITHHELD (no evidence: upload a file, docs/rules.md E8) or FILED, court, reason or bundle_id, at_ms"},
            "complaints": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"},
                           "description": "The debtor's own view only"},
            "credit": {"type": "object", "nullable": True, "description": "The debtor's credit record: status "
                       "REPORT_PLANNED | REPORTED | REPORT_WITHHELD | CORRECTED, on (epoch ms), reason"}}}
