"""Credit-repair date arithmetic. Pure.

- ``due_by``: N working days after the request date, China's working days with their public holidays and
  adjusted working days (``remedy.kernel.workdays``).
- ``negative_record_expires``: the overdue behaviour's end + 5 years (29 Feb → 28 Feb).
- PBOC one-off repair: the single overdue amount ≤ 10,000 CNY, the overdue record arising between
  2020-01-01 and 2025-12-31 (a loan falls overdue the day after its due date), repaid in full by
  2026-03-31; the record stops being shown on the day credit repair is done, not before 2026-01-01.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class PbocOneOff:
    max_cents: int = 1_000_000
    overdue_from: date = date(2020, 1, 1)
    overdue_to: date = date(2025, 12, 31)
    repaid_by: date = date(2026, 3, 31)
    takes_effect: date = date(2026, 1, 1)   # the day the credit database stops showing the records it covers

    def applies(self, overdue_cents: int, loan_due_date: date, repaid_on: date) -> bool:
        overdue_since = loan_due_date + timedelta(days=1)
        return (overdue_cents <= self.max_cents and self.overdue_from <= overdue_since <= self.overdue_to
                and repaid_on <= self.repaid_by)


@dataclass(frozen=True)
class RepairRules:
    due_working_days: int = 3
    processing_working_days: int = 1
    record_keep_years: int = 5
    pre_report_notice_days: int = 7
    pboc: PbocOneOff = PbocOneOff()
