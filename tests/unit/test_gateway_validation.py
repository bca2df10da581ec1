"""Request bodies → input records; every refusal names its field."""
from __future__ import annotations

from datetime import date

import pytest

from services.gateway import validation as v
from sim.defaults import utc

NOW = utc(2026, 11, 28, 4)
PLAN = {"kind": "INSTALMENTS", "total_cents": 300,
        "instalments": [{"due_date": "2026-12-01", "amount_cents": 100}, {"due_date": "2027-01-01", "amount_cents": 200}]}


def refused(fn, body, **kw):
    with pytest.raises(v.BadRequest) as exc:
        fn(body, **kw)
    return exc.value.field, exc.value.problem


OUT = dict(case_id="C1", mediator_id="M1", tier="PEOPLES", new_id="MO-1", now=NOW)


def test_a_settled_outcome_carries_its_plan():
    record = v.outcome({"outcome": "SETTLED", "plan": PLAN, "note": "ok"}, **OUT)
    assert record["plan"]["instalments"][1] == {"seq": 2, "due_date": date(2027, 1, 1), "amount_cents": 200}
    assert (record["outcome_id"], record["tier"], record["recorded_at"]) == ("MO-1", "PEOPLES", NOW)


@pytest.mark.parametrize("body,field,words", [
    ([], "body", "JSON object"),
    ({}, "outcome", "required"),
    ({"outcome": "WON"}, "outcome", "one of SETTLED"),
    ({"outcome": "SETTLED"}, "plan", "required when outcome is SETTLED"),
    ({"outcome": "FAILED", "plan": PLAN}, "plan", "absent"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "kind": "X"}}, "plan.kind", "one of"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "total_cents": 1.5}}, "plan.total_cents", "integer number of fen"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "total_cents": 301}}, "plan.instalments", "add up to total_cents (301)"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "instalments": []}}, "plan.instalments", "non-empty"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "instalments": [PLAN["instalments"][0], {"due_date": "2027-13-01", "amount_cents": 200}]}},
     "plan.instalments[1].due_date", "YYYY-MM-DD"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "instalments": [PLAN["instalments"][0], {"due_date": "2027-01-01", "amount_cents": 0}]}},
     "plan.instalments[1].amount_cents", "greater than zero"),
    ({"outcome": "SETTLED", "plan": {**PLAN, "instalments": PLAN["instalments"][::-1]}}, "plan.instalments", "backwards"),
    ({"outcome": "FAILED", "note": 7}, "note", "string"),
])
def test_outcome_refusals_name_the_field(body, field, words):
    got_field, problem = refused(v.outcome, body, **OUT)
    assert got_field == field and words in problem


def test_court_decisions_need_what_their_kind_needs():
    ok = v.court_decision({"decision_id": "D", "case_id": "C", "kind": "JUDGMENT", "court_case_no": "N", "awarded_cents": 5,
                           "performance_due": "2027-01-01"}, court="CT-1", now=NOW)
    assert (ok["court"], ok["awarded_cents"], ok["performance_due"], ok["decided_at"]) == ("CT-1", 5, date(2027, 1, 1), NOW)
    base = {"decision_id": "D", "case_id": "C"}
    assert refused(v.court_decision, {**base, "kind": "JUDGMENT", "court_case_no": "N"}, court="c", now=NOW)[0] == "awarded_cents"
    assert refused(v.court_decision, {**base, "kind": "ENFORCEMENT_RESULT"}, court="c", now=NOW)[0] == "enforcement_result"
    assert refused(v.court_decision, {**base, "kind": "FILING_ACCEPTED"}, court="c", now=NOW)[0] == "court_case_no"
    assert refused(v.court_decision, {**base, "kind": "FILING_REJECTED", "decided_at": "soon"}, court="c", now=NOW)[0] == "decided_at"


def test_payments_and_lender_reports():
    p = v.payment({"payment_ref": "R", "case_id": "C", "amount_cents": 10, "paid_at": "2026-11-27T10:00:00Z"}, now=NOW)
    assert p["paid_at"] == utc(2026, 11, 27, 10) and p["channel"] == "bank_transfer"
    assert refused(v.payment, {"payment_ref": "R", "case_id": "C", "amount_cents": True}, now=NOW)[0] == "amount_cents"
    topic, rec = v.lender_payment({"amount_cents": 9, "paid_in_full": True}, case_id="C", lender_id="L", new_id="U", now=NOW)
    assert topic == "lender.updates" and rec["kind"] == "PAID_IN_FULL"
    topic, rec = v.lender_payment({"amount_cents": 9, "payment_ref": "R"}, case_id="C", lender_id="L", new_id="U", now=NOW)
    assert topic == "payments" and rec["channel"] == "lender_reported"
    assert refused(v.lender_payment, {"amount_cents": 9}, case_id="C", lender_id="L", new_id="U", now=NOW)[0] == "payment_ref"
    assert v.withdrawal({}, case_id="C", lender_id="L", update_id="U", now=NOW)["kind"] == "WITHDRAWN"


@pytest.mark.parametrize("body,field", [
    ({"kind": "OBJECTION"}, "ground"), ({"kind": "OBJECTION", "ground": "OTHER"}, "detail"),
    ({"kind": "OPT_OUT", "channel": "PIGEON"}, "channel"), ({"kind": "HARDSHIP_CLAIM"}, "hardship_kinds"),
    ({"kind": "HARDSHIP_CLAIM", "hardship_kinds": ["unemployed", "bored"]}, "hardship_kinds[1]"), ({"kind": "PAY"}, "kind"),
])
def test_debtor_request_refusals(body, field):
    assert refused(v.debtor_request, body, case_id="C", new_id="R", now=NOW)[0] == field


def test_debtor_requests_become_records():
    r = v.debtor_request({"kind": "HARDSHIP_CLAIM", "hardship_kinds": ["unemployed", "disaster", "unemployed"]},
                         case_id="C", new_id="R", now=NOW)
    assert r["hardship_kinds"] == ["disaster", "unemployed"] and r["ground"] is None
    r = v.debtor_request({"kind": "OPT_OUT", "channel": "SMS"}, case_id="C", new_id="R", now=NOW)
    assert (r["kind"], r["channel"], r["submitted_at"]) == ("OPT_OUT", "SMS", NOW)
