"""Debtors, the reviewers who answer their objections, and lenders. Pure.

- debtors → ``payments`` on ``InstalmentDue`` (on time | late within grace | missed), sometimes
  after ``JudgmentEntered`` (voluntary performance) and after a termination of enforcement (终本); → ``debtor.requests`` after ``CaseTriaged``:
  OBJECTION, HARDSHIP_CLAIM, OPT_OUT, COMPLAINT; ACCEPT_OFFER after some ``SettlementOffered``.
- departments → ``debtor.requests`` COMPLAINT_ANSWER after most ``ComplaintRouted`` (the rest go overdue).
- reviewers → ``debtor.requests`` OBJECTION_DECISION after ``ObjectionFiled`` (sometimes overdue).
- lenders → ``lender.updates`` WITHDRAWN | PAID_IN_FULL after ``CaseTriaged``.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from remedy.kernel.clock import CHINA_TZ, china_date
from sim.world_config import WorldConfig
from sim.world_view import Action, CaseView, daytime, draw_days, make_id, office_hours_later

GROUNDS = ("WRONG_AMOUNT", "ALREADY_PAID", "IDENTITY_THEFT", "TIME_BARRED", "OTHER")
GROUND_WEIGHTS = (50, 25, 10, 5, 10)
CLAIMABLE_HARDSHIP = ("UNEMPLOYED", "SERIOUS_ILLNESS", "DISASTER")
COMPLAINT_CATEGORIES = ("COLLECTION_CONDUCT", "FEES_AND_CHARGES", "CONTRACT_TERMS", "MEDIATION_PROCESS", "PRIVACY", "OTHER")
ANSWERS = ("UPHELD", "PARTLY_UPHELD", "NOT_UPHELD")


# ---------------------------------------------------------------- payments

def _payment(view: CaseView, at: datetime, amount: int, cause: str, part: str, channel: str = "bank_transfer") -> Action:
    record = {"payment_ref": make_id("PAY-", cause, part), "case_id": view.case_id, "amount_cents": amount,
              "paid_at": at, "channel": channel}
    return Action(at, "payments", "Payment", record, "step", view.step)


def on_judgment(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """Some debtors perform the judgment before it is enforced."""
    body = ev["event"]
    if rng.random() >= cfg.voluntary_performance_rate or body["awarded_cents"] <= 0:
        return []
    days_left = max(0, (body["performance_due"] - china_date(ev["occurred_at"])).days - 1)
    at = daytime(china_date(ev["occurred_at"]) + timedelta(days=rng.randint(0, days_left)), rng)
    at = max(at, ev["occurred_at"] + timedelta(minutes=30))
    return [_payment(view, at, body["awarded_cents"], ev["event_id"], "0", "court_account")]


def on_terminated(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """Some debtors pay what is outstanding after enforcement was terminated (终本), to be delisted."""
    body = ev["event"]
    if body["result"] != "TERMINATED_NO_ASSETS" or body["outstanding_cents"] <= 0 \
            or rng.random() >= cfg.pay_after_termination_rate:
        return []
    at = office_hours_later(ev["occurred_at"], rng, cfg.resume_days)
    return [_payment(view, at, body["outstanding_cents"], ev["event_id"], "after-termination", "court_account")]


def on_instalment_due(view, ev, rng, cfg: WorldConfig) -> list[Action]:
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


# ---------------------------------------------------------------- requests and lender updates

def _request(view: CaseView, at: datetime, kind: str, cause: str, guard: str = "open", token: str = "",
             **fields) -> Action:
    record = {"request_id": make_id("DR-", cause, kind), "case_id": view.case_id, "kind": kind, "ground": None,
              "detail": "", "channel": None, "objection_id": None, "decision": None, "amended_principal_cents": None,
              "hardship_kinds": [], "submitted_at": at, **fields}
    return Action(at, "debtor.requests", "DebtorRequest", record, guard, token, hold=False)


def on_triaged(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """The debtor hears of the case (and sometimes pushes back); the lender sometimes settles it elsewhere."""
    base, cause, out = ev["occurred_at"], ev["event_id"], []
    if rng.random() < cfg.objection_rate:
        ground = rng.choices(GROUNDS, GROUND_WEIGHTS)[0]
        out.append(_request(view, office_hours_later(base, rng, cfg.debtor_days), "OBJECTION", cause, ground=ground,
                            detail="debtor disputes the claim"))
    if ev["event"]["route"] != "RELIEF" and rng.random() < cfg.hardship_claim_rate:
        out.append(_request(view, office_hours_later(base, rng, cfg.debtor_days), "HARDSHIP_CLAIM", cause,
                            hardship_kinds=[rng.choice(CLAIMABLE_HARDSHIP)]))
    if rng.random() < cfg.complaint_rate:
        out.append(_request(view, office_hours_later(base, rng, cfg.debtor_days), "COMPLAINT", cause,
                            category=rng.choice(COMPLAINT_CATEGORIES), detail="催收电话过于频繁"))
    if rng.random() < cfg.opt_out_rate:
        out.append(_request(view, office_hours_later(base, rng, cfg.debtor_days), "OPT_OUT", cause,
                            channel=rng.choice(["SMS", "EMAIL"])))
    draw = rng.random()
    if draw < cfg.withdraw_rate + cfg.paid_in_full_rate:
        kind = "WITHDRAWN" if draw < cfg.withdraw_rate else "PAID_IN_FULL"
        out.append(_lender_update(view, office_hours_later(base, rng, cfg.lender_days), kind, cause))
    return out


def on_offered(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """Most debtors accept a mediator's offer in the portal, while the case is still at that session."""
    if rng.random() >= cfg.accept_offer_rate:
        return []
    at = office_hours_later(ev["occurred_at"], rng, cfg.accept_days)
    return [_request(view, at, "ACCEPT_OFFER", ev["event_id"], guard="step", token=view.step)]


def on_complaint_routed(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """The department the complaint went to answers it, mostly in time."""
    body = ev["event"]
    if rng.random() >= cfg.complaint_answer_rate:
        return []
    at = office_hours_later(ev["occurred_at"], rng, cfg.complaint_answer_days)
    return [_request(view, at, "COMPLAINT_ANSWER", ev["event_id"], complaint_id=body["complaint_id"],
                     department_id=body["department_id"], answer_outcome=rng.choice(ANSWERS), detail="已核实处理")]


def _lender_update(view: CaseView, at: datetime, kind: str, cause: str) -> Action:
    record = {"update_id": make_id("LU-", cause, kind), "case_id": view.case_id, "lender_id": view.lender_id,
              "kind": kind, "amount_cents": view.total_cents if kind == "PAID_IN_FULL" else 0,
              "note": "debt sold back to originator" if kind == "WITHDRAWN" else "paid to lender directly",
              "reported_at": at}
    return Action(at, "lender.updates", "LenderUpdate", record, "open", hold=False)


# ---------------------------------------------------------------- reviewers

def on_objection_filed(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    body, oid = ev["event"], ev["event"]["objection_id"]
    late = rng.random() < cfg.review_overdue_rate
    days = (body["answer_by"] - china_date(ev["occurred_at"])).days + rng.randint(2, 8) if late else draw_days(rng, cfg.review_days)
    at = daytime(china_date(ev["occurred_at"]) + timedelta(days=days), rng)
    draw = rng.random()
    if draw < cfg.upheld_close_rate:
        decision, amended = "UPHELD_CLOSE", None
    elif draw < cfg.upheld_close_rate + cfg.upheld_amend_rate:
        decision, amended = "UPHELD_AMEND", max(1, int(view.principal_cents * rng.uniform(*cfg.amend_share)))
    else:
        decision, amended = "DISMISSED", None
    return [_request(view, at, "OBJECTION_DECISION", ev["event_id"], guard="objection", token=oid, objection_id=oid,
                     decision=decision, amended_principal_cents=amended, detail=f"reviewed: {decision.lower()}")]
