"""repair's wiring: case.events, repair.ticks → decide → case.events | repair.dlq.

A case file per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks); the decisions are in
``decide.py``, the date arithmetic in ``dates.py``.
"""
from __future__ import annotations

from datetime import date

import faust

from remedy.runtime.app import Runtime, create_app
from remedy.runtime.casefile import CaseFiles
from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from services.repair import decide as d
from services.repair.dates import PbocOneOff, RepairRules
from remedy.kernel.deadlines import next_due_ms
from services.repair.state import RepairFile

SERVICE = "repair"


def rules_from(settings: Settings) -> RepairRules:
    pboc = PbocOneOff(settings.repair_pboc_max_cents, date.fromisoformat(settings.repair_pboc_overdue_from),
                      date.fromisoformat(settings.repair_pboc_overdue_to), date.fromisoformat(settings.repair_pboc_repaid_by))
    return RepairRules(settings.repair_due_working_days, settings.repair_processing_working_days,
                       settings.repair_record_keep_years, settings.repair_pre_report_notice_days, pboc)


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    clock = clock or clock_from_settings(settings)
    rules = rules_from(settings)
    rt = Runtime(app, SERVICE, Codec(settings.schemas_dir), clock, ServiceMetrics(SERVICE))
    files = CaseFiles(app, rt, load=RepairFile.from_json, next_due_ms=next_due_ms, may_be_due=lambda s: bool(s["deadlines"]),
                      sweep_seconds=settings.repair_sweep_seconds,
                      backlog_stage=lambda s: "CREDIT_REPAIR" if (s["handover"] or s["requested"]) and not s["closed"] else None)
    files.on("case.events", "CaseEvent", lambda case, record, cause, now: d.on_case_event(case, record, now, rules),
             concerns=d.concerns)
    files.on_tick(lambda case, now: d.on_tick(case, now, rules))
    return app
