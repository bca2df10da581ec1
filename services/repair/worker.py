"""repair's wiring: case.events, repair.ticks → decide → case.events | repair.dlq.

A case file per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks); the decisions are in
``decide.py``, ``report.py`` and ``correction.py``, the date arithmetic in ``dates.py``. Each negative report
withheld and each record corrected is counted by reason (alert ``RemedyNegativeReportWithheld``).
"""
from __future__ import annotations

import faust
from prometheus_client import Counter

from remedy.kernel import lifecycle
from remedy.kernel.clock import Clock
from remedy.kernel.decision import Decision
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host
from remedy.runtime.casefile import CaseFiles
from remedy.runtime.faust_host import build_app
from services.repair import correction, decide as d
from services.repair.settings import RepairSettings
from services.repair.state import RepairFile

SERVICE = "repair"
COUNTED = {"NegativeReportWithheld": ("negative_reports_withheld", "Negative credit reports withheld: the pre-report "
                                      "notice was not proved delivered (an operator must act)"),
           "NegativeRecordCorrected": ("negative_records_corrected", "Negative credit records corrected")}


def build(settings: Settings, repair: RepairSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, repair), clock=clock, web_port=repair.port)


def wire(host: Host, settings: Settings, repair: RepairSettings) -> None:
    rules = repair.rules()
    counters = {type_: Counter(f"remedy_{SERVICE}_{name}", doc, ["reason"], registry=host.metrics.registry)
                for type_, (name, doc) in COUNTED.items()}

    def count(decision: Decision) -> None:
        for out in decision.emits:
            if out.record["type"] in counters:
                counters[out.record["type"]].labels(out.record["event"]["reason"]).inc()

    files = CaseFiles(host, load=RepairFile.from_json, next_due_ms=d.next_due, sweep_seconds=repair.sweep_seconds,
                      may_be_due=lambda s: bool(s["deadlines"]) or correction.pending(s), on_applied=count,
                      backlog_stage=lambda s: lifecycle.CREDIT_REPAIR if (s["handover"] or s["requested"]) and not s["closed"] else None)
    files.on("case.events", "CaseEvent", lambda case, record, cause, now: d.on_case_event(case, record, now, rules),
             concerns=d.concerns)
    files.on_tick(lambda case, now: d.on_tick(case, now, rules))
