"""enforcement's decisions: (case file, input, now) → (case file, events). Pure.

Inputs record facts (``on_case_event``, ``on_court_decision``, ``on_payment``); ``advance`` then
makes every move those facts call for, unless the case is held or closed — so a hold defers
moves instead of losing them, and a timer tick is just ``advance`` at a later ``now``.

Stages: handed over by mediation (CaseEscalated → LITIGATION: a failed court mediation, a twice
denied confirmation, a withdrawn relief plan) → FILED (LitigationFiled, in the court's filing batch
of the day) → ACCEPTED | REJECTED → JUDGMENT (performance period) → ENFORCEMENT (after
performance_due, or at once for a defaulted confirmed settlement, basis CONFIRMED_SETTLEMENT: the
only plan that is an enforceable title) → RECOVERED (EnforcementConcluded RECOVERED_FULL) |
TERMINATED (终结本次执行, EnforcementConcluded TERMINATED_NO_ASSETS: outstanding kept, the case open,
dishonest-list proposal once unless a student). A payment, or the court's ENFORCEMENT_RESUMED (assets
found), resumes a terminated enforcement (``EnforcementResumed`` → ENFORCEMENT, 恢复执行). A debtor
paying the outstanding amount in full at any of these stages, terminated included (or nothing being
owed any more) → ``JudgmentPerformed`` → PERFORMED. Payments count from the filing on (by
payment_ref, once), including against the award: judgment replaces the claim with the awarded
amount but keeps what was paid since filing credited.

Enforcement only states what happened at its stage; it never hands a case on or closes it. Repair
starts credit repair (removing the dishonest listing) on ``EnforcementConcluded`` RECOVERED_FULL and
on ``JudgmentPerformed``; objections (the one producer of ``CaseClosed``) closes the case after it.
A terminated case stays open until then, or until its lender withdraws it. Enforcement stops moving
a case once it sees ``CaseClosed``.

This module records case.events and payments; court decisions are answered in ``court.py``, the
moves made in ``moves.py`` (with ``on_tick``), the errors are in ``errors.py``.
"""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.deadlines import apply_hold
from remedy.kernel.lifecycle import ENFORCEMENT, LITIGATION
from services.enforcement.court import on_court_decision
from services.enforcement.errors import CaseAlreadyClosed, EnforcementError, InvalidInput, OutOfOrder, UnknownCase
from services.enforcement.moves import OWING, TERMINATED, Decision, advance, due, filing_batch_id, on_tick
from services.enforcement.state import CaseFile

__all__ = ["concerns", "on_case_event", "on_court_decision", "on_payment", "on_lender_update", "takes_update", "on_tick", "advance", "due", "filing_batch_id",
           "Decision", "EnforcementError", "UnknownCase", "CaseAlreadyClosed", "OutOfOrder", "InvalidInput"]

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
    return kind == "CaseEscalated" and body["to_stage"] in (LITIGATION, ENFORCEMENT)


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
        if kind == "CaseAmended" and case.stage in ("FILED", "ACCEPTED"):   # before judgment the claim follows the amendment
            case.basis_cents = case.facts_total_cents - case.plan_paid_cents
    elif kind == "CaseTriaged":
        case.court = body["court"] or case.court
    elif kind in ("ConfirmationRequested", "ConfirmationGranted"):
        case.court = body["court"]
    elif kind == "MediationSettled":
        case.plan_total_cents, case.plan_paid_cents, case.plan_outstanding_cents = body["plan"]["total_cents"], 0, None
    elif kind == "ReliefGranted":   # what was paid under a settlement it reschedules stays paid
        case.plan_total_cents, case.plan_outstanding_cents = body["plan"]["total_cents"], None
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


# ---------------------------------------------------------------- lender.updates

def takes_update(update: dict) -> bool:
    """enforcement reads only the evidence a lender uploads (PAID_IN_FULL and WITHDRAWN are objections')."""
    return update["kind"] == "EVIDENCE_ADDED"


def on_lender_update(case: CaseFile | None, update: dict, causation_id: str, now: datetime) -> Decision:
    """An evidence file the lender uploaded (the gateway checked it and keeps it): merged into the case's
    evidence by URI; a case whose filing was withheld for want of evidence is filed now."""
    if not takes_update(update):
        return Decision(case, outcome="ignored")
    if case is None:
        raise UnknownCase("evidence for a case enforcement does not know")
    if update["update_id"] in case.seen:
        return Decision(case, outcome="duplicate")
    if update["lender_id"] != case.lender_id or update["evidence"] is None:
        raise InvalidInput("EVIDENCE_ADDED needs the case's own lender and the evidence file")
    case.remember(update["update_id"])
    e = update["evidence"]
    case.uploaded = [u for u in case.uploaded if u["uri"] != e["uri"]] + [
        {"doc_type": e["doc_type"], "uri": e["uri"], "sha256": e["sha256"]}]
    case.cause = causation_id
    if case.filing_refused and case.handover is not None and case.stage is None:
        case.handover = {**case.handover, "cause": causation_id}   # filed because of the upload
    return Decision(case, advance(case, now))


# ---------------------------------------------------------------- payments

def on_payment(case: CaseFile | None, payment: dict, causation_id: str, now: datetime) -> Decision:
    """Payments count once the case is enforcement's (litigation onwards), by payment_ref, once. One
    after a termination (终本) resumes enforcement unless it pays everything (then: performed)."""
    if case is None:
        raise UnknownCase("payment for a case enforcement does not know")
    if payment["payment_ref"] in case.payment_refs:
        return Decision(case, outcome="duplicate")
    if case.closed:
        raise CaseAlreadyClosed("payment for a closed case")
    if case.stage not in OWING:
        return Decision(case, outcome="ignored")  # mediation's, or a stage where nothing is owed to us
    if payment["amount_cents"] <= 0:
        raise InvalidInput("payment amount_cents must be positive")
    case.payment_refs.append(payment["payment_ref"])
    case.paid_cents += payment["amount_cents"]
    case.cause = causation_id
    if case.stage == TERMINATED and case.resume is None:
        case.resume = {"reason": "PAYMENT_RECEIVED", "cause": causation_id}
    return Decision(case, advance(case, now))
