"""enforcement's decisions: (case file, input, now) → (case file, events). Pure.

Inputs record facts (``on_case_event``, ``on_court_decision``, ``on_payment``); ``advance`` then
makes every move those facts call for, unless the case is held or closed — so a hold defers
moves instead of losing them, and a timer tick is just ``advance`` at a later ``now``.

Stages: handed over by mediation (CaseEscalated → LITIGATION) → FILED (LitigationFiled, in the
court's filing batch of the day) → ACCEPTED | REJECTED → JUDGMENT (performance period) →
ENFORCEMENT (after performance_due, or at once for a defaulted confirmed settlement, basis
CONFIRMED_SETTLEMENT) → RECOVERED (EnforcementConcluded RECOVERED_FULL) | TERMINATED (终结本次执行,
EnforcementConcluded TERMINATED_NO_ASSETS: outstanding kept, dishonest-list proposal unless a
student → ENDED). A debtor paying the outstanding amount in full at any of these stages (or nothing
being owed any more) → ``JudgmentPerformed`` → PERFORMED. Payments count from the filing on (by
payment_ref, once), including against the award: judgment replaces the claim with the awarded
amount but keeps what was paid since filing credited.

Enforcement only states what happened at its stage; it never hands a case on or closes it. Repair
starts credit repair on ``EnforcementConcluded`` RECOVERED_FULL and on ``JudgmentPerformed``;
objections (the one producer of ``CaseClosed``) closes the case on ``EnforcementConcluded``
TERMINATED_NO_ASSETS. Enforcement stops moving a case once it sees ``CaseClosed``.
"""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from remedy.kernel.deadlines import apply_hold, end_of_china_day_ms, ms, next_due_ms, set_deadline
from services.enforcement.state import CaseFile

PRODUCER = "enforcement"
OUR_COURT_KINDS = frozenset({"FILING_ACCEPTED", "FILING_REJECTED", "JUDGMENT", "ENFORCEMENT_RESULT"})
ENFORCEMENT_RESULTS = frozenset({"RECOVERED_FULL", "RECOVERED_PARTIAL", "TERMINATED_NO_ASSETS"})
ACTIVE = frozenset({"FILED", "ACCEPTED", "JUDGMENT", "ENFORCEMENT"})
LIFECYCLE_STAGE = {"FILED": "LITIGATION", "ACCEPTED": "LITIGATION", "JUDGMENT": "JUDGMENT", "ENFORCEMENT": "ENFORCEMENT"}
PERFORMANCE = "performance_due"


class EnforcementError(Exception):
    """Input enforcement cannot take; dead-lettered with this reason (never PII)."""


class UnknownCase(EnforcementError):
    pass


class CaseAlreadyClosed(EnforcementError):
    pass


class OutOfOrder(EnforcementError):
    pass


class InvalidInput(EnforcementError):
    pass


Decision = FileDecision[CaseFile]


def filing_batch_id(court: str, now: datetime) -> str:
    """One filing batch per court per China day: every case filed there that day shares it."""
    return f"FB-{court}-{china_date(now):%Y%m%d}"


def court_for(case: CaseFile) -> str:
    return case.court or case.agreed_jurisdiction or f"BASIC-COURT-{case.region_code}"


# ---------------------------------------------------------------- case.events

ACTS_ON = frozenset({"CaseOpened", "CaseAmended", "CaseTriaged", "ConfirmationRequested", "ConfirmationGranted",
                     "MediationSettled", "ReliefGranted", "InstalmentPaid", "InstalmentMissed", "CaseHeld",
                     "CaseReleased", "CaseClosed"})


def concerns(event: dict) -> bool:
    """Whether enforcement acts on this case event at all. Any other (a session scheduled, its own
    filings coming back...) leaves the file as it is in every state: neither applied nor remembered."""
    kind, body = event["type"], event["event"]
    return kind in ACTS_ON or _hands_over(kind, body) or _amends_claim(kind, body)


def _hands_over(kind: str, body: dict) -> bool:
    """The case comes to enforcement: escalated to litigation, or straight to enforcement."""
    return kind == "CaseEscalated" and body["to_stage"] in ("LITIGATION", "ENFORCEMENT")


def _amends_claim(kind: str, body: dict) -> bool:
    return kind == "ObjectionResolved" and body["decision"] == "UPHELD_AMEND" and body["amended_principal_cents"] is not None


def on_case_event(case: CaseFile | None, event: dict, now: datetime) -> Decision:
    kind, body = event["type"], event["event"]
    if case is None:
        if kind != "CaseOpened":
            raise UnknownCase(f"{kind} for a case enforcement never saw opened")
        case = CaseFile(case_id=event["case_id"], lender_id=event["lender_id"], principal_cents=0, interest_cents=0,
                        penalty_cents=0)
    elif not concerns(event):
        return Decision(case, outcome="ignored")
    elif event["event_id"] in case.seen:
        return Decision(case, outcome="duplicate")
    case.remember(event["event_id"])
    if kind in ("CaseOpened", "CaseAmended"):
        _take_facts(case, body["facts"])
    elif kind == "CaseTriaged":
        case.court = body["court"] or case.court
    elif kind in ("ConfirmationRequested", "ConfirmationGranted"):
        case.court = body["court"]
    elif kind in ("MediationSettled", "ReliefGranted"):
        case.plan_total_cents, case.plan_paid_cents, case.plan_outstanding_cents = body["plan"]["total_cents"], 0, None
    elif kind == "InstalmentPaid":
        case.plan_paid_cents += body["amount_cents"]
    elif kind == "InstalmentMissed":
        case.plan_outstanding_cents = body["outstanding_cents"]
    elif _hands_over(kind, body):
        if case.stage is not None or case.handover is not None:
            raise OutOfOrder(f"CaseEscalated to {body['to_stage']} but enforcement already has the case ({case.stage})")
        case.handover = {"to": body["to_stage"], "from_stage": body["from_stage"], "reason": body["reason"],
                         "cause": event["event_id"]}
    elif kind in ("CaseHeld", "CaseReleased"):
        apply_hold(case, event)
    elif _amends_claim(kind, body):
        case.principal_cents = body["amended_principal_cents"]
        if case.stage in ("FILED", "ACCEPTED"):   # before judgment the claim follows the amended amount
            case.basis_cents = case.facts_total_cents - case.plan_paid_cents
    elif kind == "CaseClosed":
        case.closed = True
    return Decision(case, advance(case, now))


def _take_facts(case: CaseFile, facts: dict) -> None:
    case.principal_cents, case.interest_cents = facts["principal_cents"], facts["interest_cents"]
    case.penalty_cents, case.evidence = facts["penalty_cents"], list(facts["evidence"])
    case.is_student, case.region_code = facts["hardship"]["is_student"], facts["region_code"]
    case.agreed_jurisdiction = facts["agreed_jurisdiction"]


# ---------------------------------------------------------------- court.decisions

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
    emits = []
    if kind in ("FILING_ACCEPTED", "FILING_REJECTED"):
        _expect(case, kind, {"FILED"})
        if kind == "FILING_ACCEPTED":
            case.stage, case.court_case_no = "ACCEPTED", decision["court_case_no"]
            emits.append(_event(case, "FilingAccepted",
                                {"court": decision["court"], "court_case_no": decision["court_case_no"]}, causation_id, now))
        else:
            case.stage = "REJECTED"
            emits.append(_event(case, "FilingRejected",
                                {"court": decision["court"], "reason": decision["reason"] or "UNSPECIFIED"}, causation_id, now))
    elif kind == "JUDGMENT":
        _expect(case, kind, {"ACCEPTED"})
        if decision["awarded_cents"] is None or decision["performance_due"] is None or decision["awarded_cents"] < 0:
            raise InvalidInput("JUDGMENT needs awarded_cents >= 0 and performance_due")
        case.stage, case.basis, case.court = "JUDGMENT", "JUDGMENT", decision["court"]
        case.court_case_no = decision["court_case_no"] or case.court_case_no
        # Payments since filing stay credited: a debtor is never asked to pay twice.
        case.basis_cents, case.recovered_cents = decision["awarded_cents"], 0
        set_deadline(case, PERFORMANCE, end_of_china_day_ms(decision["performance_due"]), now)
        emits.append(_event(case, "JudgmentEntered",
                            {"court": decision["court"], "court_case_no": case.court_case_no,
                             "awarded_cents": decision["awarded_cents"], "performance_due": decision["performance_due"]},
                            causation_id, now))
    else:  # ENFORCEMENT_RESULT
        _expect(case, kind, {"ENFORCEMENT"})
        result = decision["enforcement_result"]
        if result not in ENFORCEMENT_RESULTS or decision["recovered_cents"] < 0:
            raise InvalidInput(f"ENFORCEMENT_RESULT needs enforcement_result in {sorted(ENFORCEMENT_RESULTS)} "
                               "and recovered_cents >= 0")
        case.recovered_cents += decision["recovered_cents"]
        if result == "RECOVERED_FULL":
            case.recovered_cents = max(case.recovered_cents, case.basis_cents - case.paid_cents)
            case.stage = "RECOVERED"
        elif result == "TERMINATED_NO_ASSETS":
            case.stage = "TERMINATED"
        emits.append(_event(case, "EnforcementConcluded",
                            {"result": result, "recovered_cents": decision["recovered_cents"],
                             "outstanding_cents": max(0, case.outstanding_cents)}, causation_id, now))
    return Decision(case, emits + advance(case, now))


def _expect(case: CaseFile, kind: str, stages: set[str]) -> None:
    if case.stage not in stages:
        raise OutOfOrder(f"{kind} while the case is at enforcement stage {case.stage or 'none (not handed over)'}")


# ---------------------------------------------------------------- payments

def on_payment(case: CaseFile | None, payment: dict, causation_id: str, now: datetime) -> Decision:
    """Payments count once the case is enforcement's (litigation onwards), by payment_ref, once."""
    if case is None:
        raise UnknownCase("payment for a case enforcement does not know")
    if payment["payment_ref"] in case.payment_refs:
        return Decision(case, outcome="duplicate")
    if case.closed:
        raise CaseAlreadyClosed("payment for a closed case")
    if case.stage not in ACTIVE:
        return Decision(case, outcome="ignored")  # mediation's, or a stage where nothing is owed to us
    if payment["amount_cents"] <= 0:
        raise InvalidInput("payment amount_cents must be positive")
    case.payment_refs.append(payment["payment_ref"])
    case.paid_cents += payment["amount_cents"]
    case.cause = causation_id
    return Decision(case, advance(case, now))


# ---------------------------------------------------------------- moves

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
        emits.append(_event(case, "EnforcementApplied", {"court": court_for(case), "basis": "JUDGMENT",
                                                              "claim_cents": case.outstanding_cents}, case.cause, now))
    if case.stage in ACTIVE and case.outstanding_cents <= 0:
        emits.append(_performed(case, now))
    elif case.stage == "TERMINATED":
        emits += _terminate(case, now)
    return emits


def _take_handover(case: CaseFile, now: datetime) -> list[Emit]:
    h = case.handover
    court = court_for(case)
    if h["to"] == "LITIGATION":
        case.stage, case.court = "FILED", court
        case.basis_cents, case.paid_cents = case.facts_total_cents - case.plan_paid_cents, 0
        body = {"court": court, "filing_batch_id": filing_batch_id(court, now), "claim_cents": case.basis_cents,
                "evidence_bundle": case.evidence}
        return [_event(case, "LitigationFiled", body, h["cause"], now)]
    # A defaulted confirmed settlement is enforceable as it stands: no new suit.
    if case.plan_outstanding_cents is not None:
        claim = case.plan_outstanding_cents
    elif case.plan_total_cents is not None:
        claim = case.plan_total_cents - case.plan_paid_cents
    else:
        claim = case.facts_total_cents - case.plan_paid_cents
    case.stage, case.basis, case.court = "ENFORCEMENT", "CONFIRMED_SETTLEMENT", court
    case.basis_cents, case.paid_cents, case.recovered_cents = claim, 0, 0
    return [_event(case, "EnforcementApplied", {"court": court, "basis": "CONFIRMED_SETTLEMENT", "claim_cents": claim},
                   h["cause"], now)]


def _performed(case: CaseFile, now: datetime) -> Emit:
    """Nothing left owed on the claim, award or enforced settlement: performed in full (repair takes it on)."""
    body = {"reason": "PAID_IN_FULL" if case.paid_cents > 0 else "NOTHING_OWED", "paid_cents": case.paid_cents,
            "stage": LIFECYCLE_STAGE[case.stage]}
    case.stage = "PERFORMED"
    case.deadlines.clear()
    return _event(case, "JudgmentPerformed", body, case.cause, now)


def _terminate(case: CaseFile, now: datetime) -> list[Emit]:
    """终结本次执行: the outstanding balance stays owed; students are never listed. Objections closes the case."""
    emits = []
    if case.outstanding_cents > 0 and not case.is_student:
        emits.append(_event(case, "DishonestListProposed", {"court": court_for(case), "reason": "ENFORCEMENT_TERMINATED_NO_ASSETS"},
                            case.cause, now))
    case.stage = "ENDED"
    case.deadlines.clear()
    return emits


def on_tick(case: CaseFile | None, now: datetime) -> Decision:
    if case is None:
        return Decision(None, outcome="ignored")
    emits = advance(case, now)
    return Decision(case, emits, "applied" if emits else "ignored")


def due(case: CaseFile, now: datetime) -> bool:
    at = next_due_ms(case)
    return at is not None and ms(now) >= at


# ---------------------------------------------------------------- envelope

def _event(case: CaseFile, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=case.case_id, lender_id=case.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", case.case_id, "CaseEvent", record)
