"""triage's wiring: case.events → triage.by-debtor (keyed by debtor_ref) → CaseTriaged | CaseRejected.

Two agents, concurrency 1 each:
- ``cases`` reads ``case.events``, keeps per case the debtor and an early withdrawal (table
  ``cases``) and forwards openings and mediation failures, keyed by debtor_ref;
- ``debtors`` reads ``triage.by-debtor``, keeps per debtor the failed mediations and the decided
  cases (table ``debtors``) and emits the decision.
"""
from __future__ import annotations

from dataclasses import asdict

import faust
from prometheus_client import Counter

from remedy.runtime.app import Runtime, create_app
from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from remedy.runtime import tables
from services.triage.decide import Forward, on_case_event, on_debtor_message
from services.triage.ruleset import load_rules

SERVICE = "triage"


class ByDebtor(faust.Record, serializer="json"):
    debtor_ref: str
    kind: str
    case_id: str
    lender_id: str
    causation_id: str
    facts: dict = None
    withdrawn: bool = False
    tier: str = ""


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    rules = load_rules(settings.triage_rules_path)
    metrics = ServiceMetrics(SERVICE)
    decisions = Counter("remedy_triage_decisions", "Cases decided, by route (REJECTED for rejections) and rule version",
                        ["route", "rule_version"], registry=metrics.registry)
    steps = Counter("remedy_triage_case_events", "case.events inputs by what triage did with them", ["outcome"],
                    registry=metrics.registry)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    cases = app.Table("cases", default=None)
    debtors = app.Table("debtors", default=None)
    by_debtor = app.topic("triage.by-debtor", key_type=str, value_type=ByDebtor)

    async def handle_case_event(event: faust.EventT) -> None:
        _, record = codec.decode(event.message.value, expect="CaseEvent")
        step = on_case_event(cases.get(record["case_id"]), record)
        steps.labels(step.outcome).inc()
        if step.outcome == "duplicate":
            metrics.duplicates.labels(event.message.topic).inc()
        for fwd in step.forwards:
            await rt.send_to(by_debtor, fwd.debtor_ref, ByDebtor(**asdict(fwd)))
        if step.state is not None:
            await tables.put(rt, cases, record["case_id"], step.state)

    async def handle_debtor_message(event: faust.EventT) -> None:
        msg: ByDebtor = event.value
        fwd = Forward(msg.debtor_ref, msg.kind, msg.case_id, msg.lender_id, msg.causation_id, msg.facts,
                      msg.withdrawn, msg.tier)
        step = on_debtor_message(debtors.get(msg.debtor_ref), fwd, rules, clock.now())
        if step.outcome == "duplicate":
            metrics.duplicates.labels(event.message.topic).inc()
        await rt.emit_all(step.emits)
        for out in step.emits:
            body = out.record["event"]
            decisions.labels(body.get("route", "REJECTED"), rules.version).inc()
            for reason in body["reason_codes"] if out.record["type"] == "CaseRejected" else ():
                metrics.rejected.labels(reason).inc()
        if step.state is not None:
            await tables.put(rt, debtors, msg.debtor_ref, step.state)

    rt.agent(rt.topic("case.events"), handle_case_event, name="cases")
    rt.agent(by_debtor, handle_debtor_message, name="debtors")

    return app
