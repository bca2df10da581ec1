"""objections' decisions: (docket, input, now) → (docket, events). Pure.

- ``debtor.requests`` OBJECTION at any active stage → ``ObjectionFiled`` (answer_by = today + 20
  days) and, unless already held, ``CaseHeld`` (with the stage). Every service treats a held case
  as: no escalation, no deadline running, no notice except the acknowledgement.
- Unanswered by answer_by → ``ObjectionOverdue`` (the supervisor queue), once.
- OBJECTION_DECISION (a reviewer) → ``ObjectionResolved``; UPHELD_CLOSE → ``CaseClosed``
  (OBJECTION_UPHELD); UPHELD_AMEND and DISMISSED → ``CaseReleased`` (stage, held_ms) once no
  objection is left open — UPHELD_AMEND carries the amended principal for the stage services.
- HARDSHIP_CLAIM on an active case → ``HardshipClaimed`` (request_id, hardship_kinds, stage): the
  debtor's claim, stated once per stage and never for a case already in RELIEF. Objections does not
  decide on relief: mediation reacts to ``HardshipClaimed`` (and emits ``ReliefGranted`` if it
  grants it). Made while held, the claim waits for the release.
- COMPLAINT → ``ComplaintForwarded`` to the configured consumer-protection department.
- ``lender.updates`` PAID_IN_FULL → ``CaseClosed`` (LENDER_PAID_IN_FULL); WITHDRAWN →
  ``CaseWithdrawn`` + ``CaseClosed`` (WITHDRAWN): wherever the case is, held or not.

Objections is the one producer of ``CaseClosed`` (DESIGN.md: one producer per event type). Besides
the closes above, it closes on other stages' final events in ``case.events``:
- repair's ``CreditRepairDone`` → ``CaseClosed`` (CREDIT_REPAIRED, final_stage CREDIT_REPAIR,
  recovered_cents = what full performance paid: the default, a plan's total, or the award);
- enforcement's ``EnforcementConcluded`` TERMINATED_NO_ASSETS → ``CaseClosed``
  (ENFORCEMENT_TERMINATED, final_stage ENFORCEMENT, recovered_cents = the award or enforced claim
  less what is still outstanding).
A close called for while the case is held is made right after the ``CaseReleased``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import CHINA_TZ, china_date
from remedy.kernel.events import case_event
from remedy.kernel.deadlines import ms
from services.objections.docket import INACTIVE, Docket, stage_after

PRODUCER = "objections"
GROUNDS = frozenset({"WRONG_AMOUNT", "IDENTITY_THEFT", "ALREADY_PAID", "TIME_BARRED", "OTHER"})
DECISIONS = frozenset({"UPHELD_CLOSE", "UPHELD_AMEND", "DISMISSED"})
OUR_REQUESTS = frozenset({"OBJECTION", "OBJECTION_DECISION", "HARDSHIP_CLAIM", "COMPLAINT"})


@dataclass(frozen=True)
class ObjectionRules:
    answer_days: int = 20
    complaint_department: str = "PBOC Financial Consumer Rights Protection Bureau"


class ObjectionsError(Exception):
    """Input objections cannot take; dead-lettered with this reason (never PII)."""


class UnknownCase(ObjectionsError):
    pass


class CaseAlreadyClosed(ObjectionsError):
    pass


class InvalidRequest(ObjectionsError):
    pass


class OutOfOrder(ObjectionsError):
    pass


Decision = FileDecision[Docket]


# ---------------------------------------------------------------- case.events: where each case is

def on_case_event(docket: Docket | None, event: dict, now: datetime) -> Decision:
    kind, body = event["type"], event["event"]
    if docket is None:
        if kind != "CaseOpened":
            raise UnknownCase(f"{kind} for a case objections never saw opened")
        docket = Docket(case_id=event["case_id"], lender_id=event["lender_id"], seen=[event["event_id"]])
        _note_amounts(docket, kind, body)
        return Decision(docket)
    if event["event_id"] in docket.seen:
        return Decision(docket, outcome="duplicate")
    if docket.closed:
        return Decision(docket, outcome="ignored")  # our own CaseClosed coming back, or a straggler
    docket.remember(event["event_id"])
    _note_amounts(docket, kind, body)
    if kind == "CaseClosed":
        _close(docket)
    elif docket.held:
        docket.held_stage = stage_after(kind, body, docket.held_stage)
    else:
        docket.stage = stage_after(kind, body, docket.stage)
    closing = _close_called_for(docket, kind, body)
    if closing is None:
        return Decision(docket)
    if docket.held:
        docket.pending_close = {"body": closing, "cause": event["event_id"]}
        return Decision(docket)
    return Decision(docket, [_closed(docket, closing, event["event_id"], now)])


def _note_amounts(docket: Docket, kind: str, body: dict) -> None:
    if kind in ("CaseOpened", "CaseAmended"):
        f = body["facts"]
        docket.owed_cents = f["principal_cents"] + f["interest_cents"] + f["penalty_cents"]
    elif kind in ("MediationSettled", "ReliefGranted"):
        docket.owed_cents = body["plan"]["total_cents"]
    elif kind == "JudgmentEntered":
        docket.owed_cents = docket.basis_cents = body["awarded_cents"]
    elif kind == "EnforcementApplied" and body["basis"] == "CONFIRMED_SETTLEMENT":
        docket.basis_cents = body["claim_cents"]


def _close_called_for(docket: Docket, kind: str, body: dict) -> dict | None:
    """The CaseClosed body another stage's final event calls for, if any."""
    if kind == "CreditRepairDone":
        return {"reason": "CREDIT_REPAIRED", "final_stage": "CREDIT_REPAIR", "recovered_cents": docket.owed_cents}
    if kind == "EnforcementConcluded" and body["result"] == "TERMINATED_NO_ASSETS":
        recovered = max(body["recovered_cents"], docket.basis_cents - body["outstanding_cents"])
        return {"reason": "ENFORCEMENT_TERMINATED", "final_stage": "ENFORCEMENT", "recovered_cents": recovered}
    return None


# ---------------------------------------------------------------- debtor.requests

def on_request(docket: Docket | None, request: dict, causation_id: str, now: datetime, rules: ObjectionRules) -> Decision:
    kind = request["kind"]
    if kind not in OUR_REQUESTS:
        return Decision(docket, outcome="ignored")  # ACCEPT_OFFER, OPT_OUT: mediation's and notify's
    if docket is None:
        raise UnknownCase(f"{kind} for a case objections does not know")
    if request["request_id"] in docket.seen:
        return Decision(docket, outcome="duplicate")
    if kind == "COMPLAINT":  # forwarded whatever the case's state: a complaint is never refused
        docket.remember(request["request_id"])
        return Decision(docket, [_event(docket, "ComplaintForwarded", {"department": rules.complaint_department,
                                                                       "complaint_id": request["request_id"]},
                                        causation_id, now)])
    if docket.closed or docket.current_stage in INACTIVE:
        raise CaseAlreadyClosed(f"{kind} for a case that is no longer active ({docket.current_stage})")
    handler = {"OBJECTION": _object, "OBJECTION_DECISION": _decide_objection, "HARDSHIP_CLAIM": _claim_hardship}[kind]
    emits = handler(docket, request, causation_id, now, rules)
    docket.remember(request["request_id"])
    return Decision(docket, emits)


def _object(docket: Docket, request: dict, cause: str, now: datetime, rules: ObjectionRules) -> list[Emit]:
    if request["ground"] not in GROUNDS:
        raise InvalidRequest(f"OBJECTION ground must be one of {sorted(GROUNDS)}")
    oid = request["request_id"]
    answer_by = china_date(now) + timedelta(days=rules.answer_days)
    due_at = ms(datetime.combine(answer_by + timedelta(days=1), time(0), CHINA_TZ))
    docket.objections[oid] = {"ground": request["ground"], "answer_by": answer_by.isoformat(), "due_at": due_at,
                              "open": True, "overdue": False, "cause": cause}
    emits = [_event(docket, "ObjectionFiled", {"objection_id": oid, "ground": request["ground"],
                                               "detail": request["detail"], "answer_by": answer_by}, cause, now)]
    if not docket.held:
        stage = docket.stage
        docket.held_since, docket.held_stage, docket.stage = ms(now), stage, "ON_HOLD"
        emits.append(_event(docket, "CaseHeld", {"reason": "OBJECTION", "objection_id": oid, "stage": stage}, cause, now))
    return emits


def _decide_objection(docket: Docket, request: dict, cause: str, now: datetime, rules: ObjectionRules) -> list[Emit]:
    oid, decision = request["objection_id"], request["decision"]
    objection = docket.objections.get(oid)
    if objection is None:
        raise InvalidRequest("OBJECTION_DECISION names no objection filed on this case")
    if not objection["open"]:
        raise OutOfOrder("OBJECTION_DECISION for an objection already resolved")
    if decision not in DECISIONS:
        raise InvalidRequest(f"OBJECTION_DECISION decision must be one of {sorted(DECISIONS)}")
    amended = request["amended_principal_cents"]
    if decision == "UPHELD_AMEND" and (amended is None or amended <= 0):
        raise InvalidRequest("UPHELD_AMEND needs amended_principal_cents > 0")
    objection["open"] = False
    emits = [_event(docket, "ObjectionResolved", {"objection_id": oid, "decision": decision,
                                                  "amended_principal_cents": amended if decision == "UPHELD_AMEND" else None,
                                                  "reason": request["detail"]}, cause, now)]
    if decision == "UPHELD_CLOSE":
        emits.append(_closed(docket, {"reason": "OBJECTION_UPHELD", "final_stage": docket.current_stage,
                                      "recovered_cents": 0}, cause, now))
    elif not docket.open_objections():
        emits += _release(docket, cause, now)
    return emits


def _claim_hardship(docket: Docket, request: dict, cause: str, now: datetime, rules: ObjectionRules) -> list[Emit]:
    stage = docket.current_stage
    if stage == "RELIEF" or docket.hardship_stage == stage:
        return []  # already in relief, or already claimed at this stage
    docket.hardship_stage = stage
    claim = {"request_id": request["request_id"], "hardship_kinds": list(request["hardship_kinds"]), "cause": cause}
    if docket.held:
        docket.pending_hardship = claim
        return []
    return [_hardship_claimed(docket, claim, now)]


def _hardship_claimed(docket: Docket, claim: dict, now: datetime) -> Emit:
    docket.pending_hardship = None
    return _event(docket, "HardshipClaimed", {"request_id": claim["request_id"], "hardship_kinds": claim["hardship_kinds"],
                                              "stage": docket.stage}, claim["cause"], now)


def _release(docket: Docket, cause: str, now: datetime) -> list[Emit]:
    held_ms = max(0, ms(now) - docket.held_since)
    stage = docket.held_stage
    docket.stage, docket.held_since, docket.held_stage = stage, None, None
    emits = [_event(docket, "CaseReleased", {"stage": stage, "held_ms": held_ms}, cause, now)]
    if docket.pending_close is not None:
        pending = docket.pending_close
        emits.append(_closed(docket, pending["body"], pending["cause"], now))
    elif docket.pending_hardship is not None:
        emits.append(_hardship_claimed(docket, docket.pending_hardship, now))
    return emits


def _closed(docket: Docket, body: dict, cause: str, now: datetime) -> Emit:
    out = _event(docket, "CaseClosed", body, cause, now)
    _close(docket)
    return out


def _close(docket: Docket) -> None:
    docket.closed, docket.stage, docket.held_since, docket.held_stage = True, "CLOSED", None, None
    docket.pending_close = docket.pending_hardship = None


# ---------------------------------------------------------------- lender.updates

def on_lender_update(docket: Docket | None, update: dict, causation_id: str, now: datetime) -> Decision:
    if docket is None:
        raise UnknownCase(f"lender update {update['kind']} for a case objections does not know")
    if update["update_id"] in docket.seen:
        return Decision(docket, outcome="duplicate")
    if update["lender_id"] != docket.lender_id:
        raise InvalidRequest("lender update from a lender that does not own the case")
    if update["kind"] not in ("PAID_IN_FULL", "WITHDRAWN"):
        raise InvalidRequest("lender update kind must be PAID_IN_FULL or WITHDRAWN")
    if docket.closed:
        raise CaseAlreadyClosed(f"lender update {update['kind']} for a closed case")
    docket.remember(update["update_id"])
    stage = docket.current_stage
    emits = []
    if update["kind"] == "WITHDRAWN":
        emits.append(_event(docket, "CaseWithdrawn", {"reason": update["note"] or "LENDER_WITHDREW"}, causation_id, now))
        closed = {"reason": "WITHDRAWN", "final_stage": stage, "recovered_cents": 0}
    else:
        closed = {"reason": "LENDER_PAID_IN_FULL", "final_stage": stage, "recovered_cents": update["amount_cents"]}
    emits.append(_closed(docket, closed, causation_id, now))
    return Decision(docket, emits)


# ---------------------------------------------------------------- the answer deadline

def next_due_ms(docket: Docket) -> int | None:
    if docket.closed:
        return None
    due = [o["due_at"] for o in docket.objections.values() if o["open"] and not o["overdue"]]
    return min(due) if due else None


def on_tick(docket: Docket | None, now: datetime) -> Decision:
    if docket is None or docket.closed:
        return Decision(docket, outcome="ignored")
    emits = []
    for oid, o in sorted(docket.objections.items()):
        if o["open"] and not o["overdue"] and ms(now) >= o["due_at"]:
            o["overdue"] = True
            emits.append(_event(docket, "ObjectionOverdue", {"objection_id": oid, "answer_by": date.fromisoformat(o["answer_by"])},
                                o["cause"], now))
    return Decision(docket, emits, "applied" if emits else "ignored")


def _event(docket: Docket, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=docket.case_id, lender_id=docket.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", docket.case_id, "CaseEvent", record)
