"""objections' complaints, pure: the routing rule table (docs/rules.md C1 – C4), each department's term, the
answer and its refusals, the overdue tick; no complaint text ever reaches an event."""
from __future__ import annotations

from datetime import datetime

import pytest

from remedy.kernel.clock import CHINA_TZ
from services.objections import complaints as c
from services.objections import decide as d
from services.objections.rules import ComplaintRules, Term
from tests.stage_scripts import Script, days, utc

RULES = d.ObjectionRules(20)
T0 = utc(2026, 5, 4, 2)            # Monday 4 May 2026, 10:00 in China (Labour Day holiday to 5 May; Saturday 9 May is worked)
TEXT = "催收员多次给我单位打电话"


def docket_of(s: Script, triaged: bool = True):
    docket = d.on_case_event(None, s.opened(T0 - days(30)), T0).file
    if triaged:
        docket = d.on_case_event(docket, s.triaged(T0 - days(29)), T0).file
    return docket


def complain(docket, s: Script, category: str | None, request_id: str = "C-1", at=T0):
    return d.on_request(docket, s.request("COMPLAINT", at, request_id, detail=TEXT, category=category),
                        "debtor.requests/0/1", at, RULES)


def answer(docket, s: Script, department_id: str, request_id: str = "A-1", outcome: str = "UPHELD", at=T0,
           complaint_id: str = "C-1"):
    return d.on_request(docket, s.request("COMPLAINT_ANSWER", at, request_id, detail="已责令整改", complaint_id=complaint_id,
                                          department_id=department_id, answer_outcome=outcome),
                        "debtor.requests/0/2", at, RULES)


def routed(decision) -> dict:
    (e,) = decision.emits
    assert e.record["type"] == "ComplaintRouted"
    return e.record["event"]


@pytest.mark.parametrize("category, department, department_id", [
    ("COLLECTION_CONDUCT", "FINANCIAL_REGULATOR", "DEPT-CBIRC-350500"),
    ("PRIVACY", "FINANCIAL_REGULATOR", "DEPT-CBIRC-350500"),
    ("FEES_AND_CHARGES", "LENDER_COMPLAINT_DESK", "DEPT-LENDER-LENDER-A"),
    ("OTHER", "LENDER_COMPLAINT_DESK", "DEPT-LENDER-LENDER-A"),
    (None, "LENDER_COMPLAINT_DESK", "DEPT-LENDER-LENDER-A"),
    ("CONTRACT_TERMS", "CONSUMER_ASSOCIATION", "DEPT-CA-350500"),
    ("MEDIATION_PROCESS", "MEDIATION_CENTRE", "DEPT-MC1"),
])
def test_every_category_is_routed_by_the_table_to_its_department(category, department, department_id):
    s = Script()
    body = routed(complain(docket_of(s), s, category))
    assert (body["category"], body["department"], body["department_id"]) == (category or "OTHER", department, department_id)
    assert TEXT not in str(body), "the complaint's text stays on debtor.requests"


def test_a_mediation_complaint_without_a_mediation_centre_goes_to_the_regulator():
    s = Script()
    assert routed(complain(docket_of(s, triaged=False), s, "MEDIATION_PROCESS"))["department_id"] == "DEPT-CBIRC-350500"


def test_terms_count_calendar_or_working_days():
    s = Script()
    desk = routed(complain(docket_of(s), s, "FEES_AND_CHARGES"))["due_at"]
    assert desk == datetime(2026, 5, 20, tzinfo=CHINA_TZ), "15 days [S16]: answered by the end of 19 May"
    regulator = routed(complain(docket_of(s), s, "COLLECTION_CONDUCT"))["due_at"]
    assert regulator == datetime(2026, 5, 26, tzinfo=CHINA_TZ), "15 working days: to Monday 25 May"
    slow = d.ObjectionRules(20, ComplaintRules(regulator=Term(3, False)))
    out = d.on_request(docket_of(s), s.request("COMPLAINT", T0, "C-9", category="PRIVACY"), "r/0/9", T0, slow)
    assert routed(out)["due_at"] == datetime(2026, 5, 8, tzinfo=CHINA_TZ), "an operator's setting"


def test_a_complaint_is_taken_on_a_closed_case_and_redelivery_changes_nothing():
    s = Script()
    docket = d.on_case_event(docket_of(s), s.closed(T0), T0).file
    first = complain(docket, s, "COLLECTION_CONDUCT")
    assert routed(first)["complaint_id"] == "C-1"
    assert complain(first.file, s, "COLLECTION_CONDUCT").outcome == "duplicate"


def test_an_unknown_category_is_refused():
    s = Script()
    with pytest.raises(d.InvalidRequest, match="category"):
        complain(docket_of(s), s, "WEATHER")


def test_the_department_answers_once_and_in_time():
    s = Script()
    docket = complain(docket_of(s), s, "COLLECTION_CONDUCT").file
    out = answer(docket, s, "DEPT-CBIRC-350500", at=T0 + days(3))
    (e,) = out.emits
    assert e.record["type"] == "ComplaintAnswered" and e.record["causation_id"] == "debtor.requests/0/2"
    assert e.record["event"] == {"complaint_id": "C-1", "department": "FINANCIAL_REGULATOR",
                                 "department_id": "DEPT-CBIRC-350500", "outcome": "UPHELD", "late": False}
    assert "已责令整改" not in str(e.record), "the answer's text stays on debtor.requests"
    assert d.next_due_ms(out.file, RULES) is None, "nothing left to wait for"
    with pytest.raises(d.OutOfOrder, match="already answered"):
        answer(out.file, s, "DEPT-CBIRC-350500", request_id="A-2")
    assert answer(out.file, s, "DEPT-CBIRC-350500").outcome == "duplicate", "the same answer again"


@pytest.mark.parametrize("department_id, complaint_id, outcome, why", [
    ("DEPT-CA-350500", "C-1", "UPHELD", "department the complaint was not routed to"),
    ("DEPT-CBIRC-350500", "C-404", "UPHELD", "no complaint routed"),
    ("DEPT-CBIRC-350500", "C-1", "MAYBE", "answer_outcome"),
])
def test_an_answer_from_another_department_to_nothing_or_without_outcome_is_refused(department_id, complaint_id, outcome, why):
    s = Script()
    docket = complain(docket_of(s), s, "COLLECTION_CONDUCT").file
    with pytest.raises(d.InvalidRequest, match=why):
        answer(docket, s, department_id, complaint_id=complaint_id, outcome=outcome)
    with pytest.raises(d.InvalidRequest, match="no complaint routed"):
        answer(docket_of(s), s, "DEPT-CBIRC-350500")


def test_an_unanswered_complaint_goes_overdue_once_and_a_late_answer_is_still_taken():
    s = Script()
    docket = complain(docket_of(s), s, "FEES_AND_CHARGES").file
    due = d.next_due_ms(docket, RULES)
    assert due == int(datetime(2026, 5, 20, tzinfo=CHINA_TZ).timestamp() * 1000)
    assert d.on_tick(docket, T0 + days(10), RULES).outcome == "ignored"
    late = d.on_tick(docket, T0 + days(16), RULES)
    (e,) = late.emits
    assert e.record["type"] == "ComplaintOverdue" and e.record["event"]["department_id"] == "DEPT-LENDER-LENDER-A"
    assert d.next_due_ms(late.file, RULES) is None and d.on_tick(late.file, T0 + days(17), RULES).outcome == "ignored"
    assert answer(late.file, s, "DEPT-LENDER-LENDER-A", at=T0 + days(18)).emits[0].record["event"]["late"] is True


def test_complaints_on_a_closed_case_still_fall_due():
    s = Script()
    docket = complain(docket_of(s), s, "CONTRACT_TERMS").file
    docket = d.on_case_event(docket, s.closed(T0), T0).file
    assert d.next_due_ms(docket, RULES) is not None
    assert [e.record["type"] for e in d.on_tick(docket, T0 + days(30), RULES).emits] == ["ComplaintOverdue"]


def test_the_rule_table_covers_every_category_and_department():
    assert set(c.ROUTES) == set(c.CATEGORIES) and set(c.ROUTES.values()) == set(c.DEPARTMENTS)
