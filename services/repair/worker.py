"""repair's wiring: case.events, repair.ticks → decide → case.events | repair.dlq.

A case file per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks); the decisions are in
``decide.py``, the date arithmetic in ``dates.py``.
"""
from __future__ import annotations

import faust

from remedy.kernel import lifecycle
from remedy.kernel.clock import Clock
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host
from remedy.runtime.casefile import CaseFiles
from remedy.runtime.faust_host import build_app
from services.repair import decide as d
from remedy.kernel.deadlines import next_due_ms
from services.repair.settings import RepairSettings
from services.repair.state import RepairFile

SERVICE = "repair"


def build(settings: Settings, repair: RepairSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, repair), clock=clock, web_port=repair.port)


def wire(host: Host, settings: Settings, repair: RepairSettings) -> None:
    rules = repair.rules()
    files = CaseFiles(host, load=RepairFile.from_json, next_due_ms=next_due_ms, may_be_due=lambda s: bool(s["deadlines"]),
                      sweep_seconds=repair.sweep_seconds,
                      backlog_stage=lambda s: lifecycle.CREDIT_REPAIR if (s["handover"] or s["requested"]) and not s["closed"] else None)
    files.on("case.events", "CaseEvent", lambda case, record, cause, now: d.on_case_event(case, record, now, rules),
             concerns=d.concerns)
    files.on_tick(lambda case, now: d.on_tick(case, now, rules))
