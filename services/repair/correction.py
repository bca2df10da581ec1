"""Negative-record corrections (docs/rules.md R2, R3). Pure.

On full performance repair fixes the day the negative record stops being shown:
- the PBOC one-off credit repair (R3) when it applies: the day credit repair is done, and not before the
  policy took effect (``PbocOneOff.takes_effect``);
- otherwise the day the record expires (R2; 征信业管理条例 art. 16: negative information is kept 5 years from
  the day the behaviour ends): ``negative_record_expires``.
On that day repair emits ``NegativeRecordCorrected``: the correction, and its report to the credit bureau's
interface (the case log, as for ``NegativeReportFiled``); notify tells the debtor (``record_correction_notice``)
and the debtor portal shows it. The day is the law's: no hold moves it (a correction due while the case is
held waits for the release, like everything else), and it comes although the case closed long before. Once corrected, nothing is corrected again.
"""
from __future__ import annotations

from datetime import date, datetime

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import ms, start_of_china_day_ms
from remedy.kernel.emit import Emit
from services.repair.events import repair_event
from services.repair.state import RepairFile


def schedule(case: RepairFile, reason: str, on: date, behaviour_end: date) -> None:
    case.correction = {"on": on.isoformat(), "reason": reason, "behaviour_end": behaviour_end.isoformat(), "done": False}


def due_ms(case: RepairFile) -> int | None:
    """When the correction is due (00:00 China time on its day); None when there is none or it is done."""
    c = case.correction
    return start_of_china_day_ms(date.fromisoformat(c["on"])) if c and not c["done"] else None


def pending(stored: dict) -> bool:
    """A cheap test on a stored file: a correction still to come."""
    return bool(stored.get("correction")) and not stored["correction"]["done"]


def step(case: RepairFile, now: datetime) -> list[Emit]:
    at = due_ms(case)
    if at is None or ms(now) < at:
        return []
    c = case.correction
    c["done"] = True
    filed = (case.negative or {}).get("filed_ref")
    body = {"reason": c["reason"], "corrected_on": china_date(now), "behaviour_end_date": date.fromisoformat(c["behaviour_end"]),
            "report_ref": filed}
    return [repair_event(case, "NegativeRecordCorrected", body, case.requested["cause"], now)]
