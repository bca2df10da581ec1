"""objections, pure: stage tracking, objections and holds, resolution, overdue answers, hardship, complaints, lender stops,
and closing cases other stages finished (objections is the one producer of CaseClosed)."""
from __future__ import annotations

from datetime import date

import pytest

from services.objections import decide as d
from tests.stage_scripts import Script, days, utc

RULES = d.ObjectionRules(20)
T0 = utc(2026, 5, 4, 2)


def types(decision):
    return [e.record["type"] for e in decision.emits]


def body(decision, type_):
    (b,) = [e.record["event"] for e in decision.emits if e.record["type"] == type_]
    return b


def docket_at(s: Script, *events):
    docket = d.on_case_event(None, s.opened(T0 - days(30)), T0).file
    for ev in events:
        docket = d.on_case_event(docket, ev, T0).file
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
    assert body(out, "CaseHeld") == {"reason": "OBJECTION", "objection_id": "R-obj", "stage": "COURT_MEDIATION",
                                     "owner": "LENDER_COMPLAINT_DESK"}
    assert out.file.stage == "ON_HOLD"


def test_the_debtors_own_words_never_reach_the_case_log():
    s = Script()
    out = d.on_request(in_court_mediation(s), s.request("OBJECTION", T0, "R-words", ground="OTHER",
                                                        detail="张三 13800138000 说我没借过"), "debtor.requests/0/1", T0, RULES)
    assert body(out, "ObjectionFiled")["detail"] == "" and "张三" not in repr([e.record for e in out.emits])


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
    docket = objected(s).file
    out = d.on_request(docket, s.request("OBJECTION", T0 + days(1), "R-2", ground="ALREADY_PAID"), "r/0/2", T0 + days(1), RULES)
    assert types(out) == ["ObjectionFiled"]
    first = d.on_request(out.file, s.request("OBJECTION_DECISION", T0 + days(3), objection_id="R-obj", decision="DISMISSED"),
                         "r/0/3", T0 + days(3), RULES)
    assert types(first) == ["ObjectionResolved"]
    second = d.on_request(first.file, s.request("OBJECTION_DECISION", T0 + days(5), objection_id="R-2", decision="DISMISSED"),
                          "r/0/4", T0 + days(5), RULES)
    assert body(second, "CaseReleased") == {"stage": "COURT_MEDIATION", "held_ms": 5 * 86_400_000}


def test_an_unanswered_objection_climbs_the_ladder_each_rung_once_and_never_stays_held_without_an_owner():
    s = Script()
    docket = objected(s).file
    assert d.next_due_ms(docket) == d.ms(utc(2026, 5, 24, 16))  # 25 May 00:00 China
    assert d.on_tick(docket, utc(2026, 5, 24, 15, 59)).emits == []
    out = d.on_tick(docket, utc(2026, 5, 24, 16))
    assert body(out, "ObjectionOverdue") == {"objection_id": "R-obj", "answer_by": date(2026, 5, 24),
                                             "owner": "LENDER_SUPERVISOR", "escalate_on": date(2026, 6, 4)}
    assert types(out) == ["ObjectionOverdue"], "exactly one overdue, for the lender's supervisor"
    assert d.on_tick(out.file, utc(2026, 6, 3, 15, 59)).emits == [], "the supervisor has 10 days"
    assert d.next_due_ms(out.file) == d.ms(utc(2026, 6, 3, 16))  # 4 June 00:00 China
    up = d.on_tick(out.file, utc(2026, 6, 3, 16))
    assert body(up, "ObjectionEscalated") == {"objection_id": "R-obj", "answer_by": date(2026, 5, 24),
                                              "owner": "MEDIATION_CENTRE", "mediation_centre": "MC1",
                                              "close_on": date(2026, 7, 4)}
    assert up.file.held and d.on_tick(up.file, utc(2026, 7, 3, 15, 59)).emits == [], "held, owned by the centre"
    end = d.on_tick(up.file, utc(2026, 7, 3, 16))
    assert body(end, "CaseClosed") == {"reason": "OBJECTION_UNANSWERED", "final_stage": "COURT_MEDIATION",
                                       "recovered_cents": 0}
    assert d.next_due_ms(end.file) is None and d.on_tick(end.file, utc(2026, 9, 1)).emits == []


def test_an_objection_escalates_to_the_operator_when_triage_named_no_centre_and_a_late_decision_still_ends_it():
    s = Script()
    docket = d.on_request(docket_at(s, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED")),
                          s.request("OBJECTION", T0, "R-obj", ground="WRONG_AMOUNT"), "debtor.requests/0/1", T0, RULES).file
    rules = d.ObjectionRules(20, "X", escalate_days=10, close_days=0)
    up = d.on_tick(d.on_tick(docket, utc(2026, 5, 24, 16), rules).file, utc(2026, 6, 3, 16), rules)
    assert body(up, "ObjectionEscalated")["owner"] == "OPERATOR" and body(up, "ObjectionEscalated")["close_on"] is None
    assert d.next_due_ms(up.file, rules) is None, "close_days 0: held until the operator answers"
    answered = d.on_request(up.file, s.request("OBJECTION_DECISION", T0 + days(40), objection_id="R-obj",
                                               decision="DISMISSED"), "r/0/9", T0 + days(40), rules)
    assert types(answered) == ["ObjectionResolved", "CaseReleased"]


def test_upheld_close_closes_the_case_at_the_stage_it_was_held():
    s = Script()
    out = d.on_request(objected(s).file, s.request("OBJECTION_DECISION", T0 + days(2), objection_id="R-obj",
                                                      decision="UPHELD_CLOSE", detail="identity confirmed stolen"),
                       "r/0/5", T0 + days(2), RULES)
    assert types(out) == ["ObjectionResolved", "CaseClosed"]
    assert body(out, "CaseClosed") == {"reason": "OBJECTION_UPHELD", "final_stage": "COURT_MEDIATION", "recovered_cents": 0}
    assert d.on_tick(out.file, T0 + days(60)).emits == [], "no overdue for a closed case"


def test_upheld_amend_resumes_with_the_amended_amount():
    s = Script()
    out = d.on_request(objected(s).file, s.request("OBJECTION_DECISION", T0 + days(1), objection_id="R-obj",
                                                      decision="UPHELD_AMEND", amended_principal_cents=600_000),
                       "r/0/6", T0 + days(1), RULES)
    assert types(out) == ["ObjectionResolved", "CaseReleased"]
    assert body(out, "ObjectionResolved")["amended_principal_cents"] == 600_000
    assert body(out, "CaseReleased") == {"stage": "COURT_MEDIATION", "held_ms": 86_400_000}
    with pytest.raises(d.InvalidRequest):
        d.on_request(objected(Script("L2")).file, Script("L2").request("OBJECTION_DECISION", T0, objection_id="R-obj",
                                                                           decision="UPHELD_AMEND"), "r/0/7", T0, RULES)


def test_decisions_for_unknown_or_resolved_objections_are_dead_lettered():
    s = Script()
    docket = objected(s).file
    with pytest.raises(d.InvalidRequest):
        d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="nope", decision="DISMISSED"), "r/0/8", T0, RULES)
    docket = d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="R-obj", decision="DISMISSED"), "r/0/9",
                          T0, RULES).file
    with pytest.raises(d.OutOfOrder):
        d.on_request(docket, s.request("OBJECTION_DECISION", T0, objection_id="R-obj", decision="DISMISSED"), "r/0/10", T0, RULES)


def test_redelivered_requests_change_nothing():
    s = Script()
    request = s.request("OBJECTION", T0, "R-x", ground="OTHER")
    docket = d.on_request(in_court_mediation(s), request, "r/0/1", T0, RULES).file
    assert d.on_request(docket, request, "r/0/1", T0, RULES).outcome == "duplicate"


def test_hardship_claim_on_an_active_case_is_stated_for_mediation_once_or_waits_for_the_release():
    s = Script()
    out = d.on_request(in_court_mediation(s), s.request("HARDSHIP_CLAIM", T0, "R-hard", hardship_kinds=["unemployed"]),
                       "r/0/1", T0, RULES)
    assert types(out) == ["HardshipClaimed"], "a claim, not an escalation: mediation decides on relief"
    assert body(out, "HardshipClaimed") == {"request_id": "R-hard", "hardship_kinds": ["unemployed"], "stage": "COURT_MEDIATION"}
    assert out.emits[0].record["causation_id"] == "r/0/1" and out.emits[0].record["producer"] == "objections"
    assert out.file.stage == "COURT_MEDIATION", "the case stays where it is until mediation grants relief"
    again = d.on_request(out.file, s.request("HARDSHIP_CLAIM", T0), "r/0/2", T0, RULES)
    assert again.emits == []
    relief = d.on_case_event(again.file, s.event("ReliefGranted", {"hardship_kinds": ["unemployed"], "plan": {"total_cents": 1},
                                                                     "source": "HARDSHIP_CLAIM"}, T0, "mediation"), T0).file
    assert relief.stage == "RELIEF"
    assert d.on_request(relief, s.request("HARDSHIP_CLAIM", T0), "r/0/5", T0, RULES).emits == [], "already in relief"
    held = objected(Script("L3")).file
    s3 = Script("L3")
    waiting = d.on_request(held, s3.request("HARDSHIP_CLAIM", T0, "R-wait", hardship_kinds=["disaster"]), "r/0/3", T0, RULES)
    assert waiting.emits == [], "no claim goes out while held"
    released = d.on_request(waiting.file, s3.request("OBJECTION_DECISION", T0 + days(1), objection_id="R-obj",
                                                       decision="DISMISSED"), "r/0/4", T0 + days(1), RULES)
    assert types(released) == ["ObjectionResolved", "CaseReleased", "HardshipClaimed"]
    assert body(released, "HardshipClaimed") == {"request_id": "R-wait", "hardship_kinds": ["disaster"], "stage": "COURT_MEDIATION"}
    assert released.emits[-1].record["causation_id"] == "r/0/3"


def test_other_request_kinds_are_left_to_their_services():
    s = Script()
    assert d.on_request(in_court_mediation(s), s.request("OPT_OUT", T0, channel="SMS"), "r/0/1", T0, RULES).outcome == "ignored"


def test_lender_withdrawal_and_payment_in_full_stop_the_case_wherever_it_is():
    s = Script()
    out = d.on_lender_update(objected(s).file, s.lender_update("WITHDRAWN", T0), "lender.updates/0/1", T0)
    assert types(out) == ["CaseWithdrawn", "CaseClosed"]
    assert body(out, "CaseClosed") == {"reason": "WITHDRAWN", "final_stage": "COURT_MEDIATION", "recovered_cents": 0}
    assert d.on_tick(out.file, T0 + days(60)).emits == []
    s2 = Script("L2")
    litigating = docket_at(s2, s2.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"))
    update = s2.lender_update("PAID_IN_FULL", T0)
    paid = d.on_lender_update(litigating, update, "lender.updates/0/2", T0)
    assert types(paid) == ["CaseClosed"]
    assert body(paid, "CaseClosed")["reason"] == "LENDER_PAID_IN_FULL"
    assert body(paid, "CaseClosed")["final_stage"] == "LITIGATION"
    assert d.on_lender_update(paid.file, update, "lender.updates/0/2", T0).outcome == "duplicate"
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_lender_update(paid.file, s2.lender_update("WITHDRAWN", T0), "lender.updates/0/3", T0)


def test_lender_updates_from_another_lender_or_for_unknown_cases_are_dead_lettered():
    s = Script()
    update = {**s.lender_update("WITHDRAWN", T0), "lender_id": "SOMEONE-ELSE"}
    with pytest.raises(d.InvalidRequest):
        d.on_lender_update(in_court_mediation(s), update, "l/0/1", T0)
    with pytest.raises(d.UnknownCase):
        d.on_lender_update(None, s.lender_update("WITHDRAWN", T0), "l/0/1", T0)


def test_an_uploaded_evidence_file_is_enforcements_and_closes_nothing():
    s = Script()
    docket = in_court_mediation(s)
    evidence = {**s.lender_update("EVIDENCE_ADDED", T0), "evidence": {"doc_type": "contract", "uri": "u", "sha256": "ab" * 32,
                                                                      "size_bytes": 1, "content_type": "application/pdf"}}
    out = d.on_lender_update(docket, evidence, "l/0/4", T0)
    assert out.outcome == "ignored" and out.emits == [] and not out.file.closed
    assert d.on_lender_update(None, evidence, "l/0/5", T0).outcome == "ignored"   # never a dead letter


def test_stage_changes_seen_while_held_are_where_the_case_resumes():
    s = Script()
    docket = objected(s).file
    docket = d.on_case_event(docket, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0).file
    assert docket.stage == "ON_HOLD" and docket.held_stage == "LITIGATION"


# ---------------------------------------------------------------- closing what other stages finished

def test_credit_repair_done_closes_the_case_with_what_full_performance_paid():
    s = Script()
    plan = {"kind": "INSTALMENTS", "total_cents": 700_000, "waived_penalty_cents": 0, "waived_interest_cents": 0, "instalments": []}
    docket = docket_at(s, s.event("MediationSettled", {"tier": "PEOPLES", "mediator_id": "M1", "plan": plan}, T0, "mediation"),
                       s.escalated(T0, "CREDIT_REPAIR", "PLAN_COMPLETED", "PERFORMING"),
                       s.event("CreditRepairRequested", {"reason": "PLAN_COMPLETED"}, T0, "repair"))
    assert docket.stage == "CREDIT_REPAIR"
    done = s.event("CreditRepairDone", {"done_on": date(2026, 5, 5), "removed_from_dishonest_list": False}, T0 + days(1), "repair")
    out = d.on_case_event(docket, done, T0 + days(1))
    assert types(out) == ["CaseClosed"]
    assert body(out, "CaseClosed") == {"reason": "CREDIT_REPAIRED", "final_stage": "CREDIT_REPAIR", "recovered_cents": 700_000}
    (closed,) = out.emits
    assert (closed.record["producer"], closed.record["causation_id"]) == ("objections", done["event_id"])
    assert out.file.closed and out.file.stage == "CLOSED"
    assert d.on_case_event(out.file, done, T0 + days(1)).outcome == "duplicate"
    back = d.on_case_event(out.file, {**closed.record, "occurred_at": T0 + days(1)}, T0 + days(1))
    assert (back.outcome, back.emits) == ("ignored", []), "our own CaseClosed coming back closes nothing twice"
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_request(out.file, s.request("OBJECTION", T0, ground="OTHER"), "r/0/1", T0, RULES)


def test_credit_repair_after_a_judgment_reports_the_award_as_recovered():
    s = Script()
    docket = docket_at(s, s.event("JudgmentEntered", {"court": "C1", "court_case_no": "N1", "awarded_cents": 850_000,
                                                      "performance_due": date(2026, 6, 28)}, T0, "enforcement"),
                       s.event("JudgmentPerformed", {"reason": "PAID_IN_FULL", "paid_cents": 850_000, "stage": "JUDGMENT"},
                               T0, "enforcement"))
    out = d.on_case_event(docket, s.event("CreditRepairDone", {"done_on": date(2026, 5, 5),
                                                                "removed_from_dishonest_list": False}, T0, "repair"), T0)
    assert body(out, "CaseClosed")["recovered_cents"] == 850_000


def concluded(s, result, recovered, outstanding, at=T0):
    return s.event("EnforcementConcluded", {"result": result, "recovered_cents": recovered, "outstanding_cents": outstanding},
                   at, "enforcement")


def in_enforcement(s):
    return docket_at(s, s.event("JudgmentEntered", {"court": "C1", "court_case_no": "N1", "awarded_cents": 850_000,
                                                    "performance_due": date(2026, 6, 28)}, T0, "enforcement"),
                     s.event("EnforcementApplied", {"court": "C1", "basis": "JUDGMENT", "claim_cents": 850_000}, T0, "enforcement"))


def test_enforcement_terminated_for_no_assets_leaves_the_case_open_until_performance():
    """终本 is resumable (docs/rules.md E4): no close on it; the close comes after credit repair."""
    s = Script()
    partial = d.on_case_event(in_enforcement(s), concluded(s, "RECOVERED_PARTIAL", 200_000, 650_000), T0)
    assert partial.emits == [] and not partial.file.closed, "a partial recovery keeps the case in enforcement"
    out = d.on_case_event(partial.file, concluded(s, "TERMINATED_NO_ASSETS", 50_000, 600_000), T0 + days(1))
    assert out.emits == [] and not out.file.closed
    repaired = d.on_case_event(out.file, repair_done(s, T0 + days(200)), T0 + days(200))
    assert body(repaired, "CaseClosed") == {"reason": "CREDIT_REPAIRED", "final_stage": "CREDIT_REPAIR",
                                            "recovered_cents": 850_000}


def repair_done(s, at):
    return s.event("CreditRepairDone", {"done_on": date(2026, 12, 1), "removed_from_dishonest_list": True}, at, "repair")


def test_full_recovery_is_not_a_close_credit_repair_follows():
    s = Script()
    out = d.on_case_event(in_enforcement(s), concluded(s, "RECOVERED_FULL", 850_000, 0), T0)
    assert out.emits == [] and not out.file.closed


def test_a_close_called_for_while_held_is_made_right_after_the_release():
    s = Script()
    docket = d.on_request(in_enforcement(s), s.request("OBJECTION", T0, "R-obj", ground="ALREADY_PAID"), "r/0/1", T0,
                          RULES).file
    waiting = d.on_case_event(docket, repair_done(s, T0 + days(1)), T0 + days(1))
    assert waiting.emits == [] and not waiting.file.closed, "a held case never moves"
    released = d.on_request(waiting.file, s.request("OBJECTION_DECISION", T0 + days(2), objection_id="R-obj",
                                                      decision="DISMISSED"), "r/0/2", T0 + days(2), RULES)
    assert types(released) == ["ObjectionResolved", "CaseReleased", "CaseClosed"]
    assert body(released, "CaseClosed") == {"reason": "CREDIT_REPAIRED", "final_stage": "CREDIT_REPAIR",
                                            "recovered_cents": 850_000}
    assert released.file.closed
    s2 = Script("L2")
    docket = d.on_request(in_enforcement(s2), s2.request("OBJECTION", T0, "R-obj", ground="IDENTITY_THEFT"), "r/0/1", T0,
                          RULES).file
    docket = d.on_case_event(docket, repair_done(s2, T0), T0).file
    upheld = d.on_request(docket, s2.request("OBJECTION_DECISION", T0, objection_id="R-obj", decision="UPHELD_CLOSE"),
                          "r/0/3", T0, RULES)
    assert [b["reason"] for b in (e.record["event"] for e in upheld.emits if e.record["type"] == "CaseClosed")] == \
        ["OBJECTION_UPHELD"], "closed once, for the upheld objection"
