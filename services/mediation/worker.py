"""mediation's wiring: decode → decide (``case``, ``desk``) → emit → remember.

Per-case state lives in table ``cases`` (keyed by case_id) and is changed by four agents — one per
input topic, all keyed by case_id with 4 partitions — and by the deadline sweep (a timer). Mediator
assignment runs on the single-partition internal topic ``mediation.desk`` (table ``desk``) so that
daily capacities hold exactly; ``mediation.roster`` changes the roster on the same partition. The
desk's MediatorAssigned/SessionScheduled go back through ``mediation.assignments`` (keyed by
case_id): the case's state records them before they are published on ``case.events``.
Both tables use the producer's partitioner (``use_partitioner``) so that timers may change them:
a case's changelog record lands on the partition its case_id hashes to, as on ``case.events``.
"""
from __future__ import annotations

import asyncio
from typing import Callable

import faust
from prometheus_client import Counter, Gauge

from remedy.runtime.app import Emit, Runtime, create_app
from remedy.kernel.clock import Clock, china_date, clock_from_settings
from remedy.contract.codec import Codec
from remedy.kernel.ids import message_id
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.settings import Settings
from remedy.runtime import tables
from services.mediation import case, desk, roster
from services.mediation.case import Step, Terms

SERVICE = "mediation"
DESK_KEY = "desk"


class DeskMessage(faust.Record, serializer="json"):
    op: str                 # REQUEST | CANCEL
    case_id: str
    request: dict = None


class Metrics(ServiceMetrics):
    def __init__(self):
        super().__init__(SERVICE)
        r, p = self.registry, "remedy_mediation_"
        self.steps = Counter(p + "steps", "Inputs and sweeps by what they did to a case", ["input", "outcome"], registry=r)
        self.queue = Gauge(p + "queue_length", "Cases waiting for a free mediator", ["tier"], registry=r)
        self.assigned = Counter(p + "assigned", "Mediators assigned", ["tier"], registry=r)
        self.skipped = Counter(p + "skipped", "Inputs that belong to another stage (court decisions for enforcement, "
                                              "payments for handed-on cases)", ["topic"], registry=r)


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    metrics = Metrics()
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    terms = Terms(settings.mediation_tier_days, settings.mediation_confirmation_days,
                  settings.mediation_reminder_days, settings.mediation_grace_days)
    base_roster = roster.load_roster(settings.mediation_roster_path)
    cases = app.Table("cases", default=None, use_partitioner=True)
    desk_table = app.Table("desk", default=None, use_partitioner=True)
    desk_topic = app.topic("mediation.desk", key_type=str, value_type=DeskMessage)
    case_lock, desk_lock = asyncio.Lock(), asyncio.Lock()

    async def apply(input_name: str, case_id: str, decide: Callable[[dict | None], Step]) -> None:
        async with case_lock:
            step = decide(cases.get(case_id))
            metrics.steps.labels(input_name, step.outcome).inc()
            await rt.emit_all(step.emits)
            for msg in step.desk:
                await rt.send_to(desk_topic, DESK_KEY, DeskMessage(msg["op"], msg.get("case_id") or case_id,
                                                                   msg.get("request")))
            if step.state is not None:
                await tables.put(rt, cases, case_id, step.state)
        if step.outcome in ("duplicate",):
            metrics.duplicates.labels(input_name).inc()
        if step.outcome == "not_ours":
            metrics.skipped.labels(input_name).inc()

    def input_id(event: faust.EventT) -> str:
        m = event.message
        return message_id(m.topic, m.partition, m.offset)

    async def handle_case_event(event: faust.EventT) -> None:
        _, ev = codec.decode(event.message.value, expect="CaseEvent")
        await apply("case.events", ev["case_id"], lambda s: case.on_case_event(s, ev, terms, clock.now()))

    async def handle_outcome(event: faust.EventT) -> None:
        _, o = codec.decode(event.message.value, expect="MediationOutcome")
        await apply("mediation.outcomes", o["case_id"], lambda s: case.on_outcome(s, o, input_id(event), terms, clock.now()))

    async def handle_assignment(event: faust.EventT) -> None:
        _, ev = codec.decode(event.message.value, expect="CaseEvent")
        await apply("mediation.assignments", ev["case_id"], lambda s: case.on_assignment(s, ev))

    async def handle_decision(event: faust.EventT) -> None:
        _, d = codec.decode(event.message.value, expect="CourtDecision")
        await apply("court.decisions", d["case_id"],
                    lambda s: case.on_court_decision(s, d, input_id(event), terms, clock.now()))

    async def handle_payment(event: faust.EventT) -> None:
        _, p = codec.decode(event.message.value, expect="Payment")
        await apply("payments", p["case_id"], lambda s: case.on_payment(s, p, input_id(event), clock.now()))

    # ---- the desk -------------------------------------------------------------------------------

    def current_roster() -> dict[str, dict]:
        return roster.effective(base_roster, desk_table.get("roster"))

    desk_memo: dict = {}   # the desk in memory; rebuilt from the table (recovered first) at first use

    def load_desk() -> dict:
        if "state" not in desk_memo:
            meta = desk_table.get(DESK_KEY) or {}
            desk_memo["state"] = desk.restore({k[2:]: v for k, v in desk_table.items() if k.startswith("q:") and v},
                                              meta.get("day", ""), meta.get("loads", {}))
        return desk_memo["state"]

    async def save_desk(change: desk.Change) -> None:
        """Publish the desk's events, then persist the change: a record per request joining or leaving
        the queue, and the day's loads."""
        before = load_desk()
        for out in change.emits:  # via the case's own partition: its state learns of the session first
            await rt.emit(Emit("mediation.assignments", out.key, out.schema, out.record))
        for key in change.assigned:
            await tables.put(rt, desk_table, "assigned:" + key, True)
            metrics.assigned.labels(key.split(":")[1]).inc()
        for key, req in change.joined.items():
            await tables.put(rt, desk_table, "q:" + key, req)
        for key in change.left:
            await tables.put(rt, desk_table, "q:" + key, None)
        if (change.day, change.loads) != (before["day"], before["loads"]):
            await tables.put(rt, desk_table, DESK_KEY, {"day": change.day, "loads": change.loads})
        desk.apply(before, change)

    async def handle_desk(event: faust.EventT) -> None:
        msg: DeskMessage = event.value
        async with desk_lock:
            state = load_desk()
            if msg.op == "CANCEL":
                await save_desk(desk.cancel(state, msg.case_id))
            elif desk_table.get("assigned:" + desk.request_key(msg.request)):
                metrics.duplicates.labels("mediation.desk").inc()
            else:
                await save_desk(desk.enqueue(state, msg.request, current_roster(), clock.now()))

    async def handle_roster(event: faust.EventT) -> None:
        _, update = codec.decode(event.message.value, expect="RosterUpdate")
        entry = roster.check(update)
        async with desk_lock:
            await tables.put(rt, desk_table, "roster", {**(desk_table.get("roster") or {}), entry["mediator_id"]: entry})
            await save_desk(desk.drain(load_desk(), current_roster(), clock.now()))

    # ---- agents and the clock -------------------------------------------------------------------

    for topic_name, handler in (("case.events", handle_case_event), ("mediation.outcomes", handle_outcome),
                                ("court.decisions", handle_decision), ("payments", handle_payment),
                                ("mediation.assignments", handle_assignment),
                                ("mediation.roster", handle_roster)):
        rt.agent(rt.topic(topic_name), handler, name=topic_name.replace(".", "-"))
    rt.agent(desk_topic, handle_desk, name="desk")

    quiet_on: dict[str, tuple] = {}   # case_id -> (plan day, the stored state) its last sweep saw

    @app.timer(interval=settings.mediation_sweep_seconds)
    async def sweep() -> None:
        async with rt.batch():
            now = clock.now()
            backlog: dict[str, int] = {}
            for case_id, state in list(cases.items()):
                if state and not state["closed"] and state["stage"] in case.STAGE_TIER.keys() | {"PERFORMING"}:
                    backlog[state["stage"]] = backlog.get(state["stage"], 0) + 1
                    if not case.sweep_due(state, now):
                        continue
                    if state["stage"] == "PERFORMING":  # at most one look per plan day while nothing changes
                        day = case.plan_day(state, now)
                        if quiet_on.get(case_id) == (day, state):
                            continue
                        quiet_on[case_id] = (day, state)
                    await apply("clock", case_id, lambda s: case.sweep(s, terms, now) if s else Step(None))
            rt.lag.set_backlog(backlog.items())
            async with desk_lock:
                state = load_desk()
                if state["queue"] and state["day"] != china_date(now).isoformat():  # a new day frees capacity
                    await save_desk(desk.drain(state, current_roster(), now))
                for tier in ("PEOPLES", "COURT"):
                    metrics.queue.labels(tier).set(sum(1 for q in state["queue"].values() if q["tier"] == tier))

    return app
