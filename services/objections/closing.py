"""How objections closes a case: the amounts its closing record reports, the closes other stages'
final events call for, and a lender's PAID_IN_FULL or WITHDRAWN. Pure."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.emit import Emit
from remedy.kernel.lifecycle import CLOSED, CREDIT_REPAIR
from services.objections.docket import Docket
from services.objections.rules import CaseAlreadyClosed, Decision, InvalidRequest, UnknownCase, event


def note_amounts(docket: Docket, kind: str, body: dict) -> None:
    if kind in ("CaseOpened", "CaseAmended"):
        f = body["facts"]
        docket.owed_cents = f["principal_cents"] + f["interest_cents"] + f["penalty_cents"]
    elif kind in ("MediationSettled", "ReliefGranted"):
        docket.owed_cents = body["plan"]["total_cents"]
    elif kind == "JudgmentEntered":
        docket.owed_cents = docket.basis_cents = body["awarded_cents"]
    elif kind == "EnforcementApplied" and body["basis"] == "CONFIRMED_SETTLEMENT":
        docket.basis_cents = body["claim_cents"]


def close_called_for(docket: Docket, kind: str, body: dict) -> dict | None:
    """The CaseClosed body another stage's final event calls for, if any. A terminated enforcement
    (终本, EnforcementConcluded TERMINATED_NO_ASSETS) is not final: it can be resumed (docs/rules.md E4)."""
    if kind == "CreditRepairDone":
        return {"reason": "CREDIT_REPAIRED", "final_stage": CREDIT_REPAIR, "recovered_cents": docket.owed_cents}
    return None


def closed(docket: Docket, body: dict, cause: str, now: datetime) -> Emit:
    out = event(docket, "CaseClosed", body, cause, now)
    close(docket)
    return out


def close(docket: Docket) -> None:
    docket.closed, docket.stage, docket.held_since, docket.held_stage = True, CLOSED, None, None
    docket.pending_close = docket.pending_hardship = None


# ---------------------------------------------------------------- lender.updates

def on_lender_update(docket: Docket | None, update: dict, causation_id: str, now: datetime) -> Decision:
    if update["kind"] == "EVIDENCE_ADDED":   # an uploaded evidence file: enforcement's, not a closing
        return Decision(docket, outcome="ignored")
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
        emits.append(event(docket, "CaseWithdrawn", {"reason": update["note"] or "LENDER_WITHDREW"}, causation_id, now))
        body = {"reason": "WITHDRAWN", "final_stage": stage, "recovered_cents": 0}
    else:
        body = {"reason": "LENDER_PAID_IN_FULL", "final_stage": stage, "recovered_cents": update["amount_cents"]}
    emits.append(closed(docket, body, causation_id, now))
    return Decision(docket, emits)
