"""objections' decisions: (docket, input, now) → (docket, events). Pure.

- ``debtor.requests`` OBJECTION at any active stage → ``ObjectionFiled`` (answer_by = today + 20
  days) and, unless already held, ``CaseHeld`` (with the stage). Every service treats a held case
  as: no escalation, no deadline running, no notice except the acknowledgement.
- Unanswered by answer_by → ``ObjectionOverdue`` (the lender's supervisor), then ``ObjectionEscalated`` (the
  mediation centre or the operator), then ``CaseClosed`` OBJECTION_UNANSWERED: ladder.py.
- OBJECTION_DECISION (a reviewer) → ``ObjectionResolved``; UPHELD_CLOSE → ``CaseClosed``
  (OBJECTION_UPHELD); UPHELD_AMEND and DISMISSED → ``CaseReleased`` (stage, held_ms) once no
  objection is left open — UPHELD_AMEND carries the amended principal for the stage services.
- HARDSHIP_CLAIM on an active case → ``HardshipClaimed`` (request_id, hardship_kinds, stage): the
  debtor's claim, stated once per stage and never for a case already in RELIEF. Objections does not
  decide on relief: mediation reacts to ``HardshipClaimed`` (and emits ``ReliefGranted`` if it
  grants it). Made while held, the claim waits for the release.
- COMPLAINT → ``ComplaintRouted`` to the department its category calls for, with its term; the department's
  COMPLAINT_ANSWER → ``ComplaintAnswered``; unanswered in time → ``ComplaintOverdue`` (complaints.py).
- ``lender.updates`` PAID_IN_FULL → ``CaseClosed`` (LENDER_PAID_IN_FULL); WITHDRAWN →
  ``CaseWithdrawn`` + ``CaseClosed`` (WITHDRAWN): wherever the case is, held or not.

Objections is the one producer of ``CaseClosed`` (docs/schemas.md: one producer per event type). Besides
the closes above, it closes on other stages' final events in ``case.events``:
- repair's ``CreditRepairDone`` → ``CaseClosed`` (CREDIT_REPAIRED, final_stage CREDIT_REPAIR,
  recovered_cents = what full performance paid: the default, a plan's total, or the award).
A terminated enforcement (终本, ``EnforcementConcluded`` TERMINATED_NO_ASSETS) closes nothing: the
case stays open and resumable (docs/rules.md E4); a CaseClosed ENFORCEMENT_TERMINATED is found only in
  logs written before.
A close called for while the case is held is made right after the ``CaseReleased``.

The requests are answered in ``requests.py``, closes in ``closing.py``; grounds, decisions, errors
and the envelope are in ``rules.py``. This module takes case.events and the answer deadline.
"""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.deadlines import ms
from services.objections.closing import close, close_called_for, closed, note_amounts, on_lender_update
from services.objections.docket import Docket, stage_after
from services.objections.ladder import next_due_ms, on_tick
from services.objections.requests import on_request
from services.objections.rules import (GROUNDS, CaseAlreadyClosed, Decision, InvalidRequest, ObjectionRules,
                                       ObjectionsError, OutOfOrder, UnknownCase)

__all__ = ["on_case_event", "on_request", "on_lender_update", "next_due_ms", "on_tick", "ms", "GROUNDS",
           "ObjectionRules", "ObjectionsError", "UnknownCase", "CaseAlreadyClosed", "InvalidRequest", "OutOfOrder"]


# ---------------------------------------------------------------- case.events: where each case is

def on_case_event(docket: Docket | None, event: dict, now: datetime) -> Decision:
    kind, body = event["type"], event["event"]
    if docket is None:
        if kind != "CaseOpened":
            raise UnknownCase(f"{kind} for a case objections never saw opened")
        docket = Docket(case_id=event["case_id"], lender_id=event["lender_id"], seen=[event["event_id"]],
                        region_code=body["facts"]["region_code"])
        note_amounts(docket, kind, body)
        return Decision(docket)
    if event["event_id"] in docket.seen:
        return Decision(docket, outcome="duplicate")
    if docket.closed:
        return Decision(docket, outcome="ignored")  # our own CaseClosed coming back, or a straggler
    docket.remember(event["event_id"])
    note_amounts(docket, kind, body)
    if kind == "CaseTriaged":
        docket.mediation_centre = body.get("mediation_centre") or ""
    if kind == "CaseClosed":
        close(docket)
    elif docket.held:
        docket.held_stage = stage_after(kind, body, docket.held_stage)
    else:
        docket.stage = stage_after(kind, body, docket.stage)
    closing = close_called_for(docket, kind, body)
    if closing is None:
        return Decision(docket)
    if docket.held:
        docket.pending_close = {"body": closing, "cause": event["event_id"]}
        return Decision(docket)
    return Decision(docket, [closed(docket, closing, event["event_id"], now)])


# the answer deadline and its ladder: ladder.py (next_due_ms, on_tick)
