"""``remedy replay``'s pure comparison: triage rules re-run over a case log, routing and expected recovery."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services.triage.replay import REJECTED, compare, history, prior_failure
from services.triage.replay_report import lines
from services.triage.decide import COURT, PEOPLES, RELIEF
from tests.broker.funnel_helpers import opened, other_event
from tests.replay_cases import T0, V1, case_log, claim, closed, decided, rules

LOWER_COURT_THRESHOLD = rules(court_mediation_threshold_cents=2_000_000)


def test_same_rules_change_nothing_and_expect_what_the_actual_routing_expects():
    cmp = compare(case_log(), V1)
    assert len(cmp.replayed) == 7 and cmp.changes == []
    assert cmp.confusion == {(PEOPLES, PEOPLES): 3, (COURT, COURT): 2, (RELIEF, RELIEF): 1, (REJECTED, REJECTED): 1}
    assert cmp.expected_replayed == cmp.expected_actual
    # PEOPLES: 1.8M of 5.6M claimed by its finished cases; COURT: 3.36M of 6.72M; REJECTED: 0 — RELIEF has none finished.
    assert cmp.rates[PEOPLES].rate == pytest.approx(1_800_000 / (2 * claim(1_000_000) + claim(3_000_000)))
    assert cmp.rates[COURT].rate == pytest.approx(0.5) and cmp.rates[REJECTED].rate == 0
    assert cmp.expected_actual.cents == pytest.approx(1_800_000 + 0.5 * (claim(6_000_000) + claim(1_000_000)))
    assert cmp.actual_recovered_cents == 800_000 + 1_000_000 + 3_360_000 + 200_000 + 0
    text = "\n".join(lines(cmp, lang="en"))
    assert "cases whose route changes: 0 of 7" in text
    assert "actual recovered so far           ¥53,600" in text
    chinese = "\n".join(lines(cmp))
    assert "分流路径改变的案件：0 / 7" in chinese and "迄今实际回收" in chinese and "¥53,600" in chinese
    assert "按 triage-rules-v1 重跑了 7 件已分流案件" in chinese and "cases whose" not in chinese


def test_a_lower_court_threshold_moves_only_the_cases_between_the_thresholds():
    cmp = compare(case_log(), LOWER_COURT_THRESHOLD)
    (moved,) = cmp.changes
    assert moved.case.claim_cents == claim(3_000_000)                  # B: above 2,000,000 and below 5,000,000
    assert (moved.case.route, moved.route) == (PEOPLES, COURT) and "ABOVE_COURT_THRESHOLD" in moved.reason_codes
    assert cmp.confusion[(PEOPLES, COURT)] == 1 and cmp.confusion[(PEOPLES, PEOPLES)] == 2
    # B's claim is now expected to recover at COURT's 50% instead of PEOPLES' 32.1%.
    gain = claim(3_000_000) * (cmp.rates[COURT].rate - cmp.rates[PEOPLES].rate)
    assert cmp.expected_replayed.cents - cmp.expected_actual.cents == pytest.approx(gain)
    text = "\n".join(lines(cmp, lang="en"))
    assert f"{moved.case.case_id}  PEOPLES_MEDIATION → COURT_MEDIATION" in text
    assert "replayed 7 decided cases under triage-rules-test; they were decided under triage-rules-v1 (7)" in text


def test_a_replayed_route_no_finished_case_took_is_unknown_not_zero():
    cmp = compare(case_log(with_rejection=False), rules(floor_cents=1_200_000))
    assert REJECTED not in cmp.rates                                    # nobody was actually rejected
    assert {r.route for r in cmp.changes} == {REJECTED} and len(cmp.changes) == 4
    exp = cmp.expected_replayed
    assert (exp.unknown_cases, exp.unknown_claim_cents, exp.unknown_routes) == (4, 4 * claim(1_000_000), (REJECTED,))
    # only B (PEOPLES) and C (COURT) keep a rate: the rejected four are not counted as recovering 0
    assert exp.cents == pytest.approx(claim(3_000_000) * cmp.rates[PEOPLES].rate + claim(6_000_000) * 0.5)
    text = "\n".join(lines(cmp, lang="en"))
    assert "REJECTED           0 finished of 0: rate unknown" in text
    assert "+ unknown on ¥44,800 claimed by 4 case(s) routed to REJECTED" in text
    assert "difference" not in text


def test_an_open_court_route_leaves_court_cases_unknown_in_both_expectations():
    cmp = compare(case_log(court_closed=False), LOWER_COURT_THRESHOLD)
    assert cmp.rates[COURT].rate is None
    assert cmp.expected_actual.unknown_cases == 3              # C, G2 and D (RELIEF)
    assert cmp.expected_replayed.unknown_cases == 4            # and B, moved to COURT
    assert cmp.expected_replayed.unknown_routes == (COURT, RELIEF)


def test_the_debtors_earlier_failure_keeps_sending_the_next_case_to_court():
    same = compare(case_log(), V1)
    g2 = next(r for r in same.replayed if r.case.route == COURT and r.case.claim_cents == claim(1_000_000))
    assert g2.prior_failure and g2.route == COURT and "PRIOR_MEDIATION_FAILED" in g2.reason_codes
    g1 = next(r for r in same.replayed if r.case.debtor_ref == "D7" and r.case.route == PEOPLES)
    assert not g1.prior_failure, "its own failure came after its decision"
    without = compare(case_log(), rules(prior_failure_to_court=False))
    (moved,) = without.changes
    assert moved.case.case_id == g2.case.case_id and (moved.case.route, moved.route) == (COURT, PEOPLES)


def test_prior_failure_counts_other_cases_failing_before_the_decision_only():
    first, second = opened("L1", "X1", "D9", T0), opened("L1", "X2", "D9", T0)
    fail = lambda case, at: other_event("mediation", "MediationFailed", {"tier": "PEOPLES", "reason": "FAILED"},  # noqa: E731
                                        case["case_id"], "L1", at, cause=f"f-{case['case_id']}")
    later = T0 + timedelta(days=5)
    # the second case fails after the first was decided; the first's own failure came before its decision
    events = [second, decided(second, T0), fail(second, later), first, fail(first, T0 - timedelta(days=1)), decided(first, T0)]
    hist = history(events)
    assert not prior_failure(hist.cases[first["case_id"]], hist.failures)
    # the same failure before a decision counts …
    assert prior_failure(hist.cases[first["case_id"]], {"D9": [(T0 - timedelta(seconds=1), second["case_id"])]})
    # … a tie in time counts only when the actual decision cited it (triage had seen it)
    assert not prior_failure(hist.cases[first["case_id"]], {"D9": [(T0, second["case_id"])]})
    cited = opened("L1", "X3", "D9", T0)
    hist = history([cited, decided(cited, T0, prior_failure=True)])
    assert prior_failure(hist.cases[cited["case_id"]], {})


def test_redelivered_events_count_once_and_recovery_follows_analytics():
    a = opened("L1", "A", "D1", T0)
    paid = other_event("mediation", "InstalmentPaid", {"seq": 1, "amount_cents": 300_000, "payment_ref": "P", "paid_at": T0},
                       a["case_id"], "L1", T0)
    log = [a, decided(a, T0), paid, paid, closed(a, T0 + timedelta(days=9), 100_000)]
    cmp = compare(log, V1)
    case = cmp.replayed[0].case
    assert cmp.duplicates == 1 and case.paid_cents == 300_000
    assert case.recovered_cents == 300_000, "max(closed recovered, paid so far), as case_state computes it"
    assert "1 duplicate events ignored" in "\n".join(lines(cmp, lang="en"))


def test_undecided_and_unopened_cases_are_counted_not_replayed():
    a, b = opened("L1", "A", "D1", T0), opened("L1", "B", "D2", T0)
    cmp = compare([a, decided(b, T0)], V1)
    assert (len(cmp.replayed), cmp.undecided, cmp.unopened) == (0, 1, 1)
    assert "skipped: 1 not decided yet, 1 decided without their opening in the log" in "\n".join(lines(cmp, lang="en"))



def test_the_report_names_the_replayed_rules_hash_and_the_hashes_cases_were_decided_under():
    log = case_log()
    old = [{**e, "event": {k: v for k, v in e["event"].items() if k != "rule_hash"}} for e in log[:3]]
    cmp = compare(old + log[3:], LOWER_COURT_THRESHOLD)
    assert cmp.rule_hash == LOWER_COURT_THRESHOLD.hash != V1.hash
    text = "\n".join(lines(cmp, lang="en"))
    assert f"rule hashes: replayed sha256 {LOWER_COURT_THRESHOLD.hash}; decided under " in text
    assert sum(e["type"] == "CaseTriaged" for e in old) == 1, "one decision written before CaseEvent v2"
    assert f"triage-rules-v1 no hash recorded (1), triage-rules-v1 sha256 {V1.hash[:12]} (6)" in text
