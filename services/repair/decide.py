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

Notice before report. Negative credit information is reported only for a case under compulsory
enforcement. When ``EnforcementApplied`` is seen, repair emits ``NegativeReportPlanned`` with
``report_after`` = today + ``pre_report_notice_days``: that event is the instruction to notify the
debtor (notify sends the pre-report notice on it). ``NegativeReportFiled`` (notice_ref = the plan's
event id) comes only once ``report_after`` has passed, and never if the debtor performs in full
first, the case closes, or — while held — until the hold is released (the date shifts by the time held).

Holds: while a case is held nothing moves and no deadline runs; moves are deferred, not lost.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from remedy.kernel.decision import Decision as FileDecision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from services.repair.dates import RepairRules, add_years
from remedy.kernel.deadlines import apply_hold, end_of_china_day_ms, ms, next_due_ms, set_deadline, start_of_china_day_ms
from remedy.kernel.lifecycle import CREDIT_REPAIR
from remedy.kernel.workdays import add_working_days
from services.repair.state import RepairFile

PRODUCER = "repair"
REPORT, DONE = "negative_report", "repair_done"


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
    elif kind in ("CaseHeld", "CaseReleased"):
        apply_hold(case, event)
    elif kind == "CaseClosed":
        case.closed = True
        case.deadlines.clear()
    return Decision(case, advance(case, now, rules))


ACTS_ON = frozenset({"CaseOpened", "CaseAmended", "DishonestListProposed", "EnforcementApplied", "CaseHeld",
                     "CaseReleased", "CaseClosed"})


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


def due(case: RepairFile, now: datetime) -> bool:
    at = next_due_ms(case)
    return at is not None and ms(now) >= at


def advance(case: RepairFile, now: datetime, rules: RepairRules) -> list[Emit]:
    if case.closed or case.held_since is not None:
        return []
    emits: list[Emit] = []
    if case.handover is not None and case.requested is None:
        emits.append(_request_repair(case, now, rules))
    if case.enforced_cause and case.negative is None and case.handover is None:
        report_after = china_date(now) + timedelta(days=rules.pre_report_notice_days)
        plan = _event(case, "NegativeReportPlanned", {"report_after": report_after}, case.enforced_cause, now)
        case.negative = {"report_after": report_after.isoformat(), "notice_ref": plan.record["event_id"], "filed": False}
        set_deadline(case, REPORT, end_of_china_day_ms(report_after), now)
        emits.append(plan)
    if REPORT in case.deadlines and ms(now) >= case.deadlines[REPORT]["at"]:
        case.deadlines.pop(REPORT)
        case.negative["filed"] = True
        emits.append(_event(case, "NegativeReportFiled", {"reported_on": china_date(now),
                                                          "notice_ref": case.negative["notice_ref"]},
                            case.negative["notice_ref"], now))
    if DONE in case.deadlines and ms(now) >= case.deadlines[DONE]["at"]:
        case.deadlines.clear()
        cause = case.requested["cause"]
        emits.append(_event(case, "CreditRepairDone", {"done_on": china_date(now), "removed_from_dishonest_list": case.listed},
                            cause, now))
    return emits


def _request_repair(case: RepairFile, now: datetime, rules: RepairRules) -> Emit:
    """Full performance: the negative record is to be corrected; a report not yet filed never will be."""
    case.deadlines.pop(REPORT, None)
    requested_on = china_date(now)
    due_by = add_working_days(requested_on, rules.due_working_days)
    performed_on = date.fromisoformat(case.handover["performed_on"])
    applies = rules.pboc.applies(case.overdue_cents, date.fromisoformat(case.loan_due_date), performed_on)
    body = {"reason": case.handover["reason"], "due_by": due_by, "behaviour_end_date": performed_on,
            "negative_record_expires": add_years(performed_on, rules.record_keep_years), "pboc_one_off_applies": applies}
    out = _event(case, "CreditRepairRequested", body, case.handover["cause"], now)
    case.requested = {"due_by": due_by.isoformat(), "cause": out.record["event_id"]}
    done_on = min(add_working_days(requested_on, rules.processing_working_days), due_by)
    set_deadline(case, DONE, start_of_china_day_ms(done_on), now)
    return out


def _event(case: RepairFile, type_: str, body: dict, causation_id: str, now: datetime) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=case.case_id, lender_id=case.lender_id,
                        causation_id=causation_id, now=now)
    return Emit("case.events", case.case_id, "CaseEvent", record)
