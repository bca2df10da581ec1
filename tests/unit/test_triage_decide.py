"""triage's pure decisions: every route, every rejection, jurisdiction, the scorecard, idempotency."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from services.triage.decide import Forward, facts_for_triage, forwards, on_case_event, on_debtor_message, score, triage
from services.triage.jurisdiction import jurisdiction
from services.triage.ruleset import Rules, RulesError, load_rules
from services.triage.settings import TriageSettings

NOW = datetime(2026, 11, 28, 4, tzinfo=timezone.utc)
TODAY = date(2026, 11, 28)
RULES = load_rules(TriageSettings().rules_path)
HARDSHIP = {k: False for k in ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")}


def facts(**over) -> dict:
    f = {"debtor_ref": "Dabc", "region_code": "350502", "lender_region_code": "350502", "agreed_jurisdiction": None,
         "product": "consumer_loan", "principal_cents": 1_000_000, "interest_cents": 100_000, "penalty_cents": 20_000,
         "due_date": "2026-06-01", "last_payment_date": None, "hardship": dict(HARDSHIP)}
    f.update(over)
    return f


def decide(f=None, withdrawn=False, prior=False, rules=RULES):
    return triage(f or facts(), withdrawn, prior, rules, TODAY)


def test_rule_file_is_versioned_data():
    assert RULES.version == "triage-rules-v1"
    assert RULES.limitation_years == 3 and RULES.floor_cents == 50_000
    raw = json.loads((REPO_ROOT / "services/triage/rules/v1.json").read_text())
    raw["version"], raw["floor_cents"] = "test-v9", 2_000_000
    kind, body = decide(rules=Rules.from_dict(raw))
    assert (kind, body["rule_version"], body["reason_codes"]) == ("CaseRejected", "test-v9", ["BELOW_FLOOR"])


def test_broken_rule_file_fails_at_start(tmp_path):
    bad = tmp_path / "rules.json"
    bad.write_text('{"version": "x"}')
    with pytest.raises(RulesError):
        load_rules(bad)
    with pytest.raises(RulesError):
        load_rules(tmp_path / "missing.json")


def test_ordinary_case_goes_to_peoples_mediation():
    kind, body = decide()
    assert kind == "CaseTriaged"
    assert body["route"] == "PEOPLES_MEDIATION" and "DEFAULT_ROUTE" in body["reason_codes"]
    assert body["rule_version"] == "triage-rules-v1"
    assert (body["mediation_centre"], body["court"], body["cross_region"]) == ("MC-350502", "CT-350502", False)


def test_claim_above_threshold_goes_to_court_mediation():
    kind, body = decide(facts(principal_cents=RULES.court_mediation_threshold_cents, interest_cents=0, penalty_cents=0))
    assert body["route"] == "COURT_MEDIATION" and "ABOVE_COURT_THRESHOLD" in body["reason_codes"]
    _, body = decide(facts(principal_cents=RULES.court_mediation_threshold_cents - 1, interest_cents=0, penalty_cents=0))
    assert body["route"] == "PEOPLES_MEDIATION"


def test_prior_failed_mediation_goes_to_court_mediation():
    _, body = decide(prior=True)
    assert body["route"] == "COURT_MEDIATION" and "PRIOR_MEDIATION_FAILED" in body["reason_codes"]


@pytest.mark.parametrize("flag,kind", [("is_student", "STUDENT"), ("serious_illness", "SERIOUS_ILLNESS"),
                                       ("unemployed", "UNEMPLOYED"), ("disaster", "DISASTER"),
                                       ("elderly", "ELDERLY"), ("disabled", "DISABLED")])
def test_hardship_goes_to_relief_even_above_threshold(flag, kind):
    _, body = decide(facts(hardship={**HARDSHIP, flag: True}, principal_cents=90_000_000), prior=True)
    assert body["route"] == "RELIEF" and f"HARDSHIP_{kind}" in body["reason_codes"]


def test_below_floor_is_rejected():
    kind, body = decide(facts(principal_cents=30_000, interest_cents=10_000, penalty_cents=9_999))
    assert kind == "CaseRejected" and body["reason_codes"] == ["BELOW_FLOOR"] and body["message"]


def test_time_barred_three_years_after_due_date_without_payment():
    assert decide(facts(due_date="2023-11-28"))[1]["reason_codes"] == ["TIME_BARRED"]
    assert decide(facts(due_date="2023-11-29"))[0] == "CaseTriaged"  # one day left


def test_a_later_payment_restarts_the_limitation_period():
    assert decide(facts(due_date="2022-01-10", last_payment_date="2024-02-01"))[0] == "CaseTriaged"
    assert decide(facts(due_date="2022-01-10", last_payment_date="2023-02-01"))[1]["reason_codes"] == ["TIME_BARRED"]


def test_every_rejection_reason_is_listed():
    kind, body = decide(facts(due_date="2020-01-01", principal_cents=100, interest_cents=0, penalty_cents=0),
                        withdrawn=True)
    assert body["reason_codes"] == ["LENDER_WITHDREW", "TIME_BARRED", "BELOW_FLOOR"]


def test_jurisdiction_agreed_when_valid_else_debtor_region():
    j = jurisdiction("110105", "350502", None)
    assert (j.region, j.mediation_centre, j.court, j.cross_region, j.agreed) == ("350502", "MC-350502", "CT-350502", True, True)
    for bad in ("CT-3505", "3505", "990101", "119999", "350500", None):   # malformed, unknown, not a county
        j = jurisdiction("110105", bad, None)
        assert (j.court, j.cross_region, j.agreed) == ("CT-110105", False, False)
    assert jurisdiction("110105", None, "350502").cross_region  # the lender is elsewhere


def test_a_case_whose_region_names_no_real_county_is_rejected_not_routed_to_a_court_that_does_not_exist():
    kind, body = decide(facts(region_code="119999", lender_region_code="119999"))
    assert (kind, body["reason_codes"]) == ("CaseRejected", ["REGION_CODE_UNKNOWN"])
    assert "GB/T 2260" in body["message"] and "CT-119999" not in str(body)
    kind, body = decide(facts(region_code="119999", agreed_jurisdiction="350502"))
    assert (kind, body["court"]) == ("CaseTriaged", "CT-350502"), "a real agreed forum still hears it"


def test_triaged_case_records_jurisdiction_reasons():
    _, body = decide(facts(region_code="110105", agreed_jurisdiction="350502"))
    assert body["court"] == "CT-350502" and body["cross_region"]
    assert {"JURISDICTION_AGREED", "CROSS_REGION"} <= set(body["reason_codes"])


def test_scorecard_is_transparent_and_bounded():
    base = decide()[1]["score"]
    assert decide(facts(last_payment_date="2026-10-01"))[1]["score"] == base + RULES.score_weights["paid_within_180_days"]
    assert decide(facts(product="online_loan"))[1]["score"] == base + RULES.score_weights["online_loan"]
    raw = json.loads((REPO_ROOT / "services/triage/rules/v1.json").read_text())
    raw["scorecard"]["base"] = 5000
    assert score(facts(), False, False, Rules.from_dict(raw), TODAY) == 1000


def opened(case_id="C1", debtor="Dabc", **over) -> dict:
    f = {"debtor_ref": debtor, "region_code": "350502", "lender_region_code": "350502", "agreed_jurisdiction": None,
         "product": "consumer_loan", "principal_cents": 1_000_000, "interest_cents": 0, "penalty_cents": 0,
         "due_date": date(2026, 6, 1), "last_payment_date": None, "hardship": dict(HARDSHIP), **over}
    return {"type": "CaseOpened", "event": {"facts": f}, "case_id": case_id, "lender_id": "L1", "event_id": f"E-open-{case_id}"}


def run(events, debtors=None):
    """Feed case.events through both steps, as the worker does; returns (emitted events, debtor states)."""
    cases, debtors, emitted = {}, debtors or {}, []
    for e in events:
        step = on_case_event(cases.get(e["case_id"]), e)
        if step.state is not None:
            cases[e["case_id"]] = step.state
        for fwd in forwards(step):
            d = on_debtor_message(debtors.get(fwd.debtor_ref), fwd, RULES, NOW)
            if d.state is not None:
                debtors[fwd.debtor_ref] = d.state
            emitted += [out.record for out in d.emits]
    return emitted, debtors


def test_opening_is_decided_once_with_causation():
    out, _ = run([opened(), opened()])
    (e,) = out
    assert (e["type"], e["producer"], e["causation_id"], e["case_id"]) == ("CaseTriaged", "triage", "E-open-C1", "C1")


def test_redelivered_forward_changes_nothing():
    out, debtors = run([opened()])
    fwd = Forward("Dabc", "OPEN", "C1", "L1", "E-open-C1", facts_for_triage(opened()["event"]["facts"]))
    step = on_debtor_message(debtors["Dabc"], fwd, RULES, NOW)
    assert step.state is None and step.emits == [] and step.outcome == "duplicate"


def test_withdrawal_before_triage_rejects():
    withdrawn = {"type": "CaseWithdrawn", "event": {"reason": "settled privately"}, "case_id": "C1", "lender_id": "L1",
                 "event_id": "E-w"}
    (e,), _ = run([withdrawn, opened()])
    assert e["type"] == "CaseRejected" and e["event"]["reason_codes"] == ["LENDER_WITHDREW"]


def test_amendment_before_triage_is_triaged_and_after_triage_ignored():
    amended = {**opened(), "type": "CaseAmended", "event_id": "E-am"}
    amended["event"] = {**amended["event"], "changed_fields": ["principal_cents"]}
    (e,), _ = run([amended])
    assert e["type"] == "CaseTriaged"
    state = on_case_event(None, opened())
    assert on_case_event(state.state, amended).outcome == "amended_after_triage"


def test_failed_mediation_of_a_debtor_sends_their_next_case_to_court():
    failed = {"type": "MediationFailed", "event": {"tier": "PEOPLES", "reason": "FAILED"}, "case_id": "C1",
              "lender_id": "L1", "event_id": "E-f", "producer": "mediation"}
    out, debtors = run([opened("C1"), failed, failed, opened("C2"), opened("C3", debtor="Dother")])
    routes = {e["case_id"]: e["event"]["route"] for e in out}
    assert routes == {"C1": "PEOPLES_MEDIATION", "C2": "COURT_MEDIATION", "C3": "PEOPLES_MEDIATION"}
    assert debtors["Dabc"]["failed"] == ["C1"]


def test_decisions_encode_as_case_events():
    codec = Codec(REPO_ROOT / "schemas")
    reject = {**opened("C9"), "event": {"facts": {**opened()["event"]["facts"], "principal_cents": 1}}}
    out, _ = run([opened("C8"), reject])
    for e in out:
        assert codec.decode(codec.encode("CaseEvent", e), expect="CaseEvent")[1]["type"] == e["type"]
