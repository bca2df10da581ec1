"""The case lifecycle, said once: its stages, which CaseEvent moves a case from where to where, and
which events happen inside a stage without moving it. Pure; docs/lifecycle.md draws it.

Every place that speaks of stages takes them from here: mediation, enforcement, repair and
objections (whose a case is and where it waits), the gateway's read model (a case's stage),
analytics (the ``stage`` column of ``case_events`` and how a stage visit ends; the SQL views in
``deploy/clickhouse`` are checked against this module by tests/unit/test_lifecycle.py).

Each CaseEvent type is exactly one of:
- a move (``MOVES``): from any of its ``sources`` into its target — a fixed stage, or the stage a
  body field names (CaseTriaged's route, CaseEscalated's to_stage, CaseReleased's stage);
- a step within a stage (``WITHIN``): it happens while the case waits in that stage and moves nothing;
- stage-less (``STILL``): it says nothing about where the case is.
A hold pauses a stage: CaseHeld moves any active case to ON_HOLD and CaseReleased moves it back;
a move made while held changes the stage the case resumes (``follow``). CLOSED and REJECTED are
terminal: no stage service moves such a case, and the only move out of REJECTED is the CaseClosed
that records a lender's withdrawal or payment.
"""
from __future__ import annotations

from dataclasses import dataclass

OPENED, TRIAGED, REJECTED = "OPENED", "TRIAGED", "REJECTED"
PEOPLES_MEDIATION, COURT_MEDIATION, RELIEF = "PEOPLES_MEDIATION", "COURT_MEDIATION", "RELIEF"
CONFIRMATION, PERFORMING = "CONFIRMATION", "PERFORMING"
LITIGATION, JUDGMENT, ENFORCEMENT = "LITIGATION", "JUDGMENT", "ENFORCEMENT"
CREDIT_REPAIR, ON_HOLD, CLOSED = "CREDIT_REPAIR", "ON_HOLD", "CLOSED"

# In the funnel's order (the dashboard sorts by it).
STAGES = (OPENED, TRIAGED, PEOPLES_MEDIATION, COURT_MEDIATION, RELIEF, CONFIRMATION, PERFORMING,
          LITIGATION, JUDGMENT, ENFORCEMENT, CREDIT_REPAIR, CLOSED, REJECTED, ON_HOLD)
TERMINAL = (CLOSED, REJECTED)
ACTIVE = tuple(s for s in STAGES if s not in TERMINAL and s != ON_HOLD)

TIER_STAGE = {"PEOPLES": PEOPLES_MEDIATION, "COURT": COURT_MEDIATION}   # a mediation tier → its stage
STAGE_TIER = {stage: tier for tier, stage in TIER_STAGE.items()}
MEDIATION = (PEOPLES_MEDIATION, COURT_MEDIATION)
TRIAGE_ROUTES = (PEOPLES_MEDIATION, COURT_MEDIATION, RELIEF)            # CaseTriaged's route
# The judicial ladder: moving up it is an escalation.
LADDER = {PEOPLES_MEDIATION: 1, COURT_MEDIATION: 2, LITIGATION: 3, JUDGMENT: 4, ENFORCEMENT: 5}
SETTLEMENT = (CONFIRMATION, PERFORMING, CREDIT_REPAIR)   # reached by settling, or by performing in full
PLANS = (RELIEF, CONFIRMATION, PERFORMING)               # a settlement or relief plan, agreed or in force

# Mediation's CaseEscalated: (from_stage, to_stage, reason). A relief plan is performed like a
# settlement (from_stage PERFORMING) while the lifecycle shows it as RELIEF. A missed confirmed
# settlement is enforceable as it stands; a missed relief plan is not (a voluntary arrangement, no
# enforceable title): the relief is withdrawn and the claim goes to litigation. Neither is a
# settlement in force after the court left its confirmation unanswered (ConfirmationLapsed).
ESCALATIONS = (
    (PEOPLES_MEDIATION, COURT_MEDIATION, "PEOPLES_MEDIATION_FAILED"),
    (COURT_MEDIATION, LITIGATION, "COURT_MEDIATION_FAILED"),
    (CONFIRMATION, COURT_MEDIATION, "CONFIRMATION_DENIED"),
    (CONFIRMATION, LITIGATION, "CONFIRMATION_DENIED_AGAIN"),
    (PERFORMING, CREDIT_REPAIR, "PLAN_COMPLETED"),
    (PERFORMING, ENFORCEMENT, "PLAN_DEFAULTED"),
    (PERFORMING, LITIGATION, "RELIEF_PLAN_DEFAULTED"),
    (PERFORMING, LITIGATION, "UNCONFIRMED_SETTLEMENT_DEFAULTED"),
)
# The reason a move gets unless its stage names another one of its own (the first listed).
ESCALATION_REASON: dict[tuple[str, str], str] = {}
for _frm, _to, _reason in ESCALATIONS:
    ESCALATION_REASON.setdefault((_frm, _to), _reason)


@dataclass(frozen=True)
class Move:
    """One event type's move: from any of ``sources`` into ``target``, or — with ``field`` — into
    the stage its body names there (one of ``targets``; ``fallback`` when it names no stage)."""
    sources: frozenset
    target: str = ""
    field: str = ""
    targets: frozenset = frozenset()
    fallback: str = ""

    @property
    def into(self) -> frozenset:
        """Every stage this move can lead to."""
        if not self.field:
            return frozenset({self.target})
        return self.targets | ({self.fallback} if self.fallback else set())

    def to(self, body: dict) -> str:
        """The stage this event enters, or '' if its body names no stage."""
        if not self.field:
            return self.target
        named = body.get(self.field)
        return named if named in STAGES else self.fallback


def _from(*stages: str) -> frozenset:
    return frozenset(stages)


MOVES = {
    "CaseOpened": Move(_from(), OPENED),
    "CaseTriaged": Move(_from(OPENED), field="route", targets=_from(*TRIAGE_ROUTES), fallback=TRIAGED),
    "CaseRejected": Move(_from(OPENED), REJECTED),
    "ReliefGranted": Move(_from(RELIEF, PEOPLES_MEDIATION, COURT_MEDIATION, PERFORMING), RELIEF),
    "MediationSettled": Move(_from(*MEDIATION), CONFIRMATION),
    "ConfirmationRequested": Move(_from(CONFIRMATION), CONFIRMATION),
    "ConfirmationGranted": Move(_from(CONFIRMATION, PERFORMING), PERFORMING),   # from PERFORMING: granted late
    "ConfirmationLapsed": Move(_from(CONFIRMATION), PERFORMING),
    "CaseEscalated": Move(_from(*(f for f, _, _ in ESCALATIONS), RELIEF), field="to_stage",
                          targets=_from(*(t for _, t, _ in ESCALATIONS))),
    "LitigationFiled": Move(_from(LITIGATION), LITIGATION),
    "JudgmentEntered": Move(_from(LITIGATION), JUDGMENT),
    "EnforcementApplied": Move(_from(JUDGMENT, ENFORCEMENT), ENFORCEMENT),
    "CreditRepairRequested": Move(_from(CREDIT_REPAIR, LITIGATION, JUDGMENT, ENFORCEMENT), CREDIT_REPAIR),
    "CaseHeld": Move(_from(*ACTIVE), ON_HOLD),
    "CaseReleased": Move(_from(ON_HOLD), field="stage", targets=_from(*ACTIVE)),
    "CaseClosed": Move(_from(*ACTIVE, ON_HOLD, REJECTED), CLOSED),
}
HOLDS = ("CaseHeld", "CaseReleased")

# Steps within a stage: the stage they happen in (a mediation tier's events name their tier).
_TIER = "tier"
WITHIN = {
    "MediatorAssigned": _TIER, "SessionScheduled": _TIER, "TierExtended": _TIER, "SettlementOffered": _TIER,
    "ConfirmationChased": CONFIRMATION, "InstalmentDue": PERFORMING, "InstalmentPaid": PERFORMING, "InstalmentMissed": PERFORMING,
    "FilingAccepted": LITIGATION, "FilingRejected": LITIGATION, "FilingWithheld": LITIGATION,
    "EnforcementConcluded": ENFORCEMENT, "DishonestListProposed": ENFORCEMENT, "EnforcementResumed": ENFORCEMENT,
    "CreditRepairDone": CREDIT_REPAIR,
}

# Events that say nothing about the stage (a failed tier or a denied confirmation is followed by
# the CaseEscalated that moves the case; a performed judgment by CreditRepairRequested).
STILL = frozenset({"CaseAmended", "MediationFailed", "ConfirmationDenied", "JudgmentPerformed",
                   "NegativeReportPlanned", "NegativeReportFiled", "NegativeReportWithheld", "NegativeRecordCorrected",
                   "RequiredNoticeDelivered", "RequiredNoticeFailed", "ObjectionFiled", "ObjectionOverdue",
                   "ObjectionEscalated", "ObjectionResolved", "ComplaintForwarded", "CaseWithdrawn", "HardshipClaimed",
                   "ComplaintRouted", "ComplaintAnswered", "ComplaintOverdue"})


def is_terminal(stage: str | None) -> bool:
    return stage in TERMINAL


def is_active(stage: str | None) -> bool:
    """A stage where a case's work goes on (neither over nor paused)."""
    return stage in ACTIVE


def stage_entered(event_type: str, body: dict) -> str:
    """The stage this event moves its case into, or '' if it leaves the stage as it is."""
    move = MOVES.get(event_type)
    return move.to(body) if move is not None else ""


def stage_within(event_type: str, body: dict) -> str:
    """The stage this event happens in without moving the case, or '' if it is not such a step."""
    rule = WITHIN.get(event_type, "")
    return TIER_STAGE.get(body.get("tier"), "") if rule == _TIER else rule


def work_stage_after(event_type: str, body: dict, stage: str) -> str:
    """The stage whose work a case is in after this event, holds aside (a hold pauses a stage; the
    stage is still the one the case resumes): what the event enters, or happens in, or ``stage``."""
    if event_type in HOLDS:
        return stage
    return stage_entered(event_type, body) or stage_within(event_type, body) or stage


def follow(stage: str, resume: str | None, event_type: str, body: dict) -> tuple[str, str | None]:
    """(stage, stage to resume) after this event, as the case log shows it: while ON_HOLD a move
    changes the stage to resume; CaseReleased resumes it (or the stage it names); CLOSED is final."""
    if stage == CLOSED:
        return stage, resume
    if event_type == "CaseHeld":
        return (stage, resume) if stage == ON_HOLD else (ON_HOLD, stage)
    if event_type == "CaseReleased":
        return (resume or body["stage"], None) if stage == ON_HOLD else (stage, resume)
    if event_type == "CaseClosed":
        return CLOSED, None
    target = stage_entered(event_type, body)
    if not target:
        return stage, resume
    return (stage, target) if stage == ON_HOLD else (target, resume)


def transitions() -> list[tuple[str, str, str]]:
    """Every (event type, from stage, to stage) the table allows; CaseOpened's from is ''."""
    out = []
    for event_type, move in MOVES.items():
        for source in sorted(move.sources, key=STAGES.index) or [""]:
            out += [(event_type, source, target) for target in sorted(move.into, key=STAGES.index)]
    return out


def reachable(start: str = OPENED) -> set[str]:
    """The stages a case can reach from ``start`` by the moves of the table."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for _, source, target in transitions():
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
