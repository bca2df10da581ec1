"""enforcement's wiring: case.events, court.decisions, payments, lender.updates (uploaded evidence), enforcement.ticks → decide → case.events | enforcement.dlq.

A case file per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks); the decisions are in
``decide.py``.
"""
from __future__ import annotations

import faust
from prometheus_client import Counter

from remedy.kernel.clock import Clock
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host
from remedy.runtime.casefile import CaseFiles
from remedy.runtime.faust_host import build_app
from services.enforcement import decide as d
from services.enforcement.settings import EnforcementSettings
from remedy.kernel.deadlines import next_due_ms
from services.enforcement.moves import DLQ, LIFECYCLE_STAGE
from services.enforcement.state import CaseFile

SERVICE = "enforcement"


def build(settings: Settings, enforcement: EnforcementSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, enforcement), clock=clock, web_port=enforcement.port)


def wire(host: Host, settings: Settings, enforcement: EnforcementSettings) -> None:
    refused = Counter(f"remedy_{SERVICE}_filings_refused", "cases handed to litigation and not filed, by reason",
                      ["reason"], registry=host.metrics.registry)

    def count_refusals(decision) -> None:
        for out in decision.emits:
            if out.topic == DLQ:
                refused.labels("NO_EVIDENCE").inc()

    files = CaseFiles(host, load=CaseFile.from_json, next_due_ms=next_due_ms, may_be_due=lambda s: bool(s["deadlines"]),
                      sweep_seconds=enforcement.sweep_seconds, on_applied=count_refusals,
                      backlog_stage=lambda s: LIFECYCLE_STAGE.get(s["stage"]))
    files.on("case.events", "CaseEvent", lambda case, record, cause, now: d.on_case_event(case, record, now),
             concerns=d.concerns)
    files.on("court.decisions", "CourtDecision", d.on_court_decision)
    files.on("payments", "Payment", d.on_payment)
    files.on("lender.updates", "LenderUpdate", d.on_lender_update, concerns=d.takes_update)
    files.on_tick(d.on_tick)
