"""repair's decisions: (repair file, case event, now) → (repair file, events). Pure.

Credit repair. On full performance — mediation's ``CaseEscalated`` to CREDIT_REPAIR (plan
completed), or enforcement's ``EnforcementConcluded`` RECOVERED_FULL (reason ENFORCEMENT_RECOVERED)
or ``JudgmentPerformed`` (its reason: PAID_IN_FULL | NOTHING_OWED) — repair emits
``CreditRepairRequested`` (credit-record correction and dishonest-list removal, due within 3 working
days — China's, ``remedy.kernel.workdays``: public holidays skipped, adjusted working days counted; when
the negative record falls off; whether the PBOC one-off repair applies), then, once the correction has
been processed (``processing_working_days``, never later than ``due_by``),
``CreditRepairDone``. Repair never closes a case: objections, the one producer of ``CaseClosed``,
closes it (CREDIT_REPAIRED) on ``CreditRepairDone``. A lender's PAID_IN_FULL closes the case
elsewhere: no repair.

Notice before report (``report.py``): on ``EnforcementApplied``, ``NegativeReportPlanned`` (notify sends
the pre-report notice on it); ``NegativeReportFiled`` only once ``report_after`` has passed *and* notify has
proved the notice delivered (``RequiredNoticeDelivered``), else ``NegativeReportWithheld``; never if the
debtor performs in full first or the case closes; while held, not until the release (the date shifts).

Corrections (``correction.py``): the day the negative record stops being shown (PBOC one-off repair, or
5 years after the behaviour ended), ``NegativeRecordCorrected``, even on a closed case.

Holds: while a case is held nothing moves and no deadline runs; moves are deferred, not lost.
"""
from __future__ import annotations

from datetime import date, datetime

from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from services.repair import correction, report
from services.repair.dates import RepairRules, add_years
from services.repair.events import repair_event
from remedy.kernel.deadlines import apply_hold, ms, next_due_ms, set_deadline, start_of_china_day_ms
from remedy.kernel.lifecycle import CREDIT_REPAIR
from remedy.kernel.workdays import add_working_days
from services.repair.state import RepairFile

DONE = "repair_done"


class RepairError(Exception):
    """Input repair cannot take; dead-lettered with this reason (never PII)."""


class UnknownCase(RepairError):
    pass


class CaseAlreadyClosed(RepairError):
    pass


class OutOfOrder(RepairError):
    pass


Decision = FileDecision[RepairFile]


def on_case_event(case: RepairFile | None, event: dict, now: datetime, rules: RepairRules) -> Decision:
    kind, body = event["type"], event["event"]
    if case is None:
        if kind != "CaseOpened":
            raise UnknownCase(f"{kind} for a case repair never saw opened")
        case = RepairFile(case_id=event["case_id"], lender_id=event["lender_id"])
    elif not concerns(event):
        return Decision(case, outcome="ignored")
    elif event["event_id"] in case.seen:
        return Decision(case, outcome="duplicate")
    to_repair = repair_reason(kind, body)
    if case.closed:
        if to_repair:
            raise CaseAlreadyClosed(f"{kind} (full performance) for a closed case")
        return Decision(case, outcome="ignored")
    case.remember(event["event_id"])
    if kind in ("CaseOpened", "CaseAmended"):
        f = body["facts"]
        case.overdue_cents = f["principal_cents"] + f["interest_cents"] + f["penalty_cents"]
        case.loan_due_date = f["due_date"].isoformat()
    elif kind == "DishonestListProposed":
        case.listed = True
    elif kind == "EnforcementApplied":
        case.enforced_cause = case.enforced_cause or event["event_id"]
    elif to_repair:
        if case.handover is not None:
            raise OutOfOrder(f"{kind}: a second full performance")
        case.handover = {"reason": to_repair, "cause": event["event_id"],
                         "performed_on": china_date(event["occurred_at"]).isoformat()}
    elif kind in report.PROOF_EVENTS:
        report.on_proof(case, event)
    elif kind in ("CaseHeld", "CaseReleased"):
        apply_hold(case, event)
    elif kind == "CaseClosed":
        case.closed, case.held_since = True, None   # closed while held: held no more
        case.deadlines.clear()
    return Decision(case, advance(case, now, rules))


ACTS_ON = frozenset({"CaseOpened", "CaseAmended", "DishonestListProposed", "EnforcementApplied", "CaseHeld",
                     "CaseReleased", "CaseClosed", *report.PROOF_EVENTS})


def concerns(event: dict) -> bool:
    """Whether repair acts on this case event at all. Any other (a session scheduled, an instalment
    due...) leaves its file as it is in every state, so it is neither applied nor remembered: storing
    the file again for each of them was most of repair's table writes."""
    return event["type"] in ACTS_ON or repair_reason(event["type"], event["event"]) is not None


def repair_reason(kind: str, body: dict) -> str | None:
    """The repair reason if this event means full performance (credit repair starts), else None."""
    if kind == "CaseEscalated" and body["to_stage"] == CREDIT_REPAIR:
        return body["reason"]
    if kind == "EnforcementConcluded" and body["result"] == "RECOVERED_FULL":
        return "ENFORCEMENT_RECOVERED"
    if kind == "JudgmentPerformed":
        return body["reason"]
    return None


def on_tick(case: RepairFile | None, now: datetime, rules: RepairRules) -> Decision:
    if case is None:
        return Decision(None, outcome="ignored")
    emits = advance(case, now, rules)
    return Decision(case, emits, "applied" if emits else "ignored")


def next_due(case: RepairFile) -> int | None:
    """The case's next deadline (none while closed) or its record's correction (even once closed); none while held."""
    if case.held_since is not None:
        return None
    return min((at for at in (next_due_ms(case), correction.due_ms(case)) if at is not None), default=None)


def due(case: RepairFile, now: datetime) -> bool:
    at = next_due(case)
    return at is not None and ms(now) >= at


def advance(case: RepairFile, now: datetime, rules: RepairRules) -> list[Emit]:
    if case.held_since is not None:
        return []
    return (_advance_open(case, now, rules) if not case.closed else []) + correction.step(case, now)


def _advance_open(case: RepairFile, now: datetime, rules: RepairRules) -> list[Emit]:
    emits: list[Emit] = []
    if case.handover is not None and case.requested is None:
        emits.append(_request_repair(case, now, rules))
    emits += report.plan(case, now, rules.pre_report_notice_days)
    emits += report.step(case, now)
    if DONE in case.deadlines and ms(now) >= case.deadlines[DONE]["at"]:
        case.deadlines.clear()
        cause = case.requested["cause"]
        emits.append(repair_event(case, "CreditRepairDone", {"done_on": china_date(now), "removed_from_dishonest_list": case.listed},
                            cause, now))
    return emits


def _request_repair(case: RepairFile, now: datetime, rules: RepairRules) -> Emit:
    """Full performance: the negative record is to be corrected; a report not yet filed never will be."""
    case.deadlines.pop(report.REPORT, None)
    requested_on = china_date(now)
    due_by = add_working_days(requested_on, rules.due_working_days)
    performed_on = date.fromisoformat(case.handover["performed_on"])
    applies = rules.pboc.applies(case.overdue_cents, date.fromisoformat(case.loan_due_date), performed_on)
    body = {"reason": case.handover["reason"], "due_by": due_by, "behaviour_end_date": performed_on,
            "negative_record_expires": add_years(performed_on, rules.record_keep_years), "pboc_one_off_applies": applies}
    out = repair_event(case, "CreditRepairRequested", body, case.handover["cause"], now)
    case.requested = {"due_by": due_by.isoformat(), "cause": out.record["event_id"]}
    done_on = min(add_working_days(requested_on, rules.processing_working_days), due_by)
    set_deadline(case, DONE, start_of_china_day_ms(done_on), now)
    if applies:
        correction.schedule(case, "PBOC_ONE_OFF", max(done_on, rules.pboc.takes_effect), performed_on)
    else:
        correction.schedule(case, "RECORD_EXPIRED", body["negative_record_expires"], performed_on)
    return out
