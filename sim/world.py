"""The outside world's policies: mediators, courts, debtors, reviewers and lenders. Pure.

``on_event(view, case_event, rng, cfg) -> (view, actions)``: what the world knows of a case after
one of its CaseEvents, and what it does about it — each action an outside-world record for a topic
plus WHEN it is sent (simulated time). Times derive from the event's ``occurred_at``, and the
runner seeds ``rng`` from (seed, event_id) (``rng_for``), so a replay yields the same records with
the same ids, whatever order the cases' events interleave in.

``verdict(view, action)`` is asked when an action comes due: ``send``, ``park`` (the case is on
hold: the action waits for ``CaseReleased`` and then its delay shifts by the time held, ``resume``)
or ``drop`` (the case moved on: the mediation tier failed on its deadline before the session
outcome, the plan defaulted before the payment, the case closed).

Who does what (DESIGN.md's lifecycle):
- mediators: at a ``SessionScheduled`` session's end → ``mediation.outcomes`` SETTLED (a plan: lump
  sum or monthly instalments, sometimes the penalty waived and part of the interest forgiven) |
  EXTENDED (once; a final outcome follows the ``TierExtended``) | FAILED | UNREACHABLE.
- courts → ``court.decisions``: ``ConfirmationRequested`` → CONFIRMATION_GRANTED | _DENIED;
  ``LitigationFiled`` → FILING_ACCEPTED | _REJECTED; ``FilingAccepted`` → JUDGMENT (award may be
  reduced; performance_due); ``EnforcementApplied`` → ENFORCEMENT_RESULT (full | partial | none).
- debtors → ``payments`` on ``InstalmentDue`` (on time | late within grace | missed) and sometimes
  after ``JudgmentEntered`` (voluntary performance); → ``debtor.requests`` after ``CaseTriaged``:
  OBJECTION, HARDSHIP_CLAIM, OPT_OUT.
- reviewers → ``debtor.requests`` OBJECTION_DECISION after ``ObjectionFiled`` (sometimes overdue).
- lenders → ``lender.updates`` WITHDRAWN | PAID_IN_FULL after ``CaseTriaged``.
"""
from __future__ import annotations

import dataclasses
import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Mapping

from remedy.kernel.clock import CHINA_TZ, china_date

TIER_STAGE = {"PEOPLES": "PEOPLES_MEDIATION", "COURT": "COURT_MEDIATION"}
GROUNDS = ("WRONG_AMOUNT", "ALREADY_PAID", "IDENTITY_THEFT", "TIME_BARRED", "OTHER")
GROUND_WEIGHTS = (50, 25, 10, 5, 10)
CLAIMABLE_HARDSHIP = ("UNEMPLOYED", "SERIOUS_ILLNESS", "DISASTER")
TIME_FIELDS = ("recorded_at", "decided_at", "paid_at", "submitted_at", "reported_at")  # when a record says it happened
# Events after which earlier plans of the world about this case no longer hold (the "step").
STEP_EVENTS = frozenset({
    "CaseTriaged", "CaseRejected", "MediatorAssigned", "SessionScheduled", "MediationSettled", "MediationFailed",
    "ConfirmationRequested", "ConfirmationGranted", "ConfirmationDenied", "ReliefGranted", "LitigationFiled",
    "FilingAccepted", "FilingRejected", "JudgmentEntered", "EnforcementApplied", "EnforcementConcluded", "CaseClosed"})


@dataclass(frozen=True)
class WorldConfig:
    """Every rate and delay of the simulated world. Ranges are (low, high), inclusive; days are
    simulated days. Each field can be set as ``REMEDY_SIM_<FIELD>`` (ranges as ``low,high``)."""
    # mediators
    session_minutes: int = 60                      # an outcome is recorded when the session ends
    peoples_settle_rate: float = 0.35              # people's mediation: share of sessions that settle
    court_settle_rate: float = 0.25                # court pre-litigation mediation
    extend_rate: float = 0.04                      # tier extended once by consent; a final outcome follows
    extended_settle_rate: float = 0.30             # ... which settles at this rate
    extend_days: tuple[int, int] = (5, 20)
    unreachable_share: float = 0.35                # of the unsettled outcomes: debtor never reached
    lump_sum_rate: float = 0.40                    # settled plans paid in one sum; the rest in instalments
    instalment_counts: tuple[int, ...] = (2, 3, 4)
    first_due_days: tuple[int, int] = (20, 30)     # settlement → first (or only) instalment
    instalment_gap_days: int = 30
    penalty_waiver_rate: float = 0.35              # the settlement waives the penalty
    interest_forgiven: tuple[float, float] = (0.0, 0.30)  # share of interest forgiven in a settlement
    # courts
    confirm_days: tuple[int, int] = (3, 12)
    confirmation_grant_rate: float = 0.95
    filing_days: tuple[int, int] = (2, 7)
    filing_accept_rate: float = 0.97
    judgment_days: tuple[int, int] = (20, 45)
    full_award_rate: float = 0.75                  # award = claim; otherwise reduced (penalty cut back)
    reduced_award_share: tuple[float, float] = (0.80, 0.97)
    performance_days: int = 15                     # judgment → performance_due
    voluntary_performance_rate: float = 0.20       # debtor pays the award before performance_due
    enforcement_days: tuple[int, int] = (30, 90)
    enforcement_full_rate: float = 0.25
    enforcement_partial_rate: float = 0.35         # the rest: terminated, no assets (终结本次执行)
    partial_share: tuple[float, float] = (0.20, 0.70)
    # debtors
    pay_on_time_rate: float = 0.82                 # on InstalmentDue: pays by the due date
    pay_late_rate: float = 0.08                    # ... pays within the grace period; the rest miss
    grace_days: int = 5                            # mediation's grace period (REMEDY_MEDIATION_GRACE_DAYS)
    objection_rate: float = 0.02
    hardship_claim_rate: float = 0.01
    opt_out_rate: float = 0.03
    debtor_days: tuple[int, int] = (1, 10)         # triage → a debtor's objection / claim / opt-out
    # reviewers
    review_days: tuple[int, int] = (3, 18)
    review_overdue_rate: float = 0.05              # answered after the 20-day limit
    upheld_close_rate: float = 0.10
    upheld_amend_rate: float = 0.20                # the rest dismissed
    amend_share: tuple[float, float] = (0.80, 0.95)
    # lenders
    withdraw_rate: float = 0.01
    paid_in_full_rate: float = 0.01
    lender_days: tuple[int, int] = (5, 40)
    # traditional collection (the baseline, sim/baseline.py)
    baseline_contact_rate: float = 0.60            # collectors reach the debtor at all
    baseline_pay_rate: float = 0.55                # ... who then pays something
    baseline_hardship_pay_factor: float = 0.5      # hardship debtors pay at this fraction of the rate
    baseline_paid_share: tuple[float, float] = (0.55, 1.0)  # share of the claim paid, when paid

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "WorldConfig":
        values = {}
        for f in dataclasses.fields(cls):
            raw = env.get("REMEDY_SIM_" + f.name.upper())
            if raw is None:
                continue
            default = f.default
            if isinstance(default, tuple):
                kind = type(default[0])
                values[f.name] = tuple(kind(x) for x in raw.split(","))
            else:
                values[f.name] = type(default)(raw)
        return cls(**values)


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


def _days(rng: random.Random, span: tuple[int, int]) -> int:
    return rng.randint(span[0], span[1])


def _daytime(day: date, rng: random.Random) -> datetime:
    """A moment in China office hours (09:00-18:00) on ``day``, as UTC-aware datetime."""
    return datetime.combine(day, time(9), CHINA_TZ) + timedelta(minutes=rng.randrange(9 * 60))


# ---------------------------------------------------------------- knowledge

def observe(view: CaseView, ev: dict) -> None:
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


def on_event(view: CaseView | None, ev: dict, rng: random.Random, cfg: WorldConfig) -> tuple[CaseView, list[Action]]:
    """Learn from one CaseEvent and decide what the world does about it. Redelivery: no actions."""
    if view is None:
        view = CaseView(ev["case_id"], ev["lender_id"])
    if ev["event_id"] in view.seen:
        return view, []
    view.seen.add(ev["event_id"])
    observe(view, ev)
    policy = POLICIES.get(ev["type"])
    if policy is None or view.closed:
        return view, []
    return view, policy(view, ev, rng, cfg)


def verdict(view: CaseView | None, action: Action) -> str:
    """``send`` | ``park`` | ``drop`` for an action that has come due."""
    if view is None or view.closed:
        return "drop"
    if action.guard == "step" and view.step != action.token:
        return "drop"
    if action.guard == "objection" and action.token not in view.open_objections:
        return "drop"
    if action.guard == "open" and view.stage == "REJECTED":
        return "drop"
    if action.hold and view.held:
        return "park"
    return "send"


def resume(parked: list[Action], held_ms: int, now: datetime) -> list[Action]:
    """Actions parked while a case was held, rescheduled: their delay shifts by the time held."""
    shift = timedelta(milliseconds=held_ms)
    out = []
    for a in parked:
        at = max(a.at + shift, now)
        record = {**a.record, **{k: at for k in TIME_FIELDS if k in a.record}}
        out.append(dataclasses.replace(a, at=at, record=record))
    return out


# ---------------------------------------------------------------- mediators

def _outcome(view: CaseView, at: datetime, tier: str, mediator: str, outcome: str, plan: dict | None,
             cause: str, note: str = "") -> Action:
    record = {"outcome_id": make_id("MO-", cause, outcome), "case_id": view.case_id, "mediator_id": mediator,
              "tier": tier, "outcome": outcome, "plan": plan, "note": note, "recorded_at": at}
    return Action(at, "mediation.outcomes", "MediationOutcome", record, "step", view.step)


def settlement_plan(view: CaseView, on: date, rng: random.Random, cfg: WorldConfig) -> dict:
    """What the parties agree: the claim less a waived penalty and some forgiven interest, as one sum or
    monthly instalments. Money in fen; instalments add up to the total."""
    waived_penalty = view.penalty_cents if rng.random() < cfg.penalty_waiver_rate else 0
    waived_interest = int(view.interest_cents * rng.uniform(*cfg.interest_forgiven))
    total = max(1, view.total_cents - waived_penalty - waived_interest)
    first = on + timedelta(days=_days(rng, cfg.first_due_days))
    if rng.random() < cfg.lump_sum_rate:
        kind, count = "LUMP_SUM", 1
    else:
        kind, count = "INSTALMENTS", min(rng.choice(cfg.instalment_counts), total)
    share, rest = divmod(total, count)
    instalments = [{"seq": n + 1, "due_date": first + timedelta(days=n * cfg.instalment_gap_days),
                    "amount_cents": share + (rest if n == count - 1 else 0)} for n in range(count)]
    return {"kind": kind, "total_cents": total, "waived_penalty_cents": waived_penalty,
            "waived_interest_cents": waived_interest, "instalments": instalments}


def _draw_outcome(view: CaseView, at: datetime, tier: str, mediator: str, settle_rate: float, extend_rate: float,
                  cause: str, rng: random.Random, cfg: WorldConfig) -> Action:
    draw = rng.random()
    if draw < settle_rate:
        return _outcome(view, at, tier, mediator, "SETTLED", settlement_plan(view, china_date(at), rng, cfg), cause)
    if draw < settle_rate + extend_rate:
        return _outcome(view, at, tier, mediator, "EXTENDED", None, cause, "parties consent to more time")
    outcome = "UNREACHABLE" if rng.random() < cfg.unreachable_share else "FAILED"
    return _outcome(view, at, tier, mediator, outcome, None, cause)


def on_session(view: CaseView, ev: dict, rng: random.Random, cfg: WorldConfig) -> list[Action]:
    body = ev["event"]
    at = body["scheduled_at"] + timedelta(minutes=cfg.session_minutes)
    rate = cfg.peoples_settle_rate if body["tier"] == "PEOPLES" else cfg.court_settle_rate
    return [_draw_outcome(view, at, body["tier"], body["mediator_id"], rate, cfg.extend_rate, ev["event_id"], rng, cfg)]


def on_extended(view: CaseView, ev: dict, rng: random.Random, cfg: WorldConfig) -> list[Action]:
    if view.mediator_id is None or view.tier is None:
        return []
    at = ev["occurred_at"] + timedelta(days=_days(rng, cfg.extend_days))
    return [_draw_outcome(view, at, view.tier, view.mediator_id, cfg.extended_settle_rate, 0.0, ev["event_id"], rng, cfg)]


# ---------------------------------------------------------------- courts

def _decision(view: CaseView, at: datetime, court: str, kind: str, cause: str, **fields) -> Action:
    record = {"decision_id": make_id("CD-", cause, kind), "case_id": view.case_id, "court": court, "kind": kind,
              "court_case_no": "", "awarded_cents": None, "performance_due": None, "enforcement_result": None,
              "recovered_cents": 0, "reason": "", "decided_at": at, **fields}
    return Action(at, "court.decisions", "CourtDecision", record, "step", view.step)


def court_case_no(court: str, at: datetime, kind: str, cause: str) -> str:
    serial = int(hashlib.blake2b(cause.encode(), digest_size=4).hexdigest(), 16) % 90000 + 10000
    return f"({china_date(at).year}){court}{kind}{serial}"


def on_confirmation_requested(view, ev, rng, cfg) -> list[Action]:
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=_days(rng, cfg.confirm_days)), rng)
    court = ev["event"]["court"]
    if rng.random() < cfg.confirmation_grant_rate:
        return [_decision(view, at, court, "CONFIRMATION_GRANTED", ev["event_id"],
                          court_case_no=court_case_no(court, at, "-MIN-TE-", ev["event_id"]))]
    return [_decision(view, at, court, "CONFIRMATION_DENIED", ev["event_id"], reason="SETTLEMENT_TERMS_UNLAWFUL")]


def on_litigation_filed(view, ev, rng, cfg) -> list[Action]:
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=_days(rng, cfg.filing_days)), rng)
    court = ev["event"]["court"]
    if rng.random() < cfg.filing_accept_rate:
        return [_decision(view, at, court, "FILING_ACCEPTED", ev["event_id"],
                          court_case_no=court_case_no(court, at, "-MIN-CHU-", ev["event_id"]))]
    return [_decision(view, at, court, "FILING_REJECTED", ev["event_id"], reason="EVIDENCE_INSUFFICIENT")]


def on_filing_accepted(view, ev, rng, cfg) -> list[Action]:
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=_days(rng, cfg.judgment_days)), rng)
    claim = view.claim_cents
    awarded = claim if rng.random() < cfg.full_award_rate else int(claim * rng.uniform(*cfg.reduced_award_share))
    return [_decision(view, at, ev["event"]["court"], "JUDGMENT", ev["event_id"],
                      court_case_no=ev["event"]["court_case_no"], awarded_cents=awarded,
                      performance_due=china_date(at) + timedelta(days=cfg.performance_days))]


def on_judgment(view, ev, rng, cfg) -> list[Action]:
    """Some debtors perform the judgment before it is enforced."""
    body = ev["event"]
    if rng.random() >= cfg.voluntary_performance_rate or body["awarded_cents"] <= 0:
        return []
    days_left = max(0, (body["performance_due"] - china_date(ev["occurred_at"])).days - 1)
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=rng.randint(0, days_left)), rng)
    at = max(at, ev["occurred_at"] + timedelta(minutes=30))
    return [_payment(view, at, body["awarded_cents"], ev["event_id"], "0", "court_account")]


def on_enforcement_applied(view, ev, rng, cfg) -> list[Action]:
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=_days(rng, cfg.enforcement_days)), rng)
    claim, draw = ev["event"]["claim_cents"], rng.random()
    if draw < cfg.enforcement_full_rate:
        result, recovered = "RECOVERED_FULL", claim
    elif draw < cfg.enforcement_full_rate + cfg.enforcement_partial_rate:
        result, recovered = "RECOVERED_PARTIAL", int(claim * rng.uniform(*cfg.partial_share))
    else:
        result, recovered = "TERMINATED_NO_ASSETS", 0
    return [_decision(view, at, ev["event"]["court"], "ENFORCEMENT_RESULT", ev["event_id"],
                      court_case_no=view.court_case_no, enforcement_result=result, recovered_cents=recovered)]


# ---------------------------------------------------------------- debtors

def _payment(view: CaseView, at: datetime, amount: int, cause: str, part: str, channel: str = "bank_transfer") -> Action:
    record = {"payment_ref": make_id("PAY-", cause, part), "case_id": view.case_id, "amount_cents": amount,
              "paid_at": at, "channel": channel}
    return Action(at, "payments", "Payment", record, "step", view.step)


def on_instalment_due(view, ev, rng, cfg) -> list[Action]:
    body, sent = ev["event"], ev["occurred_at"]
    due = datetime.combine(body["due_date"], time(12), CHINA_TZ)
    draw = rng.random()
    if draw < cfg.pay_on_time_rate:
        at = max(sent + timedelta(minutes=30), due - timedelta(hours=rng.uniform(0, 60)))
    elif draw < cfg.pay_on_time_rate + cfg.pay_late_rate:
        at = max(sent + timedelta(minutes=30), due + timedelta(days=rng.randint(1, max(1, cfg.grace_days - 2))))
    else:
        return []  # missed: mediation's grace period runs out
    return [_payment(view, at, body["amount_cents"], ev["event_id"], str(body["seq"]))]


def _request(view: CaseView, at: datetime, kind: str, cause: str, guard: str = "open", token: str = "",
             **fields) -> Action:
    record = {"request_id": make_id("DR-", cause, kind), "case_id": view.case_id, "kind": kind, "ground": None,
              "detail": "", "channel": None, "objection_id": None, "decision": None, "amended_principal_cents": None,
              "hardship_kinds": [], "submitted_at": at, **fields}
    return Action(at, "debtor.requests", "DebtorRequest", record, guard, token, hold=False)


def on_triaged(view, ev, rng, cfg) -> list[Action]:
    """The debtor hears of the case (and sometimes pushes back); the lender sometimes settles it elsewhere."""
    base, cause, out = ev["occurred_at"], ev["event_id"], []

    def later(span: tuple[int, int]) -> datetime:
        return _daytime(china_date(base) + timedelta(days=_days(rng, span)), rng)

    if rng.random() < cfg.objection_rate:
        ground = rng.choices(GROUNDS, GROUND_WEIGHTS)[0]
        out.append(_request(view, later(cfg.debtor_days), "OBJECTION", cause, ground=ground,
                            detail="debtor disputes the claim"))
    if ev["event"]["route"] != "RELIEF" and rng.random() < cfg.hardship_claim_rate:
        out.append(_request(view, later(cfg.debtor_days), "HARDSHIP_CLAIM", cause,
                            hardship_kinds=[rng.choice(CLAIMABLE_HARDSHIP)]))
    if rng.random() < cfg.opt_out_rate:
        out.append(_request(view, later(cfg.debtor_days), "OPT_OUT", cause, channel=rng.choice(["SMS", "EMAIL"])))
    draw = rng.random()
    if draw < cfg.withdraw_rate + cfg.paid_in_full_rate:
        kind = "WITHDRAWN" if draw < cfg.withdraw_rate else "PAID_IN_FULL"
        at = later(cfg.lender_days)
        record = {"update_id": make_id("LU-", cause, kind), "case_id": view.case_id, "lender_id": view.lender_id,
                  "kind": kind, "amount_cents": view.total_cents if kind == "PAID_IN_FULL" else 0,
                  "note": "debt sold back to originator" if kind == "WITHDRAWN" else "paid to lender directly",
                  "reported_at": at}
        out.append(Action(at, "lender.updates", "LenderUpdate", record, "open", hold=False))
    return out


# ---------------------------------------------------------------- reviewers

def on_objection_filed(view, ev, rng, cfg) -> list[Action]:
    body, oid = ev["event"], ev["event"]["objection_id"]
    late = rng.random() < cfg.review_overdue_rate
    days = (body["answer_by"] - china_date(ev["occurred_at"])).days + rng.randint(2, 8) if late else _days(rng, cfg.review_days)
    at = _daytime(china_date(ev["occurred_at"]) + timedelta(days=days), rng)
    draw = rng.random()
    if draw < cfg.upheld_close_rate:
        decision, amended = "UPHELD_CLOSE", None
    elif draw < cfg.upheld_close_rate + cfg.upheld_amend_rate:
        decision, amended = "UPHELD_AMEND", max(1, int(view.principal_cents * rng.uniform(*cfg.amend_share)))
    else:
        decision, amended = "DISMISSED", None
    return [_request(view, at, "OBJECTION_DECISION", ev["event_id"], guard="objection", token=oid, objection_id=oid,
                     decision=decision, amended_principal_cents=amended, detail=f"reviewed: {decision.lower()}")]


POLICIES = {
    "SessionScheduled": on_session,
    "TierExtended": on_extended,
    "ConfirmationRequested": on_confirmation_requested,
    "LitigationFiled": on_litigation_filed,
    "FilingAccepted": on_filing_accepted,
    "JudgmentEntered": on_judgment,
    "EnforcementApplied": on_enforcement_applied,
    "InstalmentDue": on_instalment_due,
    "CaseTriaged": on_triaged,
    "ObjectionFiled": on_objection_filed,
}
