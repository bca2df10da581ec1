"""repair's wiring: case.events, repair.ticks → decide → case.events | repair.dlq.

One table, ``cases`` (case_id → RepairFile). A timer reads the clock and sends a tick keyed by
case_id to ``repair.ticks`` for every case whose deadline passed (faust tables are written only
from streams); the tick agent calls ``advance``. A lock makes read-decide-emit-store atomic
across the two agents.
"""
from __future__ import annotations

import asyncio
import time
from datetime import date

import faust
from prometheus_client import Counter

from remedy.app import Runtime, create_app
from remedy.clock import Clock, clock_from_settings
from remedy.codec import Codec
from remedy.metrics import ServiceMetrics
from remedy.settings import Settings
from services.repair import decide as d
from services.repair.dates import PbocOneOff, RepairRules
from services.repair.state import RepairFile, ms, next_due_ms

SERVICE = "repair"
RETICK_SECONDS = 5.0


class Tick(faust.Record, serializer="json"):
    case_id: str


def rules_from(settings: Settings) -> RepairRules:
    pboc = PbocOneOff(settings.repair_pboc_max_cents, date.fromisoformat(settings.repair_pboc_overdue_from),
                      date.fromisoformat(settings.repair_pboc_overdue_to), date.fromisoformat(settings.repair_pboc_repaid_by))
    return RepairRules(settings.repair_due_working_days, settings.repair_processing_working_days,
                       settings.repair_record_keep_years, settings.repair_pre_report_notice_days, pboc)


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    rules = rules_from(settings)
    metrics = ServiceMetrics(SERVICE)
    ignored = Counter(f"remedy_{SERVICE}_ignored", "Inputs that change nothing for repair", ["topic"],
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
            decision = decide_on(RepairFile.from_json(stored) if stored else None)
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
        await apply("case.events", record["case_id"], lambda case: d.on_case_event(case, record, clock.now(), rules))

    async def handle_tick(event: faust.EventT) -> None:
        case_id = event.value.case_id
        await apply(ticks_name, case_id, lambda case: d.on_tick(case, clock.now(), rules))
        ticked.pop(case_id, None)

    @app.agent(rt.topic("case.events"), name="case-events", concurrency=1)
    async def case_events_agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handle_case_event)

    @app.agent(ticks, name="ticks", concurrency=1)
    async def ticks_agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handle_tick)

    @app.timer(settings.repair_sweep_seconds)
    async def sweep() -> None:
        now_ms, real = ms(clock.now()), time.monotonic()
        for case_id, stored in list(cases.items()):
            at = next_due_ms(RepairFile.from_json(stored)) if stored and stored["deadlines"] else None
            if at is not None and now_ms >= at and real - ticked.get(case_id, -RETICK_SECONDS) >= RETICK_SECONDS:
                ticked[case_id] = real
                await ticks.send(key=case_id, value=Tick(case_id))

    return app
