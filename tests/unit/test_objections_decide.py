"""objections, pure: stage tracking, objections and holds, resolution, overdue answers, hardship, complaints, lender stops."""
from __future__ import annotations

from datetime import date

import pytest

from services.objections import decide as d
from tests.stage_scripts import Script, days, utc

RULES = d.ObjectionRules(20, "Consumer Protection Bureau X")
T0 = utc(2026, 5, 4, 2)


def types(decision):
    return [e.record["type"] for e in decision.emits]


def body(decision, type_):
    (b,) = [e.record["event"] for e in decision.emits if e.record["type"] == type_]
    return b


def docket_at(s: Script, *events):
    docket = d.on_case_event(None, s.opened(T0 - days(30))).docket
    for ev in events:
        docket = d.on_case_event(docket, ev).docket
    return docket


def in_court_mediation(s):
    return docket_at(s, s.triaged(T0 - days(29)),
                     s.event("MediatorAssigned", {"tier": "COURT", "mediator_id": "M1", "queue_wait_ms": 0}, T0 - days(28)))


def objected(s, at=T0, ground="WRONG_AMOUNT", request_id="R-obj"):
    return d.on_request(in_court_mediation(s), s.request("OBJECTION", at, request_id, ground=ground), "debtor.requests/0/1",
                        at, RULES)


def test_stage_is_tracked_from_the_case_log():
    s = Script()
    assert in_court_mediation(s).stage == "COURT_MEDIATION"
    assert docket_at(s, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED")).stage == "LITIGATION"
    assert docket_at(s, s.event("ConfirmationGranted", {"court": "C", "ruling_no": "1"}, T0)).stage == "PERFORMING"
    assert docket_at(s, s.closed(T0)).closed


def test_an_objection_is_filed_with_its_answer_date_and_holds_the_case_at_its_stage():
    out = objected(Script())
    assert types(out) == ["ObjectionFiled", "CaseHeld"]
    assert body(out, "ObjectionFiled") == {"objection_id": "R-obj", "ground": "WRONG_AMOUNT", "detail": "",
                                           "answer_by": date(2026, 5, 24)}
    assert body(out, "CaseHeld") == {"reason": "OBJECTION", "objection_id": "R-obj", "stage": "COURT_MEDIATION"}
    assert out.docket.stage == "ON_HOLD"


@pytest.mark.parametrize("ground", sorted(d.GROUNDS))
def test_every_ground_is_accepted(ground):
    assert types(objected(Script(), ground=ground))[0] == "ObjectionFiled"


def test_bad_grounds_unknown_and_closed_cases_are_dead_lettered():
    s = Script()
    with pytest.raises(d.InvalidRequest):
        objected(s, ground="DONT_LIKE_IT")
    with pytest.raises(d.UnknownCase):
        d.on_request(None, s.request("OBJECTION", T0, ground="OTHER"), "r/0/1", T0, RULES)
    closed = docket_at(s, s.closed(T0))
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_request(closed, s.request("OBJECTION", T0, ground="OTHER"), "r/0/1", T0, RULES)


def test_a_second_objection_while_held_is_filed_without_a_second_hold_and_release_waits_for_both():
    s = Script()
    docket = objected(s).docket
    out = d.on_request(docket, s.request("OBJECTION", T0 + days(1), "R-2", ground="ALREADY_PAID"), "r/0/2", T0 + days(1), RULES)
    assert types(out) == ["ObjectionFiled"]
    first = d.on_request(out.docket, s.request("OBJECTION_DECISION", T0 + days(3), objection_id="R-obj", decision="DISMISSED"),
                         "r/0/3", T0 + days(3), RULES)
    assert types(first) == ["ObjectionResolved"]
    second = d.on_request(first.docket, s.request("OBJECTION_DECISION", T0 + days(5), objection_id="R-2", decision="DISMISSED"),
                          "r/0/4", T0 + days(5), RULES)
    assert body(second, "CaseReleased") == {"stage": "COURT_MEDIATION", "held_ms": 5 * 86_400_000}


def test_unanswered_objection_goes_overdue_once_after_its_answer_date():
    s = Script()
    docket = objected(s).docket
    assert d.next_due_ms(docket) == d.ms(utc(2026, 5, 24, 16))  # 25 May 00:00 China
    assert d.on_tick(docket, utc(2026, 5, 24, 15, 59)).emits == []
    out = d.on_tick(docket, utc(2026, 5, 24, 16))
    assert body(out, "ObjectionOverdue") == {"objection_id": "R-obj", "answer_by": date(2026, 5, 24)}
    assert out.overdue == 1
    assert d.on_tick(out.docket, utc(2026, 6, 30)).emits == []
    assert d.next_due_ms(out.docket) is None


def test_upheld_close_closes_the_case_at_the_stage_it_was_held():
    s = Script()
    out = d.on_request(objected(s).docket, s.request("OBJECTION_DECISION", T0 + days(2), objection_id="R-obj",
                                                      decision="UPHELD_CLOSE", detail="identity confirmed stolen"),
                       "r/0/5", T0 + days(2), RULES)
    assert types(out) == ["ObjectionResolved", "CaseClosed"]
    assert body(out, "CaseClosed") == {"reason": "OBJECTION_UPHELD", "final_stage": "COURT_MEDIATION", "recovered_cents": 0}
    assert d.on_tick(out.docket, T0 + days(60)).emits == [], "no overdue for a closed case"


def test_upheld_amend_resumes_with_the_amended_amount():
    s = Script()
    out = d.on_request(objected(s).docket, s.request("OBJECTION_DECISION", T0 + days(1), objection_id="R-obj",
                                                      decision="UPHELD_AMEND", amended_principal_cents=600_000),
                       "r/0/6", T0 + days(1), RULES)
    assert types(out) == ["ObjectionResolved", "CaseReleased"]
    assert body(out, "ObjectionResolved")["amended_principal_cents"] == 600_000
    assert body(out, "CaseReleased") == {"stage": "COURT_MEDIATION", "held_ms": 86_400_000}
    with pytest.raises(d.InvalidRequest):
        d.on_request(objected(Script("L2")).docket, Script("L2").request("OBJECTION_DECISION", T0, objection_id="R-obj",
                                                                           decision="UPHELD_AMEND"), "r/0/7", T0, RULES)


def test_decisions_for_unknown_or_resolved_objections_are_dead_lettered():
    s = Script()
    docket = objected(s).docket
    with pytest.raises(d.InvalidRequest):
        d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="nope", decision="DISMISSED"), "r/0/8", T0, RULES)
    docket = d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="R-obj", decision="DISMISSED"), "r/0/9",
                          T0, RULES).docket
    with pytest.raises(d.OutOfOrder):
        d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="R-obj", decision="DISMISSED"), "r/0/10", T0, RULES)


def test_redelivered_requests_change_nothing():
    s = Script()
    request = s.request("OBJECTION", T0, "R-x", ground="OTHER")
    docket = d.on_request(in_court_mediation(s), request, "r/0/1", T0, RULES).docket
    assert d.on_request(docket, request, "r/0/1", T0, RULES).outcome == "duplicate"


def test_hardship_claim_routes_an_active_case_to_relief_or_waits_for_the_release():
    s = Script()
    out = d.on_request(in_court_mediation(s), s.request("HARDSHIP_CLAIM", T0, hardship_kinds=["unemployed"]), "r/0/1", T0, RULES)
    assert body(out, "CaseEscalated") == {"from_stage": "COURT_MEDIATION", "to_stage": "RELIEF", "reason": "HARDSHIP_CLAIM"}
    again = d.on_request(out.docket, s.request("HARDSHIP_CLAIM", T0), "r/0/2", T0, RULES)
    assert again.emits == []
    held = objected(Script("L3")).docket
    s3 = Script("L3")
    waiting = d.on_request(held, s3.request("HARDSHIP_CLAIM", T0), "r/0/3", T0, RULES)
    assert waiting.emits == [], "no escalation while held"
    released = d.on_request(waiting.docket, s3.request("OBJECTION_DECISION", T0 + days(1), objection_id="R-obj",
                                                       decision="DISMISSED"), "r/0/4", T0 + days(1), RULES)
    assert types(released) == ["ObjectionResolved", "CaseReleased", "CaseEscalated"]


def test_complaints_are_forwarded_to_the_configured_department():
    s = Script()
    out = d.on_request(in_court_mediation(s), s.request("COMPLAINT", T0, "C-1", detail="rude calls"), "r/0/1", T0, RULES)
    assert body(out, "ComplaintForwarded") == {"department": "Consumer Protection Bureau X", "complaint_id": "C-1"}


def test_other_request_kinds_are_left_to_their_services():
    s = Script()
    assert d.on_request(in_court_mediation(s), s.request("OPT_OUT", T0, channel="SMS"), "r/0/1", T0, RULES).outcome == "ignored"


def test_lender_withdrawal_and_payment_in_full_stop_the_case_wherever_it_is():
    s = Script()
    out = d.on_lender_update(objected(s).docket, s.lender_update("WITHDRAWN", T0), "lender.updates/0/1", T0)
    assert types(out) == ["CaseWithdrawn", "CaseClosed"]
    assert body(out, "CaseClosed") == {"reason": "WITHDRAWN", "final_stage": "COURT_MEDIATION", "recovered_cents": 0}
    assert d.on_tick(out.docket, T0 + days(60)).emits == []
    s2 = Script("L2")
    litigating = docket_at(s2, s2.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"))
    update = s2.lender_update("PAID_IN_FULL", T0)
    paid = d.on_lender_update(litigating, update, "lender.updates/0/2", T0)
    assert types(paid) == ["CaseClosed"]
    assert body(paid, "CaseClosed")["reason"] == "LENDER_PAID_IN_FULL"
    assert body(paid, "CaseClosed")["final_stage"] == "LITIGATION"
    assert d.on_lender_update(paid.docket, update, "lender.updates/0/2", T0).outcome == "duplicate"
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_lender_update(paid.docket, s2.lender_update("WITHDRAWN", T0), "lender.updates/0/3", T0)


def test_lender_updates_from_another_lender_or_for_unknown_cases_are_dead_lettered():
    s = Script()
    update = {**s.lender_update("WITHDRAWN", T0), "lender_id": "SOMEONE-ELSE"}
    with pytest.raises(d.InvalidRequest):
        d.on_lender_update(in_court_mediation(s), update, "l/0/1", T0)
    with pytest.raises(d.UnknownCase):
        d.on_lender_update(None, s.lender_update("WITHDRAWN", T0), "l/0/1", T0)


def test_stage_changes_seen_while_held_are_where_the_case_resumes():
    s = Script()
    docket = objected(s).docket
    docket = d.on_case_event(docket, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED")).docket
    assert docket.stage == "ON_HOLD" and docket.held_stage == "LITIGATION"
