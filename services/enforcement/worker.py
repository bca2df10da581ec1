"""enforcement's wiring: case.events, court.decisions, payments, enforcement.ticks → decide → case.events | enforcement.dlq.

A case file per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks); the decisions are in
``decide.py``.
"""
from __future__ import annotations

import faust

from remedy.runtime.app import Runtime, create_app
from remedy.runtime.casefile import CaseFiles
from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from services.enforcement import decide as d
from remedy.kernel.deadlines import next_due_ms
from services.enforcement.state import CaseFile

SERVICE = "enforcement"
# Enforcement's own steps → the lifecycle stage a case waits in (DESIGN.md).
BACKLOG_STAGE = {"FILED": "LITIGATION", "ACCEPTED": "LITIGATION", "JUDGMENT": "JUDGMENT", "ENFORCEMENT": "ENFORCEMENT"}


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    clock = clock or clock_from_settings(settings)
    rt = Runtime(app, SERVICE, Codec(settings.schemas_dir), clock, ServiceMetrics(SERVICE))
    files = CaseFiles(app, rt, load=CaseFile.from_json, next_due_ms=next_due_ms, may_be_due=lambda s: bool(s["deadlines"]),
                      sweep_seconds=settings.enforcement_sweep_seconds,
                      backlog_stage=lambda s: BACKLOG_STAGE.get(s["stage"]))
    files.on("case.events", "CaseEvent", lambda case, record, cause, now: d.on_case_event(case, record, now),
             concerns=d.concerns)
    files.on("court.decisions", "CourtDecision", d.on_court_decision)
    files.on("payments", "Payment", d.on_payment)
    files.on_tick(d.on_tick)
    return app
