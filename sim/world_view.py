"""What the outside world knows of a case (``CaseView``, learnt by ``observe`` from its CaseEvents),
what it plans to do (``Action``), and the seeded draws its policies share. Pure."""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from remedy.kernel.clock import CHINA_TZ, china_date

TIER_STAGE = {"PEOPLES": "PEOPLES_MEDIATION", "COURT": "COURT_MEDIATION"}
TIME_FIELDS = ("recorded_at", "decided_at", "paid_at", "submitted_at", "reported_at")  # when a record says it happened
# Events after which earlier plans of the world about this case no longer hold (the "step").
STEP_EVENTS = frozenset({
    "CaseTriaged", "CaseRejected", "MediatorAssigned", "SessionScheduled", "MediationSettled", "MediationFailed",
    "ConfirmationRequested", "ConfirmationGranted", "ConfirmationDenied", "ReliefGranted", "LitigationFiled",
    "FilingAccepted", "FilingRejected", "JudgmentEntered", "EnforcementApplied", "EnforcementConcluded",
    "EnforcementResumed", "CaseClosed"})


@dataclass(frozen=True)
class Action:
    at: datetime               # when the world sends it (simulated time)
    topic: str
    schema: str
    record: dict
    guard: str                 # "step": only while the case is at the step it was planned in; "open": while not
    token: str = ""            #  closed; "objection": while objection ``token`` is open
    hold: bool = True          # wait while the case is on hold

    @property
    def key(self) -> str:
        return self.record["case_id"]


@dataclass
class CaseView:
    """What the outside world knows of one case, from its CaseEvents."""
    case_id: str
    lender_id: str
    principal_cents: int = 0
    interest_cents: int = 0
    penalty_cents: int = 0
    stage: str = "OPENED"
    step: str = ""             # event id of the last step event
    court: str = ""
    tier: str | None = None
    mediator_id: str | None = None
    claim_cents: int = 0       # litigation claim / enforcement claim
    court_case_no: str = ""
    held: bool = False
    closed: bool = False
    extended: bool = False
    open_objections: list = field(default_factory=list)
    seen: set = field(default_factory=set)

    @property
    def total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.penalty_cents


def rng_for(seed: int, event_id: str) -> random.Random:
    """The seeded draws for one event: independent of the order events arrive in."""
    return random.Random(f"{seed}/{event_id}")


def make_id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


def draw_days(rng: random.Random, span: tuple[int, int]) -> int:
    return rng.randint(span[0], span[1])


def daytime(day: date, rng: random.Random) -> datetime:
    """A moment in China office hours (09:00-18:00) on ``day``, as UTC-aware datetime."""
    return datetime.combine(day, time(9), CHINA_TZ) + timedelta(minutes=rng.randrange(9 * 60))


def office_hours_later(at: datetime, rng: random.Random, span: tuple[int, int]) -> datetime:
    """A moment in office hours a drawn number of days (``span``) after ``at``'s China date."""
    return daytime(china_date(at) + timedelta(days=draw_days(rng, span)), rng)


def observe(view: CaseView, ev: dict) -> None:
    """Learn what one CaseEvent says about the case."""
    kind, body = ev["type"], ev["event"]
    if kind in STEP_EVENTS:
        view.step = ev["event_id"]
    if kind in ("CaseOpened", "CaseAmended"):
        f = body["facts"]
        view.principal_cents, view.interest_cents, view.penalty_cents = (
            f["principal_cents"], f["interest_cents"], f["penalty_cents"])
    elif kind == "CaseTriaged":
        view.stage, view.court = body["route"], body["court"]
    elif kind == "CaseRejected":
        view.stage = "REJECTED"
    elif kind == "MediatorAssigned":
        view.stage, view.tier, view.mediator_id, view.extended = TIER_STAGE[body["tier"]], body["tier"], body["mediator_id"], False
    elif kind in ("MediationSettled", "ConfirmationRequested"):
        view.stage = "CONFIRMATION"
        view.court = body.get("court") or view.court
    elif kind in ("ConfirmationGranted", "ReliefGranted"):
        view.stage = "PERFORMING"
    elif kind == "TierExtended":
        view.extended = True
    elif kind == "CaseEscalated":
        view.stage = body["to_stage"]
    elif kind == "LitigationFiled":
        view.stage, view.court, view.claim_cents = "LITIGATION", body["court"], body["claim_cents"]
    elif kind == "FilingAccepted":
        view.court_case_no = body["court_case_no"]
    elif kind == "JudgmentEntered":
        view.stage, view.claim_cents = "JUDGMENT", body["awarded_cents"]
    elif kind == "EnforcementApplied":
        view.stage, view.claim_cents = "ENFORCEMENT", body["claim_cents"]
    elif kind == "ObjectionFiled":
        view.open_objections = view.open_objections + [body["objection_id"]]
    elif kind == "ObjectionResolved":
        view.open_objections = [o for o in view.open_objections if o != body["objection_id"]]
        if body["decision"] == "UPHELD_AMEND" and body.get("amended_principal_cents"):
            view.principal_cents = body["amended_principal_cents"]
    elif kind == "CaseHeld":
        view.held = True
    elif kind == "CaseReleased":
        view.held = False
    elif kind == "CaseClosed":
        view.closed, view.stage = True, "CLOSED"
