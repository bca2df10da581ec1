"""enforcement, pure: handover from mediation, filing batches, filing and judgment decisions, bad input."""
from __future__ import annotations

from datetime import date

import pytest

from services.enforcement import decide as d
from tests.stage_scripts import Script, days, utc

T0 = utc(2026, 5, 4, 2)  # Monday 10:00 in China


def bodies(decision, type_):
    return [e.record["event"] for e in decision.emits if e.record.get("type") == type_]


def types(decision):
    return [e.record["type"] for e in decision.emits]


def handed_over(s: Script, at=T0, **facts):
    case = d.on_case_event(None, s.opened(at - days(60), **facts), at).file
    case = d.on_case_event(case, s.triaged(at - days(59)), at).file
    return d.on_case_event(case, s.escalated(at, "LITIGATION", "COURT_MEDIATION_FAILED"), at)


def test_litigation_handover_files_in_the_courts_batch_of_the_day_with_the_evidence_bundle():
    a, b = Script("L1"), Script("L2")
    da, db = handed_over(a), handed_over(b, T0 + days(0.4))  # 19:36 China, same day
    (fa,), (fb,) = bodies(da, "LitigationFiled"), bodies(db, "LitigationFiled")
    assert fa["filing_batch_id"] == fb["filing_batch_id"] == "FB-C350502-20260504"
    assert fa["court"] == "C350502"
    assert fa["claim_cents"] == 800_000 + 80_000 + 20_000
    assert [e["uri"] for e in fa["evidence_bundle"]] == ["s3://lender/L1/contract.pdf", "s3://lender/L1/statement.pdf"]
    next_day = handed_over(Script("L3"), T0 + days(0.7))  # 02:48 China the next day
    assert bodies(next_day, "LitigationFiled")[0]["filing_batch_id"] == "FB-C350502-20260505"
    assert da.emits[0].record["causation_id"] == da.file.handover["cause"]


def test_without_triage_the_agreed_jurisdiction_or_the_debtors_basic_court_is_used():
    s = Script()
    case = d.on_case_event(None, s.opened(T0, jurisdiction="J-350583"), T0).file
    out = d.on_case_event(case, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0)
    assert bodies(out, "LitigationFiled")[0]["court"] == "J-350583"
    s2 = Script("L9")
    case = d.on_case_event(None, s2.opened(T0), T0).file
    out = d.on_case_event(case, s2.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0)
    assert bodies(out, "LitigationFiled")[0]["court"] == "BASIC-COURT-350502"


def test_escalations_to_other_stages_are_not_enforcements_business():
    s = Script()
    case = d.on_case_event(None, s.opened(T0), T0).file
    out = d.on_case_event(case, s.escalated(T0, "COURT_MEDIATION", "PEOPLES_FAILED", "PEOPLES_MEDIATION"), T0)
    assert out.emits == [] and out.file.stage is None


def test_filing_accepted_then_judgment_starts_the_performance_period():
    s = Script()
    case = handed_over(s).file
    acc = d.on_court_decision(case, s.court("FILING_ACCEPTED", T0 + days(3)), "court.decisions/0/1", T0 + days(3))
    assert bodies(acc, "FilingAccepted") == [{"court": "C350502", "court_case_no": "(2026)闽0502民初1号"}]
    judged = d.on_court_decision(acc.file, s.court("JUDGMENT", T0 + days(40), awarded_cents=850_000,
                                                   performance_due=date(2026, 6, 28)), "court.decisions/0/2", T0 + days(40))
    (j,) = bodies(judged, "JudgmentEntered")
    assert (j["awarded_cents"], j["performance_due"]) == (850_000, date(2026, 6, 28)), "the award can differ from the claim"
    assert judged.file.outstanding_cents == 850_000
    assert judged.emits[0].record["causation_id"] == "court.decisions/0/2"


def test_filing_rejected_stops_litigation():
    s = Script()
    out = d.on_court_decision(handed_over(s).file, s.court("FILING_REJECTED", T0, reason="MISSING_EVIDENCE"), "c/0/1", T0)
    assert bodies(out, "FilingRejected") == [{"court": "C350502", "reason": "MISSING_EVIDENCE"}]
    with pytest.raises(d.OutOfOrder):
        d.on_court_decision(out.file, s.court("JUDGMENT", T0, awarded_cents=1, performance_due=date(2026, 6, 1)), "c/0/2", T0)


def test_confirmation_decisions_belong_to_mediation_and_are_skipped_silently():
    s = Script()
    case = handed_over(s).file
    for kind in ("CONFIRMATION_GRANTED", "CONFIRMATION_DENIED"):
        out = d.on_court_decision(case, s.court(kind, T0), "c/0/1", T0)
        assert (out.outcome, out.emits) == ("ignored", [])
    assert d.on_court_decision(None, s.court("CONFIRMATION_GRANTED", T0), "c/0/1", T0).outcome == "ignored"


def test_redelivered_inputs_change_nothing():
    s = Script()
    opened, esc = s.opened(T0), s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED")
    case = d.on_case_event(None, opened, T0).file
    case = d.on_case_event(case, esc, T0).file
    assert d.on_case_event(case, esc, T0).outcome == "duplicate"
    decision = s.court("FILING_ACCEPTED", T0, decision_id="D1")
    case = d.on_court_decision(case, decision, "c/0/1", T0).file
    assert d.on_court_decision(case, decision, "c/0/9", T0).outcome == "duplicate"


@pytest.mark.parametrize("kind,extra,error", [
    ("FILING_ACCEPTED", {}, d.UnknownCase),
    ("JUDGMENT", {"awarded_cents": 5, "performance_due": date(2026, 6, 1)}, d.UnknownCase),
])
def test_decisions_for_unknown_cases_are_dead_lettered(kind, extra, error):
    with pytest.raises(error):
        d.on_court_decision(None, Script().court(kind, T0, **extra), "c/0/1", T0)


def test_impossible_decisions_are_dead_lettered_with_a_reason():
    s = Script()
    case = d.on_case_event(None, s.opened(T0), T0).file
    with pytest.raises(d.OutOfOrder, match="not handed over"):
        d.on_court_decision(case, s.court("FILING_ACCEPTED", T0), "c/0/1", T0)
    filed = handed_over(s).file
    with pytest.raises(d.OutOfOrder):
        d.on_court_decision(filed, s.court("ENFORCEMENT_RESULT", T0, enforcement_result="RECOVERED_FULL"), "c/0/1", T0)
    accepted = d.on_court_decision(filed, s.court("FILING_ACCEPTED", T0), "c/0/1", T0).file
    with pytest.raises(d.InvalidInput):
        d.on_court_decision(accepted, s.court("JUDGMENT", T0), "c/0/2", T0)  # no award, no performance_due
    with pytest.raises(d.UnknownCase):
        d.on_case_event(None, s.triaged(T0), T0)
    with pytest.raises(d.OutOfOrder):  # handed over twice
        d.on_case_event(filed, s.escalated(T0, "LITIGATION", "COURT_MEDIATION_FAILED"), T0)


def test_a_closed_case_never_moves():
    s = Script()
    case = handed_over(s).file
    case = d.on_case_event(case, s.closed(T0 + days(1)), T0 + days(1)).file
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_court_decision(case, s.court("FILING_ACCEPTED", T0 + days(2)), "c/0/1", T0 + days(2))
    with pytest.raises(d.CaseAlreadyClosed):
        d.on_payment(case, s.payment("P1", 100, T0), "payments/0/1", T0)
    assert d.on_tick(case, T0 + days(400)).emits == []


def test_a_case_with_no_evidence_is_not_filed_its_lender_told_once_and_filed_once_amended():
    s = Script("L-bare")
    out = handed_over(s, evidence=[])
    assert [e.topic for e in out.emits] == ["case.events", "enforcement.dlq"] and out.file.stage is None
    assert out.file.filing_refused and bodies(out, "FilingWithheld") == [{"court": "C350502", "reason": "NO_EVIDENCE"}]
    assert out.emits[0].record["lender_id"] == s.lender_id    # on the lender's own case log: its view and webhooks
    (letter,) = [e for e in out.emits if e.topic == "enforcement.dlq"]
    assert letter.record["error_type"] == "FilingRefused" and "no evidence" in letter.record["error"]
    assert letter.record["value"] == out.file.handover["cause"].encode()
    again = d.on_tick(out.file, T0 + days(1))
    assert again.emits == [] and again.outcome == "ignored"          # refused once, not on every tick
    amended = s.event("CaseAmended", {"facts": {**s.opened(T0)["event"]["facts"]}, "changed_fields": ["evidence"]},
                      T0 + days(2), "intake")
    filed = d.on_case_event(again.file, amended, T0 + days(2))
    (body,) = bodies(filed, "LitigationFiled")
    assert [e["doc_type"] for e in body["evidence_bundle"]] == ["contract", "statement"]


def upload(s: Script, sha: str, uri: str | None = None, update_id: str = "U1", lender_id: str | None = None) -> dict:
    return {"update_id": update_id, "case_id": s.case_id, "lender_id": lender_id or s.lender_id, "kind": "EVIDENCE_ADDED",
            "amount_cents": 0, "note": "", "reported_at": T0,
            "evidence": {"doc_type": "contract", "uri": uri or f"remedy:evidence/{sha}", "sha256": sha,
                         "size_bytes": 10, "content_type": "application/pdf"}}


def test_an_uploaded_evidence_file_cures_a_withheld_filing_in_that_days_batch():
    s = Script("L-cured")
    withheld = handed_over(s, evidence=[]).file
    later = T0 + days(3)
    with pytest.raises(d.InvalidInput):                                   # another lender's upload for the case
        d.on_lender_update(withheld, upload(s, "ab" * 32, lender_id="LENDER-B"), "lender.updates/0/1", later)
    filed = d.on_lender_update(withheld, upload(s, "ab" * 32), "lender.updates/0/1", later)
    (body,) = bodies(filed, "LitigationFiled")
    assert body["filing_batch_id"] == "FB-C350502-20260507"               # the batch of the day it was cured
    assert body["evidence_bundle"] == [{"doc_type": "contract", "uri": "remedy:evidence/" + "ab" * 32, "sha256": "ab" * 32}]
    assert filed.emits[0].record["causation_id"] == "lender.updates/0/1"
    again = d.on_lender_update(filed.file, upload(s, "ab" * 32), "lender.updates/0/1", later)
    assert again.outcome == "duplicate" and again.emits == []
    other = {**upload(s, "cd" * 32, update_id="U2"), "kind": "WITHDRAWN"}
    assert d.on_lender_update(filed.file, other, "lender.updates/0/2", later).outcome == "ignored"


def test_an_upload_supplies_a_declared_items_hash_and_an_amendment_keeps_the_uploads():
    s = Script("L-hash")
    case = d.on_case_event(None, s.opened(T0 - days(60), evidence=[{"doc_type": "contract", "uri": "s3://x/c.pdf",
                                                                      "sha256": None}]), T0).file
    case = d.on_lender_update(case, upload(s, "ef" * 32, uri="s3://x/c.pdf"), "lender.updates/0/3", T0).file
    amended = s.event("CaseAmended", {"facts": {**s.opened(T0)["event"]["facts"], "evidence": [
        {"doc_type": "contract", "uri": "s3://x/c.pdf", "sha256": None}]}, "changed_fields": ["principal_cents"]},
        T0, "intake")
    case = d.on_case_event(case, amended, T0).file
    assert case.all_evidence == [{"doc_type": "contract", "uri": "s3://x/c.pdf", "sha256": "ef" * 32}]


def amendment(s: Script, at, principal: int) -> dict:
    return s.event("CaseAmended", {"facts": {**s.opened(T0)["event"]["facts"], "principal_cents": principal},
                                   "changed_fields": ["principal_cents"]}, at, "intake")


def test_before_judgment_an_amended_claim_follows_the_amendment_and_after_it_does_not():
    s = Script("L-amend")
    filed = handed_over(s).file
    assert filed.basis_cents == 900_000
    assert d.on_case_event(filed, amendment(s, T0 + days(1), 900_000), T0 + days(1)).file.basis_cents == 1_000_000
    j = Script("L-judged")
    accepted = d.on_court_decision(handed_over(j).file, j.court("FILING_ACCEPTED", T0), "c/0/1", T0).file
    judged = d.on_court_decision(accepted, j.court("JUDGMENT", T0, awarded_cents=850_000,
                                                   performance_due=date(2026, 6, 1)), "c/0/2", T0).file
    assert d.on_case_event(judged, amendment(j, T0 + days(1), 900_000), T0 + days(1)).file.basis_cents == 850_000
