"""One case's way through mediation, confirmation and its plan. Pure: ``(state, input, now) → Step``.

Stages this service owns: PEOPLES_MEDIATION, COURT_MEDIATION, CONFIRMATION, PERFORMING (a
confirmed settlement or a hardship plan). It hands cases on as LITIGATION, ENFORCEMENT or
CREDIT_REPAIR (``CaseEscalated``) and remembers REJECTED cases. Deadlines live in the state and
``sweep`` fires them; a case on hold or closed never moves, and on release its deadlines shift
by the time it was held.

A debtor's hardship claim (objections' ``HardshipClaimed``) is answered here:
- in PEOPLES_MEDIATION or COURT_MEDIATION → ``ReliefGranted`` (source DEBTOR_CLAIM) with a hardship
  plan on the principal (interest and penalty waived); the mediator's request is cancelled and the
  plan is tracked like triage's RELIEF route (reminders, payments, a miss goes to enforcement);
- in PERFORMING under a settlement → ``ReliefGranted`` rescheduling what is still outstanding on the
  hardship terms (the settlement's waivers stand); under a hardship plan already → nothing (counted
  ``already_relieved``);
- in CONFIRMATION → nothing (counted ``hardship_awaiting_confirmation``): the settlement the debtor
  agreed is before the court; once it is in force the debtor may claim again (objections takes one
  claim per stage);
- in LITIGATION, ENFORCEMENT or CREDIT_REPAIR → nothing (counted ``hardship_handed_on``): enforcement
  and repair own those stages;
- before triage has routed the case, or on a rejected case → dead letter (``ClaimNotInMediation``);
  on hold → dead letter (objections only sends a claim once the case is released); unknown kinds →
  dead letter (``InvalidHardshipClaim``).
Hardship kinds are spelled one way (``plans.hardship_kind``): ``UNEMPLOYED``, ``STUDENT``, ….

Every event names its cause: the input's message id, or the event that led to it (a tier's
deadline failure is caused by the event that opened the tier; reminders and misses by the event
that started the plan). Event ids are deterministic, so a replay emits the same ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from services.mediation import plans
from services.mediation.errors import (CaseIsClosed, CaseOnHold, ClaimNotInMediation, ExtensionRefused, InvalidOutcome,
                                       InvalidPlan, OutcomeWithoutSession, PaymentWithoutPlan, UnexpectedDecision,
                                       UnknownCase)

PRODUCER = "mediation"
TIER_STAGE = {"PEOPLES": "PEOPLES_MEDIATION", "COURT": "COURT_MEDIATION"}
STAGE_TIER = {v: k for k, v in TIER_STAGE.items()}
HANDED_ON = ("LITIGATION", "ENFORCEMENT", "CREDIT_REPAIR")
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Terms:
    tier_days: int = 30
    confirmation_days: int = 30
    reminder_days: int = 3
    grace_days: int = 5


@dataclass
class Step:
    state: dict | None                                  # None: nothing changed
    emits: list[Emit] = field(default_factory=list)
    desk: list[dict] = field(default_factory=list)      # {"op": "REQUEST", "request": …} | {"op": "CANCEL", …}
    outcome: str = "ignored"


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def new_state(case_id: str, lender_id: str) -> dict:
    return {"case_id": case_id, "lender_id": lender_id, "facts": None, "stage": None, "route": None,
            "court": "", "centre": "", "region": "", "cross_region": False, "score": 0,
            "tier": None, "attempt": 0, "tier_cause": "", "deadline_ms": None, "extended": False,
            "mediator_id": None, "session": False, "plan": None, "plan_source": None, "plan_cause": "",
            "credit_cents": 0, "denials": 0, "held": False, "shift_ms": 0, "closed": False, "seen": []}


class _Out:
    """Collects the events one decision emits."""

    def __init__(self, state: dict, now: datetime):
        self.state, self.now, self.emits, self.desk = state, now, [], []

    def event(self, type_: str, body: dict, cause: str, discriminator: str = "") -> str:
        e = case_event(PRODUCER, type_, body, case_id=self.state["case_id"], lender_id=self.state["lender_id"],
                       causation_id=cause, now=self.now, discriminator=discriminator)
        self.emits.append(Emit("case.events", self.state["case_id"], "CaseEvent", e))
        return e["event_id"]

    def step(self, outcome: str) -> Step:
        return Step(self.state, self.emits, self.desk, outcome)


# ---- case.events -------------------------------------------------------------------------------

def on_case_event(state: dict | None, ev: dict, terms: Terms, now: datetime) -> Step:
    kind, body = ev["type"], ev["event"]
    if ev["producer"] == PRODUCER:
        return Step(None)  # our own decisions were applied when we made them
    s = dict(state) if state else new_state(ev["case_id"], ev["lender_id"])
    if s["closed"]:
        return Step(None, outcome="closed")
    out = _Out(s, now)
    if kind in ("CaseOpened", "CaseAmended"):
        f = body["facts"]
        s["facts"] = {"principal_cents": f["principal_cents"], "interest_cents": f["interest_cents"],
                      "penalty_cents": f["penalty_cents"], "region_code": f["region_code"],
                      "hardship": {k: bool(v) for k, v in f["hardship"].items()}}
        return out.step("facts")
    if kind == "CaseRejected":
        s["stage"] = "REJECTED"
        return out.step("rejected")
    if kind == "CaseTriaged":
        if s["stage"] is not None:
            return Step(None, outcome="duplicate")
        s.update(route=body["route"], court=body["court"], centre=body["mediation_centre"],
                 cross_region=body["cross_region"], score=body["score"],
                 region=body["court"].split("-", 1)[-1] if body["court"].startswith("CT-") else "")
        if body["route"] == "RELIEF":
            if s["facts"] is None:
                raise UnknownCase(f"case {s['case_id']}: routed to relief before mediation saw it opened")
            kinds = [plans.hardship_kind(r) for r in body["reason_codes"] if r.startswith("HARDSHIP_")]
            plan = plans.relief_plan(s["facts"], kinds, china_date(now))
            relief = out.event("ReliefGranted", {"hardship_kinds": kinds, "plan": plan, "source": "TRIAGE"},
                               ev["event_id"])
            _start_plan(s, plans.plan_to_state(plan), "RELIEF", relief)
            return out.step("relief")
        tier = STAGE_TIER.get(body["route"])
        if tier is None:
            raise InvalidOutcome(f"case {s['case_id']}: unknown route {body['route']!r}")
        _enter_tier(out, tier, ev["event_id"], terms)
        return out.step("entered_" + tier.lower())
    if kind == "HardshipClaimed":
        return _claim_hardship(out, body, ev["event_id"])
    if kind == "CaseEscalated" and body["to_stage"] in STAGE_TIER:  # sent back to mediation by another stage
        if s["stage"] == body["to_stage"]:
            return Step(None, outcome="duplicate")
        out.desk.append({"op": "CANCEL", "case_id": s["case_id"]})
        _enter_tier(out, STAGE_TIER[body["to_stage"]], ev["event_id"], terms)
        return out.step("back_to_mediation")
    if kind == "CaseHeld":
        if s["held"]:
            return Step(None, outcome="duplicate")
        s["held"] = True
        return out.step("held")
    if kind == "CaseReleased":
        if not s["held"]:
            return Step(None, outcome="duplicate")
        s["held"] = False
        s["shift_ms"] += body["held_ms"]
        if s["deadline_ms"] is not None:
            s["deadline_ms"] += body["held_ms"]
        return out.step("released")
    if kind == "CaseClosed":
        s["closed"] = True
        out.desk.append({"op": "CANCEL", "case_id": s["case_id"]})
        return out.step("closed")
    return Step(None)


# ---- mediation.assignments (from the desk) -----------------------------------------------------

def on_assignment(state: dict | None, ev: dict) -> Step:
    """The desk's MediatorAssigned / SessionScheduled: recorded in the case's state, then published
    on case.events — so no one can answer a session the case does not know about yet. An assignment
    for a tier the case has left (deadline, hold-and-close) is stale: recorded nowhere, published never."""
    if state is None:
        raise UnknownCase(f"{ev['type']} for a case mediation has never seen")
    s, body = dict(state), ev["event"]
    if s["closed"] or s["stage"] != TIER_STAGE.get(body["tier"]):
        return Step(None, outcome="stale_assignment")
    if ev["type"] == "MediatorAssigned":
        if s["mediator_id"] is not None:
            return Step(None, outcome="duplicate" if s["mediator_id"] == body["mediator_id"] else "stale_assignment")
        s["mediator_id"] = body["mediator_id"]
    elif ev["type"] == "SessionScheduled":
        if s["mediator_id"] != body["mediator_id"] or s["session"]:
            return Step(None, outcome="duplicate" if s["session"] else "stale_assignment")
        s["session"] = True
    else:
        raise InvalidOutcome(f"{ev['type']} is not an assignment")
    return Step(s, [Emit("case.events", s["case_id"], "CaseEvent", ev)], outcome=ev["type"])


def _enter_tier(out: _Out, tier: str, cause: str, terms: Terms) -> None:
    s = out.state
    s.update(stage=TIER_STAGE[tier], tier=tier, attempt=s["attempt"] + 1, tier_cause=cause,
             deadline_ms=ms(out.now) + terms.tier_days * DAY_MS, extended=False, mediator_id=None, session=False,
             plan=None, plan_source=None)
    out.desk.append({"op": "REQUEST", "request": {
        "case_id": s["case_id"], "lender_id": s["lender_id"], "tier": tier, "attempt": s["attempt"],
        "region": s["region"] or (s["facts"] or {}).get("region_code", ""), "cross_region": s["cross_region"],
        "centre": s["centre"], "court": s["court"], "score": s["score"], "requested_ms": ms(out.now),
        "causation_id": cause}})


def _fail_tier(out: _Out, reason: str, cause: str, terms: Terms) -> None:
    s = out.state
    tier, stage = s["tier"], s["stage"]
    failed = out.event("MediationFailed", {"tier": tier, "reason": reason}, cause, str(s["attempt"]))
    out.desk.append({"op": "CANCEL", "case_id": s["case_id"]})
    if tier == "PEOPLES":
        up = out.event("CaseEscalated", {"from_stage": stage, "to_stage": "COURT_MEDIATION",
                                         "reason": "PEOPLES_MEDIATION_FAILED"}, failed)
        _enter_tier(out, "COURT", up, terms)
    else:
        out.event("CaseEscalated", {"from_stage": stage, "to_stage": "LITIGATION", "reason": "COURT_MEDIATION_FAILED"},
                  failed)
        s.update(stage="LITIGATION", deadline_ms=None, mediator_id=None, session=False)


def _claim_hardship(out: _Out, claim: dict, cause: str) -> Step:
    s = out.state
    if claim["request_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"hardship claim for case {s['case_id']} while it is on hold")
    kinds = plans.claimed_kinds(claim["hardship_kinds"])
    stage = s["stage"]
    if stage in HANDED_ON:
        return Step(None, outcome="hardship_handed_on")
    if stage == "CONFIRMATION":
        return Step(None, outcome="hardship_awaiting_confirmation")
    if stage == "PERFORMING" and s["plan_source"] == "RELIEF":
        return Step(None, outcome="already_relieved")
    today = china_date(out.now)
    if stage in STAGE_TIER:
        if s["facts"] is None:
            raise UnknownCase(f"case {s['case_id']}: hardship claim before mediation saw the case opened")
        plan = plans.relief_plan(s["facts"], kinds, today)
        out.desk.append({"op": "CANCEL", "case_id": s["case_id"]})
    elif stage == "PERFORMING":
        plan = plans.rescheduled_plan(s["plan"], kinds, today)
    else:
        raise ClaimNotInMediation(f"hardship claim for case {s['case_id']} at stage {stage}: not in mediation")
    s["seen"] = s["seen"] + [claim["request_id"]]
    relief = out.event("ReliefGranted", {"hardship_kinds": kinds, "plan": plan, "source": "DEBTOR_CLAIM"}, cause)
    _start_plan(s, plans.plan_to_state(plan), "RELIEF", relief)
    s.update(shift_ms=0, mediator_id=None, session=False)   # a new plan, dated from now: no hold behind it
    return out.step("relief_claimed")


def _start_plan(s: dict, plan: dict, source: str, cause: str) -> None:
    s.update(stage="PERFORMING", plan=plan, plan_source=source, plan_cause=cause, deadline_ms=None, credit_cents=0)


def _guard(state: dict | None, what: str) -> dict:
    if state is None:
        raise UnknownCase(f"{what} for a case mediation has never seen")
    if state["closed"]:
        raise CaseIsClosed(f"{what} for closed case {state['case_id']}")
    return dict(state)


# ---- mediation.outcomes ------------------------------------------------------------------------

def on_outcome(state: dict | None, o: dict, input_id: str, terms: Terms, now: datetime) -> Step:
    s = _guard(state, "a mediation outcome")
    if o["outcome_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"mediation outcome for case {s['case_id']} while it is on hold")
    if s["stage"] != TIER_STAGE.get(o["tier"]) or not s["session"] or s["mediator_id"] != o["mediator_id"]:
        raise OutcomeWithoutSession(f"{o['outcome']} outcome for case {s['case_id']} in the {o['tier']} tier by "
                                    f"{o['mediator_id']}, but that mediator has no session there (stage {s['stage']})")
    s["seen"] = s["seen"] + [o["outcome_id"]]
    out = _Out(s, now)
    if o["outcome"] == "SETTLED":
        if o["plan"] is None:
            raise InvalidPlan(f"SETTLED outcome for case {s['case_id']} has no plan")
        plan = plans.plan_to_state(o["plan"])
        settled = out.event("MediationSettled", {"tier": s["tier"], "mediator_id": s["mediator_id"],
                                                 "plan": plans.plan_to_avro(plan)}, input_id)
        due_by = china_date(now) + timedelta(days=terms.confirmation_days)
        out.event("ConfirmationRequested", {"court": s["court"], "due_by": due_by}, settled)
        s.update(stage="CONFIRMATION", plan=plan, plan_source="SETTLEMENT", deadline_ms=None)
        return out.step("settled")
    if o["outcome"] in ("FAILED", "UNREACHABLE"):
        _fail_tier(out, o["outcome"], input_id, terms)
        return out.step("failed")
    if o["outcome"] == "EXTENDED":
        if s["extended"]:
            raise ExtensionRefused(f"case {s['case_id']}: the {s['tier']} tier was already extended once")
        s["deadline_ms"] += terms.tier_days * DAY_MS
        s["extended"] = True
        out.event("TierExtended", {"tier": s["tier"], "new_deadline": datetime.fromtimestamp(
            s["deadline_ms"] / 1000, now.tzinfo)}, input_id)
        return out.step("extended")
    raise InvalidOutcome(f"case {s['case_id']}: unknown outcome {o['outcome']!r}")


# ---- court.decisions ---------------------------------------------------------------------------

def on_court_decision(state: dict | None, d: dict, input_id: str, terms: Terms, now: datetime) -> Step:
    """CONFIRMATION_GRANTED / CONFIRMATION_DENIED. Other kinds belong to enforcement: ``not_ours``."""
    if d["kind"] not in ("CONFIRMATION_GRANTED", "CONFIRMATION_DENIED"):
        return Step(None, outcome="not_ours")
    s = _guard(state, "a confirmation decision")
    if d["decision_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"confirmation decision for case {s['case_id']} while it is on hold")
    if s["stage"] != "CONFIRMATION":
        raise UnexpectedDecision(f"{d['kind']} for case {s['case_id']}, which awaits no confirmation (stage {s['stage']})")
    s["seen"] = s["seen"] + [d["decision_id"]]
    out = _Out(s, now)
    court = d["court"] or s["court"]
    if d["kind"] == "CONFIRMATION_GRANTED":
        granted = out.event("ConfirmationGranted", {"court": court, "ruling_no": d["court_case_no"] or d["decision_id"]},
                            input_id)
        _start_plan(s, s["plan"], "SETTLEMENT", granted)
        return out.step("confirmed")
    denied = out.event("ConfirmationDenied", {"court": court, "reason": d["reason"] or "DENIED"}, input_id)
    s["denials"] += 1
    if s["denials"] == 1:
        back = out.event("CaseEscalated", {"from_stage": "CONFIRMATION", "to_stage": "COURT_MEDIATION",
                                           "reason": "CONFIRMATION_DENIED"}, denied)
        _enter_tier(out, "COURT", back, terms)
        return out.step("denied_back_to_mediation")
    out.event("CaseEscalated", {"from_stage": "CONFIRMATION", "to_stage": "LITIGATION",
                                "reason": "CONFIRMATION_DENIED_AGAIN"}, denied)
    s.update(stage="LITIGATION", plan=None)
    return out.step("denied_to_litigation")


# ---- payments ----------------------------------------------------------------------------------

def on_payment(state: dict | None, p: dict, input_id: str, now: datetime) -> Step:
    s = _guard(state, "a payment")
    if p["payment_ref"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["stage"] in HANDED_ON:
        return Step(None, outcome="not_ours")
    if s["held"]:
        raise CaseOnHold(f"payment for case {s['case_id']} while it is on hold")
    if s["stage"] != "PERFORMING":
        raise PaymentWithoutPlan(f"payment for case {s['case_id']}, which has no plan in force (stage {s['stage']})")
    if p["amount_cents"] <= 0:
        raise PaymentWithoutPlan(f"payment for case {s['case_id']} has no positive amount")
    s["seen"] = s["seen"] + [p["payment_ref"]]
    out = _Out(s, now)
    plan, done, left = plans.apply_payment(s["plan"], p["amount_cents"] + s["credit_cents"])
    s.update(plan=plan, credit_cents=left)
    cause = input_id
    for item in done:
        cause = out.event("InstalmentPaid", {"seq": item["seq"], "amount_cents": item["amount_cents"],
                                             "payment_ref": p["payment_ref"], "paid_at": p["paid_at"]},
                          input_id, str(item["seq"]))
    if plans.fully_paid(plan):
        out.event("CaseEscalated", {"from_stage": "PERFORMING", "to_stage": "CREDIT_REPAIR", "reason": "PLAN_COMPLETED"},
                  cause)
        s["stage"] = "CREDIT_REPAIR"
        return out.step("plan_completed")
    return out.step("paid" if done else "part_paid")


# ---- the clock ---------------------------------------------------------------------------------

def sweep_due(state: dict, now: datetime) -> bool:
    """Whether ``sweep`` could change the case now: the timer skips the others cheaply."""
    if state["closed"] or state["held"]:
        return False
    if state["stage"] in STAGE_TIER:
        return state["deadline_ms"] is not None and ms(now) >= state["deadline_ms"]
    return state["stage"] == "PERFORMING"


def plan_day(state: dict, now: datetime) -> date:
    """The day an instalment plan's reminders and misses are counted on (shifted by time on hold):
    a performing case whose sweep changed nothing cannot change again until this day turns."""
    return china_date(datetime.fromtimestamp((ms(now) - state["shift_ms"]) / 1000, now.tzinfo))


def sweep(state: dict, terms: Terms, now: datetime) -> Step:
    """What the passing of time does to a case: a tier's deadline, instalment reminders, a miss."""
    if state["closed"] or state["held"]:
        return Step(None)
    s = dict(state)
    out = _Out(s, now)
    if s["stage"] in STAGE_TIER and s["deadline_ms"] is not None and ms(now) >= s["deadline_ms"]:
        _fail_tier(out, "DEADLINE", s["tier_cause"], terms)
        return out.step("deadline")
    if s["stage"] != "PERFORMING":
        return Step(None)
    today = plan_day(s, now)
    plan = {**s["plan"], "instalments": [dict(i) for i in s["plan"]["instalments"]]}
    for item in plans.due_for_reminder(plan, today, terms.reminder_days):
        out.event("InstalmentDue", {"seq": item["seq"], "due_date": date.fromisoformat(item["due_date"]),
                                    "amount_cents": item["amount_cents"] - item["paid_cents"]},
                  s["plan_cause"], str(item["seq"]))
        item["reminded"] = True
    missed = plans.first_missed(plan, today, terms.grace_days)
    s["plan"] = plan
    if missed is not None:
        miss = out.event("InstalmentMissed", {"seq": missed["seq"], "due_date": date.fromisoformat(missed["due_date"]),
                                              "amount_cents": missed["amount_cents"],
                                              "outstanding_cents": plans.outstanding(plan)},
                         s["plan_cause"], str(missed["seq"]))
        out.event("CaseEscalated", {"from_stage": "PERFORMING", "to_stage": "ENFORCEMENT", "reason": "PLAN_DEFAULTED"},
                  miss)
        s["stage"] = "ENFORCEMENT"
        return out.step("defaulted")
    return out.step("reminded") if out.emits else Step(None)
