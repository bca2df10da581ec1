"""Every path of the case lifecycle, driven to its end on the in-memory funnel (``remedy.ops.memory_funnel``):
intake, triage, mediation, enforcement, repair and objections run their own wiring and decisions on an
in-process bus, a scripted outside world (tests/memory/world.py) answers what they emit, and the clock
moves in six-hour steps. The real-broker e2e tests keep what this cannot see (faust, commits, Tansu)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.ops.memory_funnel import MemoryFunnel
from tests.memory.world import Script, World, anything, closed_reason, is_subsequence, seq, tier, types

EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
LENDER = "LENDER-MEM"
COURT_ROUTE = 5_000_000                # a claim this large starts in court mediation (triage's threshold)
AWARD = 5_100_000
PAID_OFF = ["CreditRepairRequested", "CreditRepairDone", "CaseClosed"]
OPEN = "still open"


def scripts(w: World) -> list[Script]:
    today = w.today
    won_in_court = [("SessionScheduled", tier("COURT"), w.end_tier(), 0),
                    ("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0),
                    ("FilingAccepted", anything, w.court("JUDGMENT", awarded_cents=AWARD,
                                                         performance_due=lambda: today() + timedelta(days=3)), 0)]
    enforced = ("EnforcementApplied", anything, w.court("ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL",
                                                       recovered_cents=AWARD), 0)
    no_assets = ("EnforcementApplied", anything, w.court("ENFORCEMENT_RESULT", enforcement_result="TERMINATED_NO_ASSETS",
                                                         recovered_cents=100_000), 0)
    return [
        Script("rejected", tweak={"due_date": date(2022, 10, 1)}),
        Script("relief_paid", [("ReliefGranted", anything, w.pay(lambda e: e["event"]["plan"]["total_cents"]), 0)],
               tweak={"is_student": True}),
        Script("peoples_instalments_paid", [("SessionScheduled", tier("PEOPLES"), w.settle([60_000, 40_000], 6), 0),
                                            ("ConfirmationRequested", anything, w.court("CONFIRMATION_GRANTED"), 0),
                                            ("InstalmentDue", seq(1), w.pay(lambda e: 60_000), 0),
                                            ("InstalmentDue", seq(2), w.pay(lambda e: 40_000), 0)]),
        Script("court_settled", [("SessionScheduled", tier("PEOPLES"), w.end_tier("FAILED"), 0),
                                 ("SessionScheduled", tier("COURT"), w.settle([500_000], 5, kind="LUMP_SUM"), 0),
                                 ("ConfirmationRequested", anything, w.court("CONFIRMATION_GRANTED"), 0),
                                 ("ConfirmationGranted", anything, w.pay(lambda e: 500_000), 0)]),
        Script("both_failed_then_won", [("SessionScheduled", tier("PEOPLES"), w.end_tier("UNREACHABLE"), 0),
                                        *won_in_court, enforced]),
        Script("denied_twice_then_won", [("SessionScheduled", anything, w.settle([300_000], 10, kind="LUMP_SUM"), 0),
                                         ("ConfirmationRequested", anything, w.court("CONFIRMATION_DENIED"), 0),
                                         ("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0),
                                         won_in_court[2], enforced]),
        Script("deadlines_then_won", [("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0), won_in_court[2],
                                      enforced]),
        Script("litigation_enforced_in_full", [*won_in_court, enforced], principal=COURT_ROUTE),
        Script("enforcement_no_assets", [*won_in_court, no_assets], principal=COURT_ROUTE),
        Script("terminated_then_part_paid", [*won_in_court, no_assets,
                                             ("DishonestListProposed", anything, w.pay(lambda e: 100_000), 20),
                                             ("EnforcementResumed", anything, w.court(
                                                 "ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL",
                                                 recovered_cents=AWARD - 200_000), 10)], principal=COURT_ROUTE),
        Script("terminated_then_paid_in_full", [*won_in_court, no_assets,
                                                ("DishonestListProposed", anything, w.pay(lambda e: AWARD - 100_000), 30)],
               principal=COURT_ROUTE),
        Script("terminated_then_withdrawn", [*won_in_court, no_assets,
                                             ("DishonestListProposed", anything, w.lender_update("WITHDRAWN"), 40)],
               principal=COURT_ROUTE),
        Script("terminated_assets_found", [*won_in_court, no_assets,
                                           ("DishonestListProposed", anything, w.court("ENFORCEMENT_RESUMED"), 25),
                                           ("EnforcementResumed", anything, w.court(
                                               "ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL",
                                               recovered_cents=AWARD - 100_000), 10)], principal=COURT_ROUTE),
        Script("relief_missed", [("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0), won_in_court[2],
                                 ("JudgmentEntered", anything, w.pay(lambda e: e["event"]["awarded_cents"]), 1)],
               tweak={"is_student": True}),
        Script("confirmed_plan_defaulted", [("SessionScheduled", tier("PEOPLES"), w.settle([200_000, 200_000], 4), 0),
                                            ("ConfirmationRequested", anything, w.court("CONFIRMATION_GRANTED"), 0),
                                            ("EnforcementApplied", anything, w.court(
                                                "ENFORCEMENT_RESULT", enforcement_result="RECOVERED_FULL",
                                                recovered_cents=400_000), 0)]),
        Script("confirmation_unanswered_paid", [("SessionScheduled", tier("PEOPLES"), w.settle([100_000], 40, kind="LUMP_SUM"), 0),
                                                ("ConfirmationLapsed", anything, w.pay(lambda e: 100_000), 0)]),
        Script("unconfirmed_plan_defaulted", [("SessionScheduled", tier("PEOPLES"), w.settle([200_000], 35, kind="LUMP_SUM"), 0),
                                              ("LitigationFiled", anything, w.court("FILING_ACCEPTED"), 0), won_in_court[2],
                                              ("JudgmentEntered", anything, w.pay(lambda e: e["event"]["awarded_cents"]), 1)]),
        Script("objection_upheld", [("SessionScheduled", tier("PEOPLES"), w.request("OBJECTION", ground="IDENTITY_THEFT"), 0),
                                    ("CaseHeld", anything, w.request("OBJECTION_DECISION", decision="UPHELD_CLOSE",
                                                                     objection_id=lambda e: e["event"]["objection_id"]), 0),
                                    ("CaseClosed", anything, w.late_outcome, 1)]),
        Script("objection_dismissed", [
            ("SessionScheduled", tier("PEOPLES"), w.request("OBJECTION", ground="WRONG_AMOUNT"), 0),
            ("CaseHeld", anything, w.request("OBJECTION_DECISION", decision="DISMISSED",
                                             objection_id=lambda e: e["event"]["objection_id"]), 10),
            ("SessionScheduled", tier("COURT"), w.settle([300_000], 3, kind="LUMP_SUM"), 0),
            ("ConfirmationRequested", anything, w.court("CONFIRMATION_GRANTED"), 0),
            ("ConfirmationGranted", anything, w.pay(lambda e: 300_000), 0)]),
        Script("hardship_mid_mediation", [
            ("SessionScheduled", tier("PEOPLES"), w.request("HARDSHIP_CLAIM", hardship_kinds=["unemployed"]), 0),
            ("ReliefGranted", anything, w.pay(lambda e: e["event"]["plan"]["total_cents"]), 0)]),
        Script("lender_withdrew", [("SessionScheduled", tier("PEOPLES"), w.lender_update("WITHDRAWN"), 0)]),
        Script("lender_paid_in_full", [("SessionScheduled", tier("COURT"), w.end_tier(), 0),
                                       ("LitigationFiled", anything, w.request("HARDSHIP_CLAIM", hardship_kinds=["disaster"]), 0),
                                       ("HardshipClaimed", anything, w.lender_update("PAID_IN_FULL", amount=COURT_ROUTE), 0)],
               principal=COURT_ROUTE),
    ]


ENDS = {   # case -> (how it ends, event types that must appear on the way, in this order)
    "rejected": (None, ["CaseOpened", "CaseRejected"]),
    "relief_paid": ("CREDIT_REPAIRED", ["CaseTriaged", "ReliefGranted", "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "peoples_instalments_paid": ("CREDIT_REPAIRED", [
        "MediatorAssigned", "SessionScheduled", "MediationSettled", "ConfirmationRequested", "ConfirmationGranted",
        "InstalmentDue", "InstalmentPaid", "InstalmentDue", "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "court_settled": ("CREDIT_REPAIRED", ["MediationFailed", "CaseEscalated", "MediatorAssigned", "MediationSettled",
                                          "ConfirmationGranted", "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "both_failed_then_won": ("CREDIT_REPAIRED", ["MediationFailed", "CaseEscalated", "MediationFailed", "CaseEscalated",
                                                 "LitigationFiled", "FilingAccepted", "JudgmentEntered",
                                                 "EnforcementApplied", "EnforcementConcluded", *PAID_OFF]),
    "denied_twice_then_won": ("CREDIT_REPAIRED", ["MediationSettled", "ConfirmationDenied", "CaseEscalated",
                                                  "SessionScheduled", "MediationSettled", "ConfirmationDenied",
                                                  "CaseEscalated", "LitigationFiled", "JudgmentEntered", *PAID_OFF]),
    "deadlines_then_won": ("CREDIT_REPAIRED", ["MediatorAssigned", "MediationFailed", "CaseEscalated", "SessionScheduled",
                                               "MediationFailed", "CaseEscalated", "LitigationFiled", *PAID_OFF]),
    "litigation_enforced_in_full": ("CREDIT_REPAIRED", ["MediationFailed", "CaseEscalated", "LitigationFiled",
                                                        "FilingAccepted", "JudgmentEntered", "EnforcementApplied",
                                                        "EnforcementConcluded", *PAID_OFF]),
    # 终本 ends the round, not the case (docs/rules.md E4, E7): untouched it stays open; a payment or found
    # assets resume it; full performance removes the listing and credit repair closes it. No notify runs here, so
    # the pre-report notice is never proved delivered and the negative report is withheld (docs/rules.md R1).
    "enforcement_no_assets": (OPEN, ["LitigationFiled", "JudgmentEntered", "EnforcementApplied", "EnforcementConcluded",
                                     "DishonestListProposed", "NegativeReportWithheld"]),
    "terminated_then_part_paid": ("CREDIT_REPAIRED", ["EnforcementConcluded", "DishonestListProposed", "EnforcementResumed",
                                                      "EnforcementConcluded", *PAID_OFF]),
    "terminated_then_paid_in_full": ("CREDIT_REPAIRED", ["EnforcementConcluded", "DishonestListProposed",
                                                         "JudgmentPerformed", *PAID_OFF]),
    "terminated_then_withdrawn": ("WITHDRAWN", ["EnforcementConcluded", "DishonestListProposed", "CaseWithdrawn",
                                                "CaseClosed"]),
    "terminated_assets_found": ("CREDIT_REPAIRED", ["EnforcementConcluded", "DishonestListProposed", "EnforcementResumed",
                                                    "EnforcementConcluded", *PAID_OFF]),
    # A relief plan is no enforceable title (docs/rules.md M11): missed, it goes to court, not to enforcement.
    "relief_missed": ("CREDIT_REPAIRED", ["ReliefGranted", "InstalmentDue", "InstalmentMissed", "CaseEscalated",
                                          "LitigationFiled", "FilingAccepted", "JudgmentEntered", "JudgmentPerformed",
                                          *PAID_OFF]),
    "confirmed_plan_defaulted": ("CREDIT_REPAIRED", ["MediationSettled", "ConfirmationGranted", "InstalmentMissed",
                                                     "CaseEscalated", "EnforcementApplied", "EnforcementConcluded",
                                                     *PAID_OFF]),
    # A court that never answers (docs/rules.md M14, M15): chased, then the plan is in force unconfirmed; missed,
    # it is no title to enforce, so it goes to court.
    "confirmation_unanswered_paid": ("CREDIT_REPAIRED", ["MediationSettled", "ConfirmationRequested", "ConfirmationChased",
                                                         "ConfirmationLapsed", "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "unconfirmed_plan_defaulted": ("CREDIT_REPAIRED", ["ConfirmationChased", "ConfirmationLapsed", "InstalmentMissed",
                                                       "CaseEscalated", "LitigationFiled", "FilingAccepted", "JudgmentEntered",
                                                       "JudgmentPerformed", *PAID_OFF]),
    "objection_upheld": ("OBJECTION_UPHELD", ["SessionScheduled", "ObjectionFiled", "CaseHeld", "ObjectionResolved",
                                              "CaseClosed"]),
    "objection_dismissed": ("CREDIT_REPAIRED", ["SessionScheduled", "ObjectionFiled", "CaseHeld", "ObjectionResolved",
                                                "CaseReleased", "MediationFailed", "CaseEscalated", "MediationSettled",
                                                "ConfirmationGranted", "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "hardship_mid_mediation": ("CREDIT_REPAIRED", ["SessionScheduled", "HardshipClaimed", "ReliefGranted",
                                                   "InstalmentPaid", "CaseEscalated", *PAID_OFF]),
    "lender_withdrew": ("WITHDRAWN", ["SessionScheduled", "CaseWithdrawn", "CaseClosed"]),
    "lender_paid_in_full": ("LENDER_PAID_IN_FULL", ["CaseEscalated", "LitigationFiled", "HardshipClaimed", "CaseClosed"]),
}


@pytest.fixture
async def ran():
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)))
    world = World(funnel, LENDER)
    ids = world.open_cases(scripts(world), seed=23)
    await world.run(days=150)
    return funnel, {name: funnel.by_case[cid] for name, cid in ids.items()}


async def test_every_path_ends_where_the_law_says(ran):
    funnel, by = ran
    assert set(by) == set(ENDS)
    for name, (reason, path) in ENDS.items():
        got = types(by[name])
        assert got[0] == "CaseOpened", name
        want = None if reason == OPEN else reason
        assert closed_reason(by[name]) == want, f"{name} ended {closed_reason(by[name])}, not {reason}: {got}"
        assert is_subsequence(path, got), f"{name}: expected {path} within {got}"
        if reason != OPEN:
            assert got[-1] == ("CaseRejected" if reason is None else "CaseClosed"), f"{name}: moved after its end: {got}"
        assert all(e["causation_id"] for e in by[name]), f"{name}: an event without causation"
    every = [e for events in funnel.by_case.values() for e in events]
    assert len({e["event_id"] for e in every}) == len(every), "duplicate event ids on case.events"


async def test_what_each_path_decided(ran):
    funnel, by = ran
    body = lambda name, type_: next(e for e in by[name] if e["type"] == type_)["event"]   # noqa: E731
    assert body("rejected", "CaseRejected")["reason_codes"] == ["TIME_BARRED"]
    assert body("relief_paid", "ReliefGranted")["plan"]["kind"] == "DEFERRAL"
    assert [e["event"]["reason"] for e in by["denied_twice_then_won"] if e["type"] == "CaseEscalated"][:2] == [
        "CONFIRMATION_DENIED", "CONFIRMATION_DENIED_AGAIN"]
    assert body("deadlines_then_won", "MediationFailed") == {"tier": "PEOPLES", "reason": "DEADLINE"}
    assert body("litigation_enforced_in_full", "JudgmentEntered")["awarded_cents"] == AWARD
    assert body("litigation_enforced_in_full", "EnforcementApplied")["basis"] == "JUDGMENT"
    assert body("litigation_enforced_in_full", "CreditRepairRequested")["reason"] == "ENFORCEMENT_RECOVERED"
    ended = body("enforcement_no_assets", "EnforcementConcluded")
    assert (ended["result"], ended["outstanding_cents"]) == ("TERMINATED_NO_ASSETS", AWARD - 100_000)
    assert "CreditRepairRequested" not in types(by["enforcement_no_assets"])
    assert body("terminated_then_part_paid", "EnforcementResumed") == {
        "court": "CT-350502", "reason": "PAYMENT_RECEIVED", "outstanding_cents": AWARD - 200_000}
    assert body("terminated_assets_found", "EnforcementResumed")["reason"] == "ASSETS_FOUND"
    for name in ("terminated_then_part_paid", "terminated_then_paid_in_full", "terminated_assets_found"):
        assert body(name, "CreditRepairDone")["removed_from_dishonest_list"] is True, name
    assert body("terminated_then_paid_in_full", "JudgmentPerformed") == {"reason": "PAID_IN_FULL",
                                                                         "paid_cents": AWARD - 100_000, "stage": "ENFORCEMENT"}
    assert types(by["terminated_then_paid_in_full"]).count("EnforcementResumed") == 0
    missed = [e["event"] for e in by["relief_missed"] if e["type"] == "CaseEscalated"]
    assert missed == [{"from_stage": "PERFORMING", "to_stage": "LITIGATION", "reason": "RELIEF_PLAN_DEFAULTED"}]
    assert body("relief_missed", "LitigationFiled")["claim_cents"] == 1_000_000 + 80_000 + 20_000, \
        "the relief's waivers fall with it: the court decides on the whole claim"
    assert "EnforcementApplied" not in types(by["relief_missed"]), "no enforceable title, no enforcement"
    applied = body("confirmed_plan_defaulted", "EnforcementApplied")
    assert (applied["basis"], applied["claim_cents"]) == ("CONFIRMED_SETTLEMENT", 400_000)
    assert "LitigationFiled" not in types(by["confirmed_plan_defaulted"])
    upheld = types(by["objection_upheld"])
    assert upheld[upheld.index("CaseHeld"):] == ["CaseHeld", "ObjectionResolved", "CaseClosed"]
    assert body("objection_upheld", "CaseClosed")["final_stage"] == "PEOPLES_MEDIATION"
    dismissed = types(by["objection_dismissed"])
    assert dismissed[dismissed.index("CaseHeld") + 1:dismissed.index("CaseReleased")] == ["ObjectionResolved"]
    held_ms = body("objection_dismissed", "CaseReleased")["held_ms"]
    assert held_ms >= 9 * 86_400_000, f"held only {held_ms / 86_400_000:.1f} days"
    relief = body("hardship_mid_mediation", "ReliefGranted")
    assert (relief["source"], relief["hardship_kinds"]) == ("DEBTOR_CLAIM", ["UNEMPLOYED"])
    assert "MediationFailed" not in types(by["hardship_mid_mediation"])
    assert body("lender_paid_in_full", "CaseClosed") == {"reason": "LENDER_PAID_IN_FULL", "final_stage": "LITIGATION",
                                                        "recovered_cents": COURT_ROUTE}
    assert "ReliefGranted" not in types(by["lender_paid_in_full"]), "a claim in litigation is not mediation's to grant"


async def test_only_the_late_outcome_is_dead_lettered(ran):
    funnel, _ = ran
    letters = {s: funnel.decoded(f"{s}.dlq", "DeadLetter") for s in ("intake", "triage", "mediation", "enforcement",
                                                                     "repair", "objections")}
    assert [(r["source_topic"], r["error_type"]) for r in letters.pop("mediation")] == [("mediation.outcomes", "CaseIsClosed")]
    assert letters == {s: [] for s in letters}


async def test_redelivering_every_input_changes_nothing(ran):
    """Every stage reads all its inputs again from the start (its commits lost, its tables kept, as after
    a crash): no new case event, no new notice of any kind."""
    funnel, _ = ran
    before = {topic: len(funnel.bus.records(topic)) for topic in ("case.events", "loan.defaults.rejected", "loan.batches")}
    for host in funnel.runner.hosts:
        host.rewind()
    await funnel.settle()
    assert {topic: len(funnel.bus.records(topic)) for topic in before} == before
