"""Notice before report (docs/rules.md R1): negative credit information is reported only for a case under
compulsory enforcement, and only once notify has proof that the debtor was told (征信业管理条例 art. 15:
the individual is told before negative information is provided). Pure.

- ``EnforcementApplied`` → ``NegativeReportPlanned`` (report_after = today + pre_report_notice_days):
  notify sends the pre-report notice on it and answers, once it knows, with ``RequiredNoticeDelivered``
  or ``RequiredNoticeFailed``, caused by the plan's event.
- report_after passed and the notice delivered → ``NegativeReportFiled`` (notice_ref: the plan).
- The notice failed on every channel or was suppressed → ``NegativeReportWithheld`` at once
  (NOTICE_FAILED, NOTICE_SUPPRESSED); report_after passed with no proof yet → ``NegativeReportWithheld``
  (NO_DELIVERY_PROOF). Nothing is filed: the case waits, operators are alerted (the worker counts each
  withholding), and a proof that comes later files the report.
- Full performance first (a handover), or the case closing: no report at all.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import end_of_china_day_ms, ms, set_deadline
from remedy.kernel.emit import Emit
from services.repair.events import repair_event
from services.repair.state import RepairFile

REPORT = "negative_report"
PROOF_EVENTS = ("RequiredNoticeDelivered", "RequiredNoticeFailed")


def plan(case: RepairFile, now: datetime, pre_report_notice_days: int) -> list[Emit]:
    """The pre-report notice's instruction, once per case under enforcement not yet performed."""
    if not case.enforced_cause or case.negative is not None or case.handover is not None:
        return []
    report_after = china_date(now) + timedelta(days=pre_report_notice_days)
    out = repair_event(case, "NegativeReportPlanned", {"report_after": report_after}, case.enforced_cause, now)
    case.negative = {"report_after": report_after.isoformat(), "notice_ref": out.record["event_id"], "filed": False,
                     "proof": None, "failed": None, "withheld": None, "due": False}
    set_deadline(case, REPORT, end_of_china_day_ms(report_after), now)
    return [out]


def on_proof(case: RepairFile, event: dict) -> None:
    """notify's answer about the pre-report notice (its cause is the plan), kept for ``step``."""
    neg = case.negative
    if neg is None or event["causation_id"] != neg["notice_ref"]:
        return
    if event["type"] == "RequiredNoticeDelivered":
        neg["proof"] = {"event_id": event["event_id"], "channel": event["event"]["channel"]}
    else:
        reason = "NOTICE_SUPPRESSED" if event["event"]["status"] == "SUPPRESSED" else "NOTICE_FAILED"
        neg["failed"] = {"event_id": event["event_id"], "reason": reason}


def step(case: RepairFile, now: datetime) -> list[Emit]:
    """File the report once it is due and proven; withhold it (once per reason) when it cannot be."""
    neg = case.negative
    if neg is None or neg["filed"] or case.handover is not None:
        return []
    if REPORT in case.deadlines and ms(now) >= case.deadlines[REPORT]["at"]:
        case.deadlines.pop(REPORT)
        neg["due"] = True   # the notice period is over
    if neg.get("proof"):
        if not neg.get("due"):
            return []
        neg["filed"] = True
        out = repair_event(case, "NegativeReportFiled", {"reported_on": china_date(now), "notice_ref": neg["notice_ref"]},
                           neg["notice_ref"], now)
        neg["filed_ref"] = out.record["event_id"]
        return [out]
    if neg.get("failed"):
        reason, cause = neg["failed"]["reason"], neg["failed"]["event_id"]
    elif neg.get("due"):
        reason, cause = "NO_DELIVERY_PROOF", neg["notice_ref"]
    else:
        return []
    if neg.get("withheld") == reason:
        return []
    neg["withheld"] = reason
    body = {"reason": reason, "notice_ref": neg["notice_ref"], "report_after": date.fromisoformat(neg["report_after"])}
    return [repair_event(case, "NegativeReportWithheld", body, cause, now)]
