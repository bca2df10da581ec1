"""enforcement's wiring: case.events, court.decisions, payments, enforcement.ticks → decide → case.events | enforcement.dlq.

One table, ``cases`` (case_id → CaseFile), updated by four agents (concurrency 1 each). All four
inputs are keyed by case_id with the same partitioner, so a case's table entry lives in one
partition. A process-wide lock makes each read-decide-emit-store atomic across the agents.
Deadlines: a timer reads the clock, finds cases whose deadline passed and sends a tick keyed by
case_id to ``enforcement.ticks`` (faust tables can only be written from a stream); the tick agent
calls ``advance``.
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
from services.enforcement import decide as d
from services.enforcement.state import CaseFile, ms, next_due_ms

SERVICE = "enforcement"
RETICK_SECONDS = 5.0


class Tick(faust.Record, serializer="json"):
    case_id: str


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    metrics = ServiceMetrics(SERVICE)
    ignored = Counter(f"remedy_{SERVICE}_ignored", "Inputs that are another service's business", ["topic"],
                      registry=metrics.registry)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    cases = app.Table("cases", default=None)
    ticks = app.topic(f"{SERVICE}.ticks", key_type=str, value_type=Tick)
    lock = asyncio.Lock()
    ticked: dict[str, float] = {}

    async def apply(topic: str, case_id: str, decide_on) -> None:
        async with lock:
            stored = cases.get(case_id)
            decision = decide_on(CaseFile.from_json(stored) if stored else None)
            if decision.outcome == "duplicate":
                metrics.duplicates.labels(topic).inc()
            elif decision.outcome == "ignored":
                ignored.labels(topic).inc()
            if not decision.changed:
                return
            await rt.emit_all(decision.emits)
            cases[case_id] = decision.case.to_json()

    async def handle_case_event(event: faust.EventT) -> None:
        _, record = codec.decode(event.message.value, expect="CaseEvent")
        await apply("case.events", record["case_id"], lambda case: d.on_case_event(case, record, clock.now()))

    async def handle_court_decision(event: faust.EventT) -> None:
        msg = event.message
        _, record = codec.decode(msg.value, expect="CourtDecision")
        cause = message_id(msg.topic, msg.partition, msg.offset)
        await apply(msg.topic, record["case_id"], lambda case: d.on_court_decision(case, record, cause, clock.now()))

    async def handle_payment(event: faust.EventT) -> None:
        msg = event.message
        _, record = codec.decode(msg.value, expect="Payment")
        cause = message_id(msg.topic, msg.partition, msg.offset)
        await apply(msg.topic, record["case_id"], lambda case: d.on_payment(case, record, cause, clock.now()))

    async def handle_tick(event: faust.EventT) -> None:
        case_id = event.value.case_id
        await apply(f"{SERVICE}.ticks", case_id, lambda case: d.on_tick(case, clock.now()))
        ticked.pop(case_id, None)

    for topic, handler in (("case.events", handle_case_event), ("court.decisions", handle_court_decision),
                           ("payments", handle_payment)):
        _agent(app, rt, rt.topic(topic), handler, name=topic.replace(".", "-"))
    _agent(app, rt, ticks, handle_tick, name="ticks")

    @app.timer(settings.enforcement_sweep_seconds)
    async def sweep() -> None:
        now_ms, real = ms(clock.now()), time.monotonic()
        for case_id, stored in list(cases.items()):
            at = next_due_ms(CaseFile.from_json(stored)) if stored and stored["deadlines"] else None
            if at is not None and now_ms >= at and real - ticked.get(case_id, -RETICK_SECONDS) >= RETICK_SECONDS:
                ticked[case_id] = real
                await ticks.send(key=case_id, value=Tick(case_id))

    return app


def _agent(app: faust.App, rt: Runtime, topic, handler, *, name: str) -> None:
    @app.agent(topic, name=name, concurrency=1)
    async def agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handler)
