"""What a court and a mediation centre see: only cases before them; the centre's waiting cases in the desk's
order (best score first, then longest waiting) with their positions; the court's by what it owes them."""
from __future__ import annotations

from datetime import date, timedelta

from remedy.kernel.deadlines import ms
from services.gateway import party_views
from services.gateway.projection import Projection
from sim.defaults import utc
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import event
from tests.unit.test_gateway_projection import roundtrip

NOW = utc(2026, 12, 1, 2)


def case(p: Projection, loan: str, *, score: int, hours: int, centre="MC-350502", court="CT-350502") -> str:
    o = opened("LENDER-A", loan, f"D-{loan}", NOW)
    cid = o["case_id"]
    p.apply_event(roundtrip(o))
    p.apply_event(roundtrip(event("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [],
                                                  "score": score, "mediation_centre": centre, "court": court,
                                                  "cross_region": False}, cid, "LENDER-A", NOW + timedelta(hours=hours))))
    return cid


def then(p: Projection, cid: str, type_: str, body: dict, hours: int) -> None:
    p.apply_event(roundtrip(event(type_, body, cid, "LENDER-A", NOW + timedelta(hours=hours), cause=f"{type_}{hours}")))


def views(p: Projection, at_hours: int = 48):
    p.commit()
    now = ms(NOW + timedelta(hours=at_hours))
    return (party_views.centre_queue(p.store, p.case, "MC-350502", now),
            party_views.court_view(p.store, p.case, "CT-350502", now))


def test_the_centre_sees_its_waiting_cases_in_the_desks_order_with_positions_and_no_other_centres():
    p = Projection()
    low_early, high_late, high_early = (case(p, "L1", score=400, hours=1), case(p, "L2", score=700, hours=5),
                                        case(p, "L3", score=700, hours=2))
    case(p, "L4", score=900, hours=1, centre="MC-110105", court="CT-110105")
    assigned = case(p, "L5", score=800, hours=1)
    then(p, assigned, "MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-1", "queue_wait_ms": 0}, 3)
    queue, _ = views(p)
    assert [(w["position"], w["case_id"]) for w in queue["waiting"]] == [(1, high_early), (2, high_late), (3, low_early)]
    assert queue["waiting"][0]["waited_ms"] == 46 * 3_600_000 and queue["waiting"][0]["tier"] == "PEOPLES"
    assert [(a["case_id"], a["mediator_id"]) for a in queue["assigned"]] == [(assigned, "PM-1")]


def test_a_case_escalated_to_court_mediation_waits_again_for_a_court_mediator():
    p = Projection()
    cid = case(p, "L1", score=500, hours=1)
    then(p, cid, "MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "PM-1", "queue_wait_ms": 0}, 2)
    then(p, cid, "CaseEscalated", {"from_stage": "PEOPLES_MEDIATION", "to_stage": "COURT_MEDIATION",
                                   "reason": "PEOPLES_MEDIATION_FAILED"}, 30)
    queue, _ = views(p)
    assert [(w["case_id"], w["tier"], w["waited_ms"]) for w in queue["waiting"]] == [(cid, "COURT", 18 * 3_600_000)]


def test_the_court_sees_its_pending_confirmations_and_filings_with_deadlines_and_nothing_closed():
    p = Projection()
    confirming, filed, closed = case(p, "L1", score=1, hours=1), case(p, "L2", score=1, hours=1), case(p, "L3", score=1, hours=1)
    case(p, "L4", score=1, hours=1, centre="MC-110105", court="CT-110105")
    plan = {"kind": "LUMP_SUM", "total_cents": 500, "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": [{"seq": 1, "due_date": date(2027, 1, 30), "amount_cents": 500}]}
    then(p, confirming, "MediationSettled", {"tier": "PEOPLES", "mediator_id": "PM-1", "plan": plan}, 3)
    then(p, confirming, "ConfirmationRequested", {"court": "CT-350502", "due_by": date(2026, 12, 31)}, 3)
    for cid in (filed, closed):
        then(p, cid, "CaseEscalated", {"from_stage": "PEOPLES_MEDIATION", "to_stage": "LITIGATION",
                                       "reason": "COURT_MEDIATION_FAILED"}, 4)
        then(p, cid, "LitigationFiled", {"court": "CT-350502", "filing_batch_id": "FB-1", "claim_cents": 1,
                                         "evidence_bundle": []}, 5)
    then(p, closed, "CaseClosed", {"reason": "WITHDRAWN", "final_stage": "LITIGATION", "recovered_cents": 0}, 6)
    _, court = views(p)
    assert court["counts"] == {"confirmations": 1, "filings": 1, "judgments": 0, "enforcements": 0}
    assert court["confirmations"][0]["case_id"] == confirming
    assert court["confirmations"][0]["next_deadline"]["kind"] == "CONFIRMATION_DUE"
    assert [c["case_id"] for c in court["filings"]] == [filed]
