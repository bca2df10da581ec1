"""objections' wiring: case.events, debtor.requests, lender.updates, objections.ticks → decide → case.events | objections.dlq.

One table, ``cases`` (case_id → Docket: the case's stage from case.events, holds, objections,
pending claims and closes), updated by four agents (concurrency 1 each) under one lock. The
case.events agent also closes cases other stages finished (CreditRepairDone, enforcement terminated).
A timer sends a tick keyed by case_id to ``objections.ticks`` for every objection past its answer
date; the tick agent emits ``ObjectionOverdue`` (counted in ``remedy_objections_overdue_total``:
the supervisor queue).
"""
from __future__ import annotations

import asyncio
import time

import faust
from prometheus_client import Counter

from remedy.app import Runtime, create_app
from remedy.clock import Clock, clock_from_settings
from remedy.codec import Codec
from remedy.ids import message_id
from remedy.metrics import ServiceMetrics
from remedy.settings import Settings
from services.objections import decide as d
from services.objections.docket import Docket

SERVICE = "objections"
RETICK_SECONDS = 5.0


class Tick(faust.Record, serializer="json"):
    case_id: str


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    rules = d.ObjectionRules(settings.objections_answer_days, settings.objections_complaint_department)
    metrics = ServiceMetrics(SERVICE)
    ignored = Counter(f"remedy_{SERVICE}_ignored", "Inputs that are another service's business", ["topic"],
                      registry=metrics.registry)
    overdue = Counter(f"remedy_{SERVICE}_overdue", "Objections not answered in time (sent to the supervisor queue)",
                      registry=metrics.registry)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    cases = app.Table("cases", default=None)
    ticks_name = f"{SERVICE}.ticks"
    ticks = app.topic(ticks_name, key_type=str, value_type=Tick)
    lock = asyncio.Lock()
    ticked: dict[str, float] = {}

    async def apply(topic: str, case_id: str, decide_on) -> None:
        async with lock:
            stored = cases.get(case_id)
            decision = decide_on(Docket.from_json(stored) if stored else None)
            if decision.outcome == "duplicate":
                metrics.duplicates.labels(topic).inc()
            elif decision.outcome == "ignored":
                ignored.labels(topic).inc()
            if not decision.changed:
                return
            await rt.emit_all(decision.emits)
            overdue.inc(decision.overdue)
            cases[case_id] = decision.docket.to_json()

    def decoded(event: faust.EventT, schema: str) -> tuple[dict, str]:
        msg = event.message
        return codec.decode(msg.value, expect=schema)[1], message_id(msg.topic, msg.partition, msg.offset)

    async def handle_case_event(event: faust.EventT) -> None:
        record, _ = decoded(event, "CaseEvent")
        await apply("case.events", record["case_id"], lambda docket: d.on_case_event(docket, record, clock.now()))

    async def handle_request(event: faust.EventT) -> None:
        record, cause = decoded(event, "DebtorRequest")
        await apply("debtor.requests", record["case_id"],
                    lambda docket: d.on_request(docket, record, cause, clock.now(), rules))

    async def handle_lender_update(event: faust.EventT) -> None:
        record, cause = decoded(event, "LenderUpdate")
        await apply("lender.updates", record["case_id"],
                    lambda docket: d.on_lender_update(docket, record, cause, clock.now()))

    async def handle_tick(event: faust.EventT) -> None:
        case_id = event.value.case_id
        await apply(ticks_name, case_id, lambda docket: d.on_tick(docket, clock.now()))
        ticked.pop(case_id, None)

    for topic, handler in (("case.events", handle_case_event), ("debtor.requests", handle_request),
                           ("lender.updates", handle_lender_update)):
        _agent(app, rt, rt.topic(topic), handler, name=topic.replace(".", "-"))
    _agent(app, rt, ticks, handle_tick, name="ticks")

    @app.timer(settings.objections_sweep_seconds)
    async def sweep() -> None:
        now_ms, real = d.ms(clock.now()), time.monotonic()
        for case_id, stored in list(cases.items()):
            at = d.next_due_ms(Docket.from_json(stored)) if stored and stored["objections"] else None
            if at is not None and now_ms >= at and real - ticked.get(case_id, -RETICK_SECONDS) >= RETICK_SECONDS:
                ticked[case_id] = real
                await ticks.send(key=case_id, value=Tick(case_id))

    return app


def _agent(app: faust.App, rt: Runtime, topic, handler, *, name: str) -> None:
    @app.agent(topic, name=name, concurrency=1)
    async def agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handler)
