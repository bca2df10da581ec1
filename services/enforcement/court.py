"""enforcement's answers to ``court.decisions``: a filing accepted or rejected, a judgment (the
performance period starts), an enforcement result, a terminated enforcement resumed on found assets
(ENFORCEMENT_RESUMED, 恢复执行). CONFIRMATION_* belong to mediation. Pure."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.deadlines import end_of_china_day_ms, set_deadline
from remedy.kernel.emit import Emit
from services.enforcement.errors import CaseAlreadyClosed, InvalidInput, OutOfOrder, UnknownCase
from services.enforcement.moves import PERFORMANCE, TERMINATED, Decision, advance, event
from services.enforcement.state import CaseFile

OUR_COURT_KINDS = frozenset({"FILING_ACCEPTED", "FILING_REJECTED", "JUDGMENT", "ENFORCEMENT_RESULT",
                             "ENFORCEMENT_RESUMED"})
ENFORCEMENT_RESULTS = frozenset({"RECOVERED_FULL", "RECOVERED_PARTIAL", "TERMINATED_NO_ASSETS"})


def on_court_decision(case: CaseFile | None, decision: dict, causation_id: str, now: datetime) -> Decision:
    kind = decision["kind"]
    if kind not in OUR_COURT_KINDS:
        return Decision(case, outcome="ignored")  # CONFIRMATION_* belong to mediation
    if case is None:
        raise UnknownCase(f"court decision {kind} for a case enforcement does not know")
    if decision["decision_id"] in case.seen:
        return Decision(case, outcome="duplicate")
    if case.closed:
        raise CaseAlreadyClosed(f"court decision {kind} for a closed case")
    case.remember(decision["decision_id"])
    case.cause = causation_id
    if kind in ("FILING_ACCEPTED", "FILING_REJECTED"):
        emits = [_filing(case, decision, causation_id, now)]
    elif kind == "JUDGMENT":
        emits = [_judgment(case, decision, causation_id, now)]
    elif kind == "ENFORCEMENT_RESULT":
        emits = [_enforcement_result(case, decision, causation_id, now)]
    elif case.stage == "ENFORCEMENT":
        return Decision(case, outcome="already_resumed")   # a payment resumed it first
    else:  # ENFORCEMENT_RESUMED: advance resumes it (after a hold's release, if held)
        _expect(case, kind, {TERMINATED})
        case.resume, emits = {"reason": "ASSETS_FOUND", "cause": causation_id}, []
    return Decision(case, emits + advance(case, now))


def _filing(case: CaseFile, decision: dict, causation_id: str, now: datetime) -> Emit:
    kind = decision["kind"]
    _expect(case, kind, {"FILED"})
    if kind == "FILING_ACCEPTED":
        case.stage, case.court_case_no = "ACCEPTED", decision["court_case_no"]
        return event(case, "FilingAccepted", {"court": decision["court"], "court_case_no": decision["court_case_no"]},
                     causation_id, now)
    case.stage = "REJECTED"
    return event(case, "FilingRejected", {"court": decision["court"], "reason": decision["reason"] or "UNSPECIFIED"},
                 causation_id, now)


def _judgment(case: CaseFile, decision: dict, causation_id: str, now: datetime) -> Emit:
    _expect(case, "JUDGMENT", {"ACCEPTED"})
    if decision["awarded_cents"] is None or decision["performance_due"] is None or decision["awarded_cents"] < 0:
        raise InvalidInput("JUDGMENT needs awarded_cents >= 0 and performance_due")
    case.stage, case.basis, case.court = "JUDGMENT", "JUDGMENT", decision["court"]
    case.court_case_no = decision["court_case_no"] or case.court_case_no
    # Payments since filing stay credited: a debtor is never asked to pay twice.
    case.basis_cents, case.recovered_cents = decision["awarded_cents"], 0
    set_deadline(case, PERFORMANCE, end_of_china_day_ms(decision["performance_due"]), now)
    return event(case, "JudgmentEntered",
                 {"court": decision["court"], "court_case_no": case.court_case_no,
                  "awarded_cents": decision["awarded_cents"], "performance_due": decision["performance_due"]},
                 causation_id, now)


def _enforcement_result(case: CaseFile, decision: dict, causation_id: str, now: datetime) -> Emit:
    _expect(case, "ENFORCEMENT_RESULT", {"ENFORCEMENT"})
    result = decision["enforcement_result"]
    if result not in ENFORCEMENT_RESULTS or decision["recovered_cents"] < 0:
        raise InvalidInput(f"ENFORCEMENT_RESULT needs enforcement_result in {sorted(ENFORCEMENT_RESULTS)} "
                           "and recovered_cents >= 0")
    case.recovered_cents += decision["recovered_cents"]
    if result == "RECOVERED_FULL":
        case.recovered_cents = max(case.recovered_cents, case.basis_cents - case.paid_cents)
        case.stage = "RECOVERED"
    elif result == "TERMINATED_NO_ASSETS":
        case.stage = TERMINATED
    return event(case, "EnforcementConcluded",
                 {"result": result, "recovered_cents": decision["recovered_cents"],
                  "outstanding_cents": max(0, case.outstanding_cents)}, causation_id, now)


def _expect(case: CaseFile, kind: str, stages: set[str]) -> None:
    if case.stage not in stages:
        raise OutOfOrder(f"{kind} while the case is at enforcement stage {case.stage or 'none (not handed over)'}")
