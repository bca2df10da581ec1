"""The moves enforcement makes once the facts call for them: taking a case over (a suit filed, or a
defaulted confirmed settlement enforced as it stands), enforcement after the performance period,
performance in full, and a terminated enforcement (终本): the listing proposed once, and its
resumption (恢复执行) on a payment or found assets. Pure; also the envelope it writes."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import ms, next_due_ms
from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.events import case_event
from remedy.kernel import lifecycle
from services.enforcement.errors import FilingRefused
from services.enforcement.state import CaseFile

PRODUCER = "enforcement"
ACTIVE = frozenset({"FILED", "ACCEPTED", "JUDGMENT", "ENFORCEMENT"})
TERMINATED = "TERMINATED"                 # 终结本次执行: the debt stays owed, the case open and resumable
OWING = ACTIVE | {TERMINATED}             # the steps where a payment counts against what is owed
# Enforcement's own steps → the lifecycle stage a case waits in (a terminated case is still in enforcement).
LIFECYCLE_STAGE = {"FILED": lifecycle.LITIGATION, "ACCEPTED": lifecycle.LITIGATION, "JUDGMENT": lifecycle.JUDGMENT,
                   "ENFORCEMENT": lifecycle.ENFORCEMENT, TERMINATED: lifecycle.ENFORCEMENT}
PERFORMANCE = "performance_due"
DLQ = "enforcement.dlq"

Decision = FileDecision[CaseFile]


def filing_batch_id(court: str, now: datetime) -> str:
    """One filing batch per court per China day: every case filed there that day shares it."""
    return f"FB-{court}-{china_date(now):%Y%m%d}"


def court_for(case: CaseFile) -> str:
    return case.court or case.agreed_jurisdiction or f"BASIC-COURT-{case.region_code}"


def advance(case: CaseFile, now: datetime) -> list[Emit]:
    """Every move the recorded facts call for at ``now``. Nothing while held or closed."""
    if case.closed or case.held_since is not None:
        return []
    emits: list[Emit] = []
    if case.handover is not None and case.stage is None:
        emits += _take_handover(case, now)
    if case.stage == "JUDGMENT" and case.outstanding_cents > 0 and ms(now) >= case.deadlines[PERFORMANCE]["at"]:
        case.deadlines.pop(PERFORMANCE)
        case.stage = "ENFORCEMENT"
        emits.append(event(case, "EnforcementApplied", {"court": court_for(case), "basis": "JUDGMENT",
                                                        "claim_cents": case.outstanding_cents}, case.cause, now))
    if case.stage in OWING and case.outstanding_cents <= 0:
        emits.append(_performed(case, now))
    elif case.stage == TERMINATED:
        emits += _terminated(case, now)
    return emits


def _take_handover(case: CaseFile, now: datetime) -> list[Emit]:
    h = case.handover
    court = court_for(case)
    if h["to"] == lifecycle.LITIGATION and not case.all_evidence:
        return _refuse_filing(case, now)
    if h["to"] == lifecycle.LITIGATION:
        case.stage, case.court = "FILED", court
        case.basis_cents, case.paid_cents = case.facts_total_cents - case.plan_paid_cents, 0
        body = {"court": court, "filing_batch_id": filing_batch_id(court, now), "claim_cents": case.basis_cents,
                "evidence_bundle": case.all_evidence}
        return [event(case, "LitigationFiled", body, h["cause"], now)]
    # A defaulted confirmed settlement is enforceable as it stands: no new suit.
    if case.plan_outstanding_cents is not None:
        claim = case.plan_outstanding_cents
    elif case.plan_total_cents is not None:
        claim = case.plan_total_cents - case.plan_paid_cents
    else:
        claim = case.facts_total_cents - case.plan_paid_cents
    case.stage, case.basis, case.court = "ENFORCEMENT", "CONFIRMED_SETTLEMENT", court
    case.basis_cents, case.paid_cents, case.recovered_cents = claim, 0, 0
    return [event(case, "EnforcementApplied", {"court": court, "basis": "CONFIRMED_SETTLEMENT", "claim_cents": claim},
                  h["cause"], now)]


def _refuse_filing(case: CaseFile, now: datetime) -> list[Emit]:
    """No evidence at all (rules.md E8): nothing is filed; the case waits in litigation with the handover kept.
    Its lender is told once (``FilingWithheld``, on its case log and by webhook) and the operator gets one dead
    letter; the case is filed, in that day's batch, once the lender uploads an evidence file (lender.updates
    EVIDENCE_ADDED) or amends the default with its evidence (CaseAmended)."""
    if case.filing_refused:
        return []
    case.filing_refused = True
    court = court_for(case)
    told = event(case, "FilingWithheld", {"court": court, "reason": "NO_EVIDENCE"}, case.handover["cause"], now)
    why = FilingRefused(f"case {case.case_id}: handed to litigation with no evidence (the lender's evidence list is "
                        "empty): not filed; it is filed once the lender uploads an evidence file or amends the case "
                        "with its evidence")
    letter = {"service": PRODUCER, "source_topic": "case.events", "partition": -1, "offset": -1,
              "key": case.case_id.encode(), "value": case.handover["cause"].encode(), "error_type": type(why).__name__,
              "error": str(why), "at": now}
    return [told, Emit(DLQ, case.case_id, "DeadLetter", letter)]


def _performed(case: CaseFile, now: datetime) -> Emit:
    """Nothing left owed on the claim, award or enforced settlement: performed in full (repair takes it on)."""
    body = {"reason": "PAID_IN_FULL" if case.paid_cents > 0 else "NOTHING_OWED", "paid_cents": case.paid_cents,
            "stage": LIFECYCLE_STAGE[case.stage]}
    case.stage, case.resume = "PERFORMED", None
    case.deadlines.clear()
    return event(case, "JudgmentPerformed", body, case.cause, now)


def _terminated(case: CaseFile, now: datetime) -> list[Emit]:
    """终结本次执行 ends this round, not the case: the balance stays owed and the case open. The listing
    is proposed once (never for a student); a payment or found assets resume enforcement (恢复执行)."""
    emits = []
    if not case.listing_decided:
        case.listing_decided = True
        if case.outstanding_cents > 0 and not case.is_student:
            emits.append(event(case, "DishonestListProposed", {"court": court_for(case),
                                                               "reason": "ENFORCEMENT_TERMINATED_NO_ASSETS"}, case.cause, now))
    if case.resume is not None:
        body = {"court": court_for(case), "reason": case.resume["reason"], "outstanding_cents": case.outstanding_cents}
        emits.append(event(case, "EnforcementResumed", body, case.resume["cause"], now))
        case.stage, case.resume = "ENFORCEMENT", None
    return emits


def on_tick(case: CaseFile | None, now: datetime) -> Decision:
    if case is None:
        return Decision(None, outcome="ignored")
    emits = advance(case, now)
    return Decision(case, emits, "applied" if emits else "ignored")


def due(case: CaseFile, now: datetime) -> bool:
    at = next_due_ms(case)
    return at is not None and ms(now) >= at


def event(case: CaseFile, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=case.case_id, lender_id=case.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", case.case_id, "CaseEvent", record)
