"""triage's wiring: case.events → triage.by-debtor (keyed by debtor_ref) → CaseTriaged | CaseRejected.

Two agents, concurrency 1 each:
- ``cases`` reads ``case.events``, keeps per case the debtor and an early withdrawal (table
  ``cases``) and forwards openings and mediation failures, keyed by debtor_ref; the other event types
  (most of the log) are told by their header and counted, not decoded (``Codec.case_event_type``);
- ``debtors`` reads ``triage.by-debtor``, keeps per debtor the failed mediations and the decided
  cases (table ``debtors``) and emits the decision.
"""
from __future__ import annotations

import json
import faust
from prometheus_client import Counter

from remedy.kernel.clock import Clock
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host, Input, send_internal
from remedy.runtime.faust_host import build_app
from services.triage.decide import BY_DEBTOR, Forward, on_case_event, on_debtor_message
from services.triage.ruleset import load_locked_rules
from services.triage.settings import TriageSettings

SERVICE = "triage"
# The case events ``on_case_event`` may act on; it ignores every other type whatever the case's state, so those are
# counted as ignored without being decoded (most of the case log: tests/unit/test_peer_skip.py pins the set).
READS = frozenset({"CaseOpened", "CaseAmended", "CaseWithdrawn", "MediationFailed"})
FORWARD_FIELDS = ("debtor_ref", "kind", "case_id", "lender_id", "causation_id", "facts", "withdrawn", "tier")


def decode_forward(value: bytes) -> Forward:
    """A forward as JSON (older records were faust records: the same fields beside ``__faust``)."""
    data = json.loads(value)
    return Forward(**{k: data.get(k) for k in FORWARD_FIELDS} | {"withdrawn": bool(data.get("withdrawn")),
                                                                  "tier": data.get("tier") or ""})


def build(settings: Settings, triage: TriageSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, triage), clock=clock, web_port=triage.port)


def wire(host: Host, settings: Settings, triage: TriageSettings) -> None:
    rules = load_locked_rules(triage.rules_path)  # refuses a rule file edited without a new version
    metrics, codec = host.metrics, host.codec
    decisions = Counter("remedy_triage_decisions", "Cases decided, by route (REJECTED for rejections) and rule version",
                        ["route", "rule_version"], registry=metrics.registry)
    steps = Counter("remedy_triage_case_events", "case.events inputs by what triage did with them", ["outcome"],
                    registry=metrics.registry)
    cases = host.table("cases")
    debtors = host.table("debtors")

    ignored = steps.labels("ignored")

    async def handle_case_event(msg: Input) -> None:
        if codec.case_event_type(msg.value) not in READS:  # read off the header: decoding it would change nothing
            ignored.inc()
            return
        _, record = codec.decode(msg.value, expect="CaseEvent")
        step = on_case_event(cases.get(record["case_id"]), record)
        steps.labels(step.outcome).inc()
        if step.outcome == "duplicate":
            metrics.duplicates.labels(msg.topic).inc()
        await send_internal(host, step.internal)
        if step.state is not None:
            await cases.put(record["case_id"], step.state)

    async def handle_debtor_message(msg: Input) -> None:
        fwd = decode_forward(msg.value)
        step = on_debtor_message(debtors.get(fwd.debtor_ref), fwd, rules, host.clock.now())
        if step.outcome == "duplicate":
            metrics.duplicates.labels(msg.topic).inc()
        await host.emit_all(step.emits)
        for out in step.emits:
            body = out.record["event"]
            decisions.labels(body.get("route", "REJECTED"), rules.version).inc()
            for reason in body["reason_codes"] if out.record["type"] == "CaseRejected" else ():
                metrics.rejected.labels(reason).inc()
        if step.state is not None:
            await debtors.put(fwd.debtor_ref, step.state)

    host.agent("case.events", handle_case_event, name="cases")
    host.agent(BY_DEBTOR, handle_debtor_message, name="debtors")
