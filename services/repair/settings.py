"""repair's own settings (``REMEDY_REPAIR_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting
from services.repair.dates import PbocOneOff, RepairRules


@dataclass(frozen=True)
class RepairSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_REPAIR_"
    port: int = setting(6106, "repair's HTTP port.")
    sweep_seconds: float = setting(1.0, "Real seconds between repair's deadline sweeps.")
    due_working_days: int = setting(3, "Working days (China's: public holidays skipped, adjusted working days counted) after full performance by which credit repair is due.")
    processing_working_days: int = setting(1, "Working days the credit-record correction takes before `CreditRepairDone` "
                                              "(capped at the due date).")
    record_keep_years: int = setting(5, "Years a negative credit record is kept after the overdue behaviour ends.")
    pre_report_notice_days: int = setting(7, "Days between `NegativeReportPlanned` (the pre-report notice) and the "
                                             "earliest `NegativeReportFiled`.")
    pboc_max_cents: int = setting(1_000_000, "PBOC one-off repair: largest single overdue amount, in fen (10,000 CNY).")
    pboc_overdue_from: str = setting("2020-01-01", "PBOC one-off repair: first overdue date covered (ISO date).")
    pboc_overdue_to: str = setting("2025-12-31", "PBOC one-off repair: last overdue date covered (ISO date).")
    pboc_repaid_by: str = setting("2026-03-31", "PBOC one-off repair: full repayment needed by this date (ISO date).")

    def rules(self) -> RepairRules:
        pboc = PbocOneOff(self.pboc_max_cents, date.fromisoformat(self.pboc_overdue_from),
                          date.fromisoformat(self.pboc_overdue_to), date.fromisoformat(self.pboc_repaid_by))
        return RepairRules(self.due_working_days, self.processing_working_days, self.record_keep_years,
                           self.pre_report_notice_days, pboc)
