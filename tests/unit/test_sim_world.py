"""The simulated outside world: each policy, its rates over many seeded draws, determinism, the baseline."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from remedy.kernel.settings import REPO_ROOT
from remedy.contract.codec import Codec
from services.intake.validation import validate
from services.mediation.plans import plan_to_state
from sim.baseline import baseline
from sim.calibrate import settlements
from sim.defaults import INVALID_KINDS, demo_batch, utc
from sim.runner import World
from sim.world import CaseView, WorldConfig, on_event, resume, rng_for, verdict

T0 = utc(2026, 11, 2, 2)
CFG = WorldConfig()
CODEC = Codec(REPO_ROOT / "schemas")
FACTS = {"principal_cents": 1_000_000, "interest_cents": 120_000, "penalty_cents": 30_000}


def ev(type_: str, body: dict, case: str = "C1", at: datetime = T0, n: int = 0, producer: str = "mediation") -> dict:
    return case_event(producer, type_, body, case_id=case, lender_id="LENDER-A", causation_id=f"x/{n}", now=at,
                      discriminator=str(n))


def opened(case: str = "C1", facts: dict = FACTS) -> CaseView:
    view, _ = on_event(None, ev("CaseOpened", {"facts": facts}, case, producer="intake"), rng_for(1, "o"), CFG)
    return view


def triaged(view: CaseView, route: str = "PEOPLES_MEDIATION", seed: int = 1) -> list:
    e = ev("CaseTriaged", {"route": route, "court": "C350502", "reason_codes": [], "score": 500, "rule_version": "r1",
                           "mediation_centre": "MC350502", "cross_region": False}, view.case_id, producer="triage")
    return on_event(view, e, rng_for(seed, e["event_id"]), CFG)[1]


def session(view: CaseView, tier: str = "PEOPLES", seed: int = 1, n: int = 1, cfg: WorldConfig = CFG):
    on_event(view, ev("MediatorAssigned", {"tier": tier, "mediator_id": "M7", "queue_wait_ms": 0}, view.case_id, n=n),
             rng_for(seed, f"a{n}"), cfg)
    e = ev("SessionScheduled", {"tier": tier, "mediator_id": "M7", "mode": "PHONE", "location": None, "video_link": None,
                                "scheduled_at": T0 + timedelta(days=1, hours=1)}, view.case_id, T0, n)
    return e, on_event(view, e, rng_for(seed, e["event_id"]), cfg)[1]


def sessions(tier: str, n: int = 4000, cfg: WorldConfig = CFG) -> Counter:
    out = Counter()
    for i in range(n):
        _, (action,) = session(opened(f"C{i}"), tier, seed=i, cfg=cfg)
        out[action.record["outcome"]] += 1
    return out


def close_to(count: int, n: int, rate: float, tol: float = 0.025) -> bool:
    return abs(count / n - rate) <= tol


def test_a_scheduled_session_yields_one_outcome_at_the_session_end_by_its_mediator():
    view = opened()
    e, (action,) = session(view)
    o = action.record
    assert action.at == e["event"]["scheduled_at"] + timedelta(minutes=CFG.session_minutes) == o["recorded_at"]
    assert (action.topic, action.key, o["case_id"], o["tier"], o["mediator_id"]) == (
        "mediation.outcomes", "C1", "C1", "PEOPLES", "M7")
    assert o["outcome"] in ("SETTLED", "FAILED", "UNREACHABLE", "EXTENDED")
    CODEC.encode("MediationOutcome", o)
    assert verdict(view, action) == "send"


def test_settled_plans_are_valid_for_mediation_lump_sum_or_instalments_sometimes_waiving_the_penalty():
    plans = []
    for i in range(600):
        _, (action,) = session(opened(f"C{i}"), seed=i)
        if action.record["outcome"] == "SETTLED":
            plans.append(action.record["plan"])
    assert len(plans) > 150
    claim = sum(FACTS.values())
    for plan in plans:
        state = plan_to_state(plan)  # mediation's own checks: seq 1..n, positive, adds up, dates increase
        assert plan["total_cents"] + plan["waived_penalty_cents"] + plan["waived_interest_cents"] == claim
        assert state["instalments"][0]["due_date"] > "2026-11-20", "the first instalment falls after confirmation"
    kinds = Counter(p["kind"] for p in plans)
    assert close_to(kinds["LUMP_SUM"], len(plans), CFG.lump_sum_rate, 0.07) and kinds["INSTALMENTS"] > 0
    waived = sum(p["waived_penalty_cents"] == FACTS["penalty_cents"] for p in plans)
    assert close_to(waived, len(plans), CFG.penalty_waiver_rate, 0.07)


def test_per_tier_settlement_rates_are_respected_over_many_seeded_draws():
    peoples, court = sessions("PEOPLES"), sessions("COURT")
    assert close_to(peoples["SETTLED"], 4000, CFG.peoples_settle_rate)
    assert close_to(court["SETTLED"], 4000, CFG.court_settle_rate)
    assert close_to(peoples["EXTENDED"], 4000, CFG.extend_rate, 0.01)
    failed = peoples["FAILED"] + peoples["UNREACHABLE"]
    assert close_to(peoples["UNREACHABLE"], failed, CFG.unreachable_share, 0.03)
    doubled = sessions("PEOPLES", 2000, WorldConfig(peoples_settle_rate=0.7))
    assert close_to(doubled["SETTLED"], 2000, 0.7), "the rate is a setting"


def test_same_seed_same_actions_other_seed_other_actions():
    def run(seed: int) -> list:
        out = []
        for i in range(50):
            view = opened(f"C{i}")
            out += [(a.at, a.topic, a.record) for a in triaged(view, seed=seed)]
            out += [(a.at, a.topic, a.record) for a in session(view, seed=seed)[1]]
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_redelivered_event_does_nothing():
    view = opened()
    e, first = session(view)
    assert first and on_event(view, e, rng_for(1, e["event_id"]), CFG)[1] == []


def test_an_extension_is_followed_by_a_final_outcome_after_the_extension():
    cfg = WorldConfig(peoples_settle_rate=0.0, extend_rate=1.0, extended_settle_rate=1.0)
    view = opened()
    _, (action,) = session(view, cfg=cfg)
    assert action.record["outcome"] == "EXTENDED"
    ext = ev("TierExtended", {"tier": "PEOPLES", "new_deadline": T0 + timedelta(days=60)}, at=action.at, n=5)
    (final,) = on_event(view, ext, rng_for(1, ext["event_id"]), cfg)[1]
    assert final.record["outcome"] == "SETTLED" and final.record["mediator_id"] == "M7"
    assert cfg.extend_days[0] <= (final.at - action.at).days <= cfg.extend_days[1]
    assert verdict(view, final) == "send"


def test_courts_confirm_accept_judge_and_report_enforcement_at_configured_rates():
    kinds, awards, results = Counter(), [], Counter()
    for i in range(2000):
        view = opened(f"C{i}")
        req = ev("ConfirmationRequested", {"court": "C350502", "due_by": date(2026, 12, 2)}, view.case_id, n=1)
        (d,) = on_event(view, req, rng_for(i, req["event_id"]), CFG)[1]
        kinds[d.record["kind"]] += 1
        assert CFG.confirm_days[0] <= (china_date(d.at) - china_date(T0)).days <= CFG.confirm_days[1]
        filed = ev("LitigationFiled", {"court": "C350502", "filing_batch_id": "FB", "claim_cents": 1_150_000,
                                       "evidence_bundle": []}, view.case_id, n=2, producer="enforcement")
        (f,) = on_event(view, filed, rng_for(i, filed["event_id"]), CFG)[1]
        kinds[f.record["kind"]] += 1
        acc = ev("FilingAccepted", {"court": "C350502", "court_case_no": "N1"}, view.case_id, f.at, 3, "enforcement")
        (j,) = on_event(view, acc, rng_for(i, acc["event_id"]), CFG)[1]
        assert j.record["kind"] == "JUDGMENT" and j.record["performance_due"] > china_date(j.at)
        awards.append(j.record["awarded_cents"])
        applied = ev("EnforcementApplied", {"court": "C350502", "basis": "JUDGMENT", "claim_cents": 1_000_000},
                     view.case_id, j.at, 4, "enforcement")
        (r,) = on_event(view, applied, rng_for(i, applied["event_id"]), CFG)[1]
        results[r.record["enforcement_result"]] += 1
        got = r.record["recovered_cents"]
        assert {"RECOVERED_FULL": got == 1_000_000, "RECOVERED_PARTIAL": 0 < got < 1_000_000,
                "TERMINATED_NO_ASSETS": got == 0}[r.record["enforcement_result"]]
        for a in (d, f, j, r):
            CODEC.encode("CourtDecision", a.record)
    assert close_to(kinds["CONFIRMATION_GRANTED"], 2000, CFG.confirmation_grant_rate, 0.015)
    assert close_to(kinds["FILING_ACCEPTED"], 2000, CFG.filing_accept_rate, 0.015)
    assert close_to(sum(a == 1_150_000 for a in awards), 2000, CFG.full_award_rate) and max(awards) == 1_150_000
    assert close_to(results["RECOVERED_FULL"], 2000, CFG.enforcement_full_rate)
    assert close_to(results["RECOVERED_PARTIAL"], 2000, CFG.enforcement_partial_rate)


def test_debtors_pay_instalments_on_time_late_or_not_with_unique_refs():
    due_day = date(2026, 12, 10)
    timing, refs = Counter(), set()
    for i in range(3000):
        view = opened(f"C{i}")
        on_event(view, ev("ConfirmationGranted", {"court": "C", "ruling_no": "R"}, view.case_id, n=1), rng_for(i, "g"), CFG)
        for seq in (1, 2):
            due = ev("InstalmentDue", {"seq": seq, "due_date": due_day, "amount_cents": 50_000}, view.case_id,
                     utc(2026, 12, 7, 1), n=10 + seq)
            actions = on_event(view, due, rng_for(i, due["event_id"]), CFG)[1]
            if not actions:
                timing["missed"] += 1
                continue
            (pay,) = actions
            assert pay.record["amount_cents"] == 50_000 and verdict(view, pay) == "send"
            refs.add(pay.record["payment_ref"])
            late_by = (china_date(pay.at) - due_day).days
            assert late_by <= CFG.grace_days - 2, "late payers still pay inside the grace period"
            timing["on_time" if late_by <= 0 else "late"] += 1
            CODEC.encode("Payment", pay.record)
    paid = timing["on_time"] + timing["late"]
    assert len(refs) == paid, "every payment has its own payment_ref"
    assert close_to(timing["on_time"], 6000, CFG.pay_on_time_rate)
    assert close_to(timing["late"], 6000, CFG.pay_late_rate, 0.015)


def test_debtors_object_claim_hardship_opt_out_and_lenders_withdraw_or_report_paid():
    kinds = Counter()
    for i in range(5000):
        for a in triaged(opened(f"C{i}"), seed=i):
            kinds[a.record.get("kind")] += 1
            CODEC.encode(a.schema, a.record)
            assert a.at > T0 and not a.hold
    assert close_to(kinds["OBJECTION"], 5000, CFG.objection_rate, 0.008)
    assert close_to(kinds["HARDSHIP_CLAIM"], 5000, CFG.hardship_claim_rate, 0.006)
    assert close_to(kinds["OPT_OUT"], 5000, CFG.opt_out_rate, 0.008)
    assert close_to(kinds["WITHDRAWN"], 5000, CFG.withdraw_rate, 0.005)
    assert close_to(kinds["PAID_IN_FULL"], 5000, CFG.paid_in_full_rate, 0.005)
    assert all(k != "HARDSHIP_CLAIM" for i in range(300) for k in
               [a.record.get("kind") for a in triaged(opened(f"R{i}"), "RELIEF", seed=i)])


def test_a_reviewer_decides_each_objection_and_only_while_it_is_open():
    decisions = Counter()
    for i in range(1000):
        view = opened(f"C{i}")
        filed = ev("ObjectionFiled", {"objection_id": "OB1", "ground": "WRONG_AMOUNT", "detail": "",
                                      "answer_by": date(2026, 11, 22)}, view.case_id, n=1, producer="objections")
        (d,) = on_event(view, filed, rng_for(i, filed["event_id"]), CFG)[1]
        r = d.record
        assert (r["kind"], r["objection_id"]) == ("OBJECTION_DECISION", "OB1")
        decisions[r["decision"]] += 1
        if r["decision"] == "UPHELD_AMEND":
            assert 0 < r["amended_principal_cents"] < FACTS["principal_cents"]
        decisions["overdue"] += china_date(d.at) > date(2026, 11, 22)
        on_event(view, ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "OB1", "stage": "X"}, view.case_id, n=2),
                 rng_for(i, "h"), CFG)
        assert verdict(view, d) == "send", "the reviewer answers while the case is held"
        resolved = ev("ObjectionResolved", {"objection_id": "OB1", "decision": "DISMISSED",
                                            "amended_principal_cents": None, "reason": ""}, view.case_id, n=3)
        on_event(view, resolved, rng_for(i, "r"), CFG)
        assert verdict(view, d) == "drop"
    assert close_to(decisions["UPHELD_CLOSE"], 1000, CFG.upheld_close_rate, 0.03)
    assert close_to(decisions["UPHELD_AMEND"], 1000, CFG.upheld_amend_rate, 0.03)
    assert close_to(decisions["overdue"], 1000, CFG.review_overdue_rate, 0.02)


def test_stale_held_and_closed_cases_drop_or_park_actions_and_release_shifts_them():
    view = opened()
    _, (outcome,) = session(view)
    failed = ev("MediationFailed", {"tier": "PEOPLES", "reason": "DEADLINE"}, n=9)
    on_event(view, failed, rng_for(1, "f"), CFG)
    assert verdict(view, outcome) == "drop", "the tier failed on its deadline before the session"

    world = World(seed=1, cfg=CFG)
    world.observe(ev("CaseOpened", {"facts": FACTS}, producer="intake"), T0)
    world.observe(session_event := ev("SessionScheduled", {
        "tier": "PEOPLES", "mediator_id": "M7", "mode": "PHONE", "location": None, "video_link": None,
        "scheduled_at": T0 + timedelta(hours=5)}, n=1), T0)
    (pending,) = [a for _, _, a in world.agenda]
    world.observe(ev("CaseHeld", {"reason": "OBJECTION", "objection_id": "O", "stage": "PEOPLES_MEDIATION"},
                     producer="objections", n=2), T0)
    assert world.due(T0 + timedelta(days=1)) == [] and world.counts["parked"] == 1
    held_ms = 3 * 86_400_000
    world.observe(ev("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": held_ms}, producer="objections", n=3),
                  T0 + timedelta(days=3))
    assert world.due(T0 + timedelta(days=3, hours=5)) == [], "the delay shifted by the time held"
    (sent,) = world.due(T0 + timedelta(days=3, hours=6, minutes=1))
    assert sent.at == pending.at + timedelta(milliseconds=held_ms) == sent.record["recorded_at"]
    assert {**sent.record, "recorded_at": pending.at} == pending.record
    assert resume([pending], 0, T0 + timedelta(days=9))[0].at == T0 + timedelta(days=9)

    world.observe(ev("CaseClosed", {"reason": "WITHDRAWN", "final_stage": "X", "recovered_cents": 0},
                     producer="objections", n=4), T0)
    assert verdict(world.views["C1"], pending) == "drop"
    assert session_event["event_id"] in world.views["C1"].seen


def test_world_config_rates_come_from_the_environment():
    cfg = WorldConfig.from_env({"REMEDY_SIM_PEOPLES_SETTLE_RATE": "0.5", "REMEDY_SIM_CONFIRM_DAYS": "1,2",
                                "REMEDY_SIM_GRACE_DAYS": "7", "REMEDY_OTHER": "x"})
    assert (cfg.peoples_settle_rate, cfg.confirm_days, cfg.grace_days) == (0.5, (1, 2), 7)
    assert cfg.court_settle_rate == CFG.court_settle_rate


@pytest.fixture(scope="module")
def source_batch():
    return demo_batch(now=utc(2026, 11, 28, 4), seed=2026)


def test_the_default_batch_is_8539_cases_from_a_dozen_lenders_plus_malformed_rows(source_batch):
    defaults, bad = source_batch
    valid = [d for d in defaults if d["loan_id"] not in bad]
    assert len(valid) == 8539 and 0 < len(bad) < 100
    assert set(bad.values()) == set(INVALID_KINDS), "every kind of malformed row appears"
    today = date(2026, 11, 28)
    assert all(validate(d, today) == [bad[d["loan_id"]]] for d in defaults if d["loan_id"] in bad)
    assert all(validate(d, today) == [] for d in valid)
    by_lender = Counter(d["lender_id"] for d in valid)
    assert len(by_lender) == 12 and max(by_lender.values()) > 2 * min(by_lender.values()), "uneven books"
    assert len({d["debtor"]["region_code"] for d in valid}) >= 6
    assert {d["product"] for d in valid} == {"consumer_loan", "credit_card", "micro_loan", "online_loan"}
    assert sum(d["debtor"]["is_student"] for d in valid) > 50
    amounts = sorted(d["principal_cents"] for d in valid)
    assert all(isinstance(a, int) for a in amounts) and 200_000 < amounts[len(amounts) // 2] < 2_000_000
    assert len({(d["lender_id"], d["batch_id"]) for d in defaults}) == 12
    assert len({d["loan_id"] for d in defaults}) == len(defaults)
    assert demo_batch(n_cases=50, n_lenders=3, now=utc(2026, 11, 28, 4), seed=1) == \
        demo_batch(n_cases=50, n_lenders=3, now=utc(2026, 11, 28, 4), seed=1)


def test_baseline_recovers_about_1_over_1_7_of_mediated_settlements_with_default_rates(source_batch):
    defaults, bad = source_batch
    cases = [d for d in defaults if d["loan_id"] not in bad]
    base = baseline(cases, seed=2026)
    funnel = settlements(cases, seed=2026, start=utc(2026, 11, 28, 4))
    assert base.claimed_cents == funnel.claimed_cents
    assert 1.55 <= funnel.recovered_cents / base.recovered_cents <= 1.9
    assert 0.15 < base.recovery_rate < 0.35
    assert baseline(cases, seed=2026) == base, "seeded"
    assert baseline(cases[:100], seed=2026).recovered_cents == sum(
        baseline([c], seed=2026).recovered_cents for c in cases[:100]), "a case's baseline ignores the other cases"
