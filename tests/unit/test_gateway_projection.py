"""The gateway's read model: stages from event types, holds, deadlines, batches, scoping, redelivery."""
from __future__ import annotations

from datetime import date, timedelta

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from services.gateway.projection import Projection
from services.intake.rejection import rejection
from sim.defaults import utc
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import event

NOW = utc(2026, 11, 28, 4)
CODEC = Codec(REPO_ROOT / "schemas")


def roundtrip(e: dict) -> dict:
    """As the gateway reads it: through real Avro bytes."""
    return CODEC.decode(CODEC.encode("CaseEvent", e), expect="CaseEvent")[1]


def script():
    o = opened("LENDER-A", "L-1", "D-1", NOW)
    cid = o["case_id"]
    ev = lambda t, b, n: roundtrip(event(t, b, cid, "LENDER-A", NOW + timedelta(hours=n), cause=f"c{n}"))
    plan = {"kind": "LUMP_SUM", "total_cents": 500, "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": [{"seq": 1, "due_date": date(2026, 12, 30), "amount_cents": 500}]}
    return cid, [roundtrip(o),
                 ev("CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [], "score": 1,
                                    "mediation_centre": "MC", "court": "CT-350502", "cross_region": False}, 1),
                 ev("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "M1", "queue_wait_ms": 0}, 2),
                 ev("ObjectionFiled", {"objection_id": "O1", "ground": "WRONG_AMOUNT", "detail": "", "answer_by": date(2026, 12, 18)}, 3),
                 ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "O1", "stage": "PEOPLES_MEDIATION"}, 4),
                 ev("CaseEscalated", {"from_stage": "PEOPLES_MEDIATION", "to_stage": "COURT_MEDIATION", "reason": "x"}, 5),
                 ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 3_600_000}, 6),
                 ev("MediatorAssigned", {"tier": "COURT", "mediator_id": "M2", "queue_wait_ms": 0}, 7),
                 ev("MediationSettled", {"tier": "COURT", "mediator_id": "M2", "plan": plan}, 8),
                 ev("ConfirmationRequested", {"court": "CT-350502", "due_by": date(2026, 12, 28)}, 9),
                 ev("ConfirmationGranted", {"court": "CT-350502", "ruling_no": "R1"}, 10),
                 ev("CaseClosed", {"reason": "PAID_OFF", "final_stage": "PERFORMING", "recovered_cents": 500}, 11),
                 ev("CaseEscalated", {"from_stage": "PERFORMING", "to_stage": "ENFORCEMENT", "reason": "late"}, 12)]


def test_stages_follow_the_lifecycle_through_a_hold_and_a_close():
    cid, events = script()
    p = Projection()
    stages = []
    for e in events:
        p.apply_event(e)
        stages.append(p.cases[cid].stage)
    assert stages == ["OPENED", "PEOPLES_MEDIATION", "PEOPLES_MEDIATION", "PEOPLES_MEDIATION", "ON_HOLD", "ON_HOLD",
                      "COURT_MEDIATION", "COURT_MEDIATION", "CONFIRMATION", "CONFIRMATION", "PERFORMING", "CLOSED", "CLOSED"]
    case = p.cases[cid]
    assert case.mediator_id == "M2" and case.tier == "COURT" and case.court == "CT-350502"
    assert case.plan["plan"]["total_cents"] == 500 and case.offer is None and len(p.timeline(cid)) == 13


def test_deadlines_shift_with_holds_and_end_with_the_case():
    cid, events = script()
    p = Projection()
    for e in events[:4]:
        p.apply_event(e)
    due = p.cases[cid].next_deadline(0)
    assert due["kind"] == "OBJECTION_ANSWER_DUE"
    for e in events[4:7]:
        p.apply_event(e)
    assert p.cases[cid].next_deadline(0)["at_ms"] == due["at_ms"] + 3_600_000
    for e in events[7:]:
        p.apply_event(e)
    assert p.cases[cid].next_deadline(0) is None


def test_redelivered_events_change_nothing_and_orphans_are_ignored():
    cid, events = script()
    p = Projection()
    for e in events + events:
        p.apply_event(e)
    assert len(p.timeline(cid)) == 13
    orphan = roundtrip(event("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "M1", "queue_wait_ms": 0}, "C-x", "L", NOW))
    assert not p.apply_event(orphan) and "C-x" not in p.cases


def test_batches_count_cases_opened_and_rows_rejected():
    p = Projection()
    p.apply_event(roundtrip(opened("LENDER-A", "L-1", "D", NOW)))
    p.apply_rejected(rejection("LENDER-A", "L-2", "B1", ["UNKNOWN_PRODUCT"], (1, 4), NOW).record)
    b = p.batch_view("LENDER-A", "B1")
    b.published, b.upload_done = 3, True
    p.save_upload(b)
    view = p.batch_view("LENDER-A", "B1").view()
    assert (view["accepted"], view["rejected"], view["complete"]) == (1, 1, False)
    (row,) = view["rejections"]
    assert (row["loan_id"], row["reason_codes"]) == ("L-2", ["UNKNOWN_PRODUCT"])
    assert [(q["field"], q["code"]) for q in row["problems"]] == [("product", "UNKNOWN_PRODUCT")]
    assert row["message"].startswith("产品类型须为以下之一") and row["problems"][0]["message_en"].startswith("product must")
    p.apply_batch_report({"lender_id": "LENDER-A", "batch_id": "B1", "declared_size": 3, "accepted": 2, "rejected": 1,
                          "rejections_by_reason": {"UNKNOWN_PRODUCT": 1}, "reported_at": NOW})
    assert p.batch_view("LENDER-A", "B1").view()["complete"]


def test_questions_are_scoped_to_the_asking_party():
    p = Projection()
    for lender, loan, region in (("LENDER-A", "1", "350502"), ("LENDER-A", "2", "110105"), ("LENDER-B", "3", "350502")):
        p.apply_event(roundtrip(opened(lender, loan, "D", NOW, region=region)))
    assert {c.loan_id for c in p.lender_cases("LENDER-A")} == {"1", "2"}
    assert [c.loan_id for c in p.lender_cases("LENDER-A", region="35")] == ["1"]
    assert p.lender_cases("LENDER-A", stage="CLOSED") == []
    assert p.lender_cases("LENDER-A", opened_from_ms=int(NOW.timestamp() * 1000) + 1) == []
    assert p.mediator_cases("M1") == []
