"""objections' wiring: case.events, debtor.requests, lender.updates, objections.ticks → decide → case.events | objections.dlq.

A docket per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks): the case's stage from
case.events, holds, objections, pending claims and closes. The case.events input also closes cases
other stages finished (CreditRepairDone, enforcement terminated). A tick for an objection past its
answer date emits ``ObjectionOverdue``, counted in ``remedy_objections_overdue_total`` (the
supervisor queue).
"""
from __future__ import annotations

import faust
from prometheus_client import Counter

from remedy.runtime.app import Runtime, create_app
from remedy.runtime.casefile import CaseFiles
from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from services.objections import decide as d
from services.objections.docket import Docket

SERVICE = "objections"


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    clock = clock or clock_from_settings(settings)
    rules = d.ObjectionRules(settings.objections_answer_days, settings.objections_complaint_department)
    metrics = ServiceMetrics(SERVICE)
    overdue = Counter(f"remedy_{SERVICE}_overdue", "Objections not answered in time (sent to the supervisor queue)",
                      registry=metrics.registry)
    rt = Runtime(app, SERVICE, Codec(settings.schemas_dir), clock, metrics)
    files = CaseFiles(app, rt, load=Docket.from_json, next_due_ms=d.next_due_ms, may_be_due=lambda s: bool(s["objections"]),
                      sweep_seconds=settings.objections_sweep_seconds,
                      backlog_stage=lambda s: "ON_HOLD" if s["held_since"] is not None and not s["closed"] else None,
                      on_applied=lambda dec: overdue.inc(sum(e.record["type"] == "ObjectionOverdue" for e in dec.emits)))
    files.on("case.events", "CaseEvent", lambda docket, record, cause, now: d.on_case_event(docket, record, now))
    files.on("debtor.requests", "DebtorRequest", lambda docket, record, cause, now: d.on_request(docket, record, cause, now, rules))
    files.on("lender.updates", "LenderUpdate", d.on_lender_update)
    files.on_tick(d.on_tick)
    return app
