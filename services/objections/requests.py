"""objections' answers to ``debtor.requests``: objections and their decisions (holds and releases),
hardship claims (once per stage, deferred while held), complaints and their answers (complaints.py). Pure."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from remedy.kernel.clock import CHINA_TZ, china_date
from remedy.kernel.deadlines import ms
from remedy.kernel.emit import Emit
from remedy.kernel.lifecycle import ON_HOLD, RELIEF
from services.objections.closing import closed
from services.objections.complaints import answer_complaint, file_complaint
from services.objections.docket import INACTIVE, Docket
from services.objections.rules import (DECISIONS, GROUNDS, OUR_REQUESTS, OWNER_ON_HOLD, CaseAlreadyClosed, Decision, InvalidRequest,
                                       ObjectionRules, OutOfOrder, UnknownCase, event)


def on_request(docket: Docket | None, request: dict, causation_id: str, now: datetime, rules: ObjectionRules) -> Decision:
    kind = request["kind"]
    if kind not in OUR_REQUESTS:
        return Decision(docket, outcome="ignored")  # ACCEPT_OFFER, OPT_OUT: mediation's and notify's
    if docket is None:
        raise UnknownCase(f"{kind} for a case objections does not know")
    if request["request_id"] in docket.seen:
        return Decision(docket, outcome="duplicate")
    if kind == "COMPLAINT":  # routed whatever the case's state: a complaint is never refused
        if request["request_id"] in docket.complaints:
            return Decision(docket, outcome="duplicate")
        emits = file_complaint(docket, request, causation_id, now, rules.complaints)
        docket.remember(request["request_id"])
        return Decision(docket, emits)
    if kind == "COMPLAINT_ANSWER":  # taken on a closed case too: a complaint outlives it
        emits = answer_complaint(docket, request, causation_id, now)
        docket.remember(request["request_id"])
        return Decision(docket, emits)
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
                              "open": True, "overdue": False, "escalated": False, "owner": OWNER_ON_HOLD,
                              "cause": cause}
    # The debtor's own words stay on debtor.requests (personal data: they may name anyone); the case log,
    # which analytics and webhooks read, carries the ground and the dates only (docs/rules.md P5).
    emits = [event(docket, "ObjectionFiled", {"objection_id": oid, "ground": request["ground"], "detail": "",
                                              "answer_by": answer_by}, cause, now)]
    if not docket.held:
        stage = docket.stage
        docket.held_since, docket.held_stage, docket.stage = ms(now), stage, ON_HOLD
        emits.append(event(docket, "CaseHeld", {"reason": "OBJECTION", "objection_id": oid, "stage": stage,
                                                 "owner": OWNER_ON_HOLD}, cause, now))
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
    emits = [event(docket, "ObjectionResolved", {"objection_id": oid, "decision": decision,
                                                 "amended_principal_cents": amended if decision == "UPHELD_AMEND" else None,
                                                 "reason": request["detail"]}, cause, now)]
    if decision == "UPHELD_CLOSE":
        emits.append(closed(docket, {"reason": "OBJECTION_UPHELD", "final_stage": docket.current_stage,
                                     "recovered_cents": 0}, cause, now))
    elif not docket.open_objections():
        emits += _release(docket, cause, now)
    return emits


def _claim_hardship(docket: Docket, request: dict, cause: str, now: datetime, rules: ObjectionRules) -> list[Emit]:
    stage = docket.current_stage
    if stage == RELIEF or docket.hardship_stage == stage:
        return []  # already in relief, or already claimed at this stage
    docket.hardship_stage = stage
    claim = {"request_id": request["request_id"], "hardship_kinds": list(request["hardship_kinds"]), "cause": cause}
    if docket.held:
        docket.pending_hardship = claim
        return []
    return [_hardship_claimed(docket, claim, now)]


def _hardship_claimed(docket: Docket, claim: dict, now: datetime) -> Emit:
    docket.pending_hardship = None
    return event(docket, "HardshipClaimed", {"request_id": claim["request_id"], "hardship_kinds": claim["hardship_kinds"],
                                             "stage": docket.stage}, claim["cause"], now)


def _release(docket: Docket, cause: str, now: datetime) -> list[Emit]:
    held_ms = max(0, ms(now) - docket.held_since)
    stage = docket.held_stage
    docket.stage, docket.held_since, docket.held_stage = stage, None, None
    emits = [event(docket, "CaseReleased", {"stage": stage, "held_ms": held_ms}, cause, now)]
    if docket.pending_close is not None:
        pending = docket.pending_close
        emits.append(closed(docket, pending["body"], pending["cause"], now))
    elif docket.pending_hardship is not None:
        emits.append(_hardship_claimed(docket, docket.pending_hardship, now))
    return emits
