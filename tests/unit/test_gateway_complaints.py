"""The gateway's side of offers and complaints: an offer is open until it lapses or the case moves on; complaints
are shown to the debtor and to their department with their texts (kept from debtor.requests, never from the
case log), to a lender without them; the portal's complaint form and list; the API's validation."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from remedy.kernel.clock import CHINA_TZ
from remedy.kernel.deadlines import ms
from services.gateway import complaints, portal_page, validation
from services.gateway.audit import for_lender
from services.gateway.projection import Projection
from tests.unit.test_gateway_projection import NOW, opened, roundtrip
from tests.gateway_helpers import event

PLAN = {"kind": "LUMP_SUM", "total_cents": 900_000, "waived_penalty_cents": 0, "waived_interest_cents": 0,
        "instalments": [{"seq": 1, "due_date": date(2026, 12, 30), "amount_cents": 900_000}]}
TEXT, ANSWER = "催收员给我单位打电话", "已责令停止联系第三人"


def setup():
    o = opened("LENDER-A", "L-1", "D-1", NOW)
    cid = o["case_id"]
    p = Projection()
    p.apply_event(roundtrip(o))
    ev = lambda t, b, n, cause: p.apply_event(roundtrip(event(t, b, cid, "LENDER-A", NOW + timedelta(hours=n), cause=cause)))  # noqa: E731
    return p, cid, ev


def request(cid: str, kind: str, detail: str, **kw) -> dict:
    return {"request_id": kw.pop("request_id", "R-1"), "case_id": cid, "kind": kind, "detail": detail, **kw}


def test_an_offer_is_open_until_it_expires_and_closes_when_the_case_settles():
    p, cid, ev = setup()
    expires = NOW + timedelta(days=30)
    ev("SettlementOffered", {"tier": "PEOPLES", "mediator_id": "M1", "plan": PLAN, "expires_at": expires}, 1, "c1")
    case = p.cases[cid]
    assert case.open_offer(ms(NOW))["plan"]["total_cents"] == 900_000
    assert case.open_offer(ms(expires)) is None, "lapsed"
    ev("MediationSettled", {"tier": "PEOPLES", "mediator_id": "M1", "plan": PLAN, "accepted_by_debtor": True}, 2, "c2")
    case = p.cases[cid]
    assert case.offer is None and case.plan["plan"]["total_cents"] == 900_000


@pytest.mark.parametrize("ends", ["MediationFailed", "CaseClosed"])
def test_an_offer_ends_with_its_tier_or_the_case(ends):
    p, cid, ev = setup()
    ev("SettlementOffered", {"tier": "PEOPLES", "mediator_id": "M1", "plan": PLAN, "expires_at": NOW + timedelta(days=9)}, 1, "c1")
    body = {"tier": "PEOPLES", "reason": "DEADLINE"} if ends == "MediationFailed" else \
        {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0}
    ev(ends, body, 2, "c2")
    assert p.cases[cid].open_offer(ms(NOW)) is None


def test_a_complaint_is_shown_to_its_debtor_and_department_with_its_texts_and_to_no_other_department():
    p, cid, ev = setup()
    p.apply_input("debtor.requests", "debtor.requests/0/5", request(cid, "COMPLAINT", TEXT, category="PRIVACY"))
    due = datetime(2026, 12, 19, tzinfo=CHINA_TZ)
    ev("ComplaintRouted", {"complaint_id": "R-1", "category": "PRIVACY", "department": "FINANCIAL_REGULATOR",
                           "department_id": "DEPT-CBIRC-350500", "due_at": due}, 1, "debtor.requests/0/5")
    (mine,) = complaints.for_department(p, "DEPT-CBIRC-350500")
    assert (mine["text"], mine["status"], mine["due_at_ms"], mine["case_id"]) == (TEXT, "ROUTED", ms(due), cid)
    assert complaints.for_department(p, "DEPT-CA-350500") == [] and complaints.found(p, "DEPT-CA-350500", "R-1") is None
    assert complaints.for_department(p, "DEPT-CBIRC-350500", "ANSWERED") == []
    p.apply_input("debtor.requests", "debtor.requests/0/9", request(cid, "COMPLAINT_ANSWER", ANSWER, request_id="A-1"))
    ev("ComplaintAnswered", {"complaint_id": "R-1", "department": "FINANCIAL_REGULATOR", "department_id": "DEPT-CBIRC-350500",
                             "outcome": "UPHELD", "late": False}, 2, "debtor.requests/0/9")
    (seen,) = complaints.for_debtor(p, p.cases[cid])
    assert seen["status"] == "ANSWERED" and seen["text"] == TEXT
    assert (seen["answer"]["outcome"], seen["answer"]["text"]) == ("UPHELD", ANSWER)
    assert TEXT not in str(p.timeline(cid)) and ANSWER not in str(p.timeline(cid)), "no text on the case log"
    lender = for_lender(p.audit_inputs(cid))
    assert TEXT not in str(lender) and ANSWER not in str(lender), "a lender's audit trail withholds them"
    page = portal_page.case({**p.cases[cid].summary(), "next_deadline": None, "offer": None,
                             "complaints": complaints.for_debtor(p, p.cases[cid])}, "zh")
    assert "国家金融监督管理总局派出机构" in page and "已答复" in page and ANSWER in page and "2026年12月18日" in page


def test_an_unanswered_complaint_shows_overdue():
    p, cid, ev = setup()
    ev("ComplaintRouted", {"complaint_id": "R-1", "category": "OTHER", "department": "LENDER_COMPLAINT_DESK",
                           "department_id": "DEPT-LENDER-LENDER-A", "due_at": NOW}, 1, "x")
    ev("ComplaintOverdue", {"complaint_id": "R-1", "department": "LENDER_COMPLAINT_DESK",
                            "department_id": "DEPT-LENDER-LENDER-A", "due_at": NOW}, 2, "x")
    assert p.cases[cid].complaints["R-1"]["status"] == "OVERDUE"


def test_the_portal_offers_a_complaint_form_in_both_languages_and_shows_the_offers_expiry():
    view = {"case_id": "C1", "stage": "PEOPLES_MEDIATION", "principal_cents": 1, "interest_cents": 0, "penalty_cents": 0,
            "total_due_cents": 1, "paid_cents": 0, "next_deadline": None,
            "offer": {"plan": PLAN, "expires_at_ms": ms(datetime(2027, 1, 4, 12, tzinfo=CHINA_TZ))}}
    zh, en = portal_page.case(view, "zh"), portal_page.case(view, "en")
    assert 'value="COMPLAINT"' in zh and "催收行为" in zh and "有效期至 2027年1月4日" in zh
    assert "Make a complaint" in en and "collection conduct" in en and "open until 4 Jan 2027" in en


def test_a_complaint_needs_a_category_and_its_text_and_an_answer_an_outcome():
    new = dict(case_id="C1", new_id="R", now=NOW)
    with pytest.raises(validation.BadRequest, match="category"):
        validation.debtor_request({"kind": "COMPLAINT", "detail": "x"}, **new)
    with pytest.raises(validation.BadRequest, match="detail"):
        validation.debtor_request({"kind": "COMPLAINT", "category": "OTHER"}, **new)
    r = validation.debtor_request({"kind": "COMPLAINT", "category": "OTHER", "detail": TEXT}, **new)
    assert (r["category"], r["detail"]) == ("OTHER", TEXT)
    answer = dict(case_id="C1", complaint_id="R", department_id="D", new_id="A", now=NOW)
    with pytest.raises(validation.BadRequest, match="outcome"):
        validation.complaint_answer({"text": "y", "outcome": "MAYBE"}, **answer)
    assert validation.complaint_answer({"text": "y", "outcome": "UPHELD"}, **answer)["kind"] == "COMPLAINT_ANSWER"


def test_the_debtor_may_complain_about_a_closed_case_but_accepts_only_an_open_offer_on_an_active_one():
    import asyncio
    import json

    from services.gateway.routes.debtor import submit

    p, cid, ev = setup()
    sent = []

    class Gw:
        clock = type("C", (), {"now": staticmethod(lambda: NOW)})
        projection = p

        async def publish(self, topic, key, schema, record):
            sent.append(record["kind"])

    def answer(kind, **body):
        response = asyncio.run(submit(Gw(), p.cases[cid], {"kind": kind, **body}))
        return response.status, json.loads(response.body)

    assert answer("ACCEPT_OFFER")[0] == 409
    ev("SettlementOffered", {"tier": "PEOPLES", "mediator_id": "M1", "plan": PLAN, "expires_at": NOW + timedelta(days=3)}, 1, "c1")
    ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "O1", "stage": "PEOPLES_MEDIATION"}, 2, "c2")
    status, body = answer("ACCEPT_OFFER")
    assert status == 409 and "on hold" in body["error"]
    ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 0}, 3, "c3")
    assert answer("ACCEPT_OFFER")[0] == 202
    ev("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "PEOPLES_MEDIATION", "recovered_cents": 0}, 4, "c4")
    assert answer("OPT_OUT", channel="SMS")[0] == 409
    assert answer("COMPLAINT", category="OTHER", detail=TEXT)[0] == 202
    assert sent == ["ACCEPT_OFFER", "COMPLAINT"]
