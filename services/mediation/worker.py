"""mediation's wiring: decode → decide (``case``, ``desk``) → emit → remember.

Per-case state lives in table ``cases`` (keyed by case_id) and is changed by one agent per input topic
(the case log, outcomes, court decisions, payments, assignments, debtors' ACCEPT_OFFER), all keyed by
case_id with 4 partitions, and by the deadline sweep (a timer). Mediator
assignment runs on the single-partition internal topic ``mediation.desk`` so that daily capacities
hold exactly: serial by design (bench/bench_mediation_desk.py measures its ceiling). Its table ``desk``
holds the queue in the layout of ``queue`` (nothing of it on the heap), the day's loads, the roster's
changes and the requests assigned; ``mediation.roster`` changes the roster on the same partition. The
desk's MediatorAssigned/SessionScheduled go back through ``mediation.assignments`` (keyed by
case_id): the case's state records them before they are published on ``case.events``.
Both tables use the producer's partitioner (``use_partitioner``) so that timers may change them:
a case's changelog record lands on the partition its case_id hashes to, as on ``case.events``.
"""
from __future__ import annotations

import asyncio
import json
from typing import Callable

import faust
from prometheus_client import Counter, Gauge

from remedy.kernel.clock import Clock
from remedy.kernel.emit import Emit
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host, Input, send_internal
from remedy.runtime.due import Deadlines
from remedy.runtime.faust_host import build_app
from remedy.runtime.metrics import ServiceMetrics
from services.mediation import case, desk, offers, queue, roster
from services.mediation.case import Step, Terms
from services.mediation.step import DESK_PARTITION, DESK_TOPIC
from services.mediation.settings import MediationSettings

SERVICE = "mediation"
INPUTS = {"case.events": "CaseEvent", "mediation.outcomes": "MediationOutcome", "court.decisions": "CourtDecision",
          "payments": "Payment", "mediation.assignments": "CaseEvent", "debtor.requests": "DebtorRequest"}


class Metrics(ServiceMetrics):
    def __init__(self):
        super().__init__(SERVICE)
        r, p = self.registry, "remedy_mediation_"
        self.steps = Counter(p + "steps", "Inputs and sweeps by what they did to a case", ["input", "outcome"], registry=r)
        self.queue = Gauge(p + "queue_length", "Cases waiting for a free mediator", ["tier"], registry=r)
        self.assigned = Counter(p + "assigned", "Mediators assigned", ["tier"], registry=r)
        self.skipped = Counter(p + "skipped", "Inputs that belong to another stage (court decisions for enforcement, "
                                              "payments for handed-on cases, debtor requests but ACCEPT_OFFER)", ["topic"],
                               registry=r)


def build(settings: Settings, mediation: MediationSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, mediation), clock=clock,
                     metrics=Metrics(), web_port=mediation.port)


def wire(host: Host, settings: Settings, mediation: MediationSettings) -> None:
    if not isinstance(host.metrics, Metrics):
        host.metrics = Metrics()
    Mediation(host, settings, mediation).register(mediation.sweep_seconds)


def decide_input(topic: str, record: dict, cause: str, terms: Terms, now) -> Callable[[dict | None], Step]:
    """The pure decision an input of ``topic`` asks for, over the case's state."""
    if topic == "case.events":
        return lambda s: case.on_case_event(s, record, terms, now)
    if topic == "mediation.outcomes":
        return lambda s: case.on_outcome(s, record, cause, terms, now)
    if topic == "mediation.assignments":
        return lambda s: case.on_assignment(s, record)
    if topic == "court.decisions":
        return lambda s: case.on_court_decision(s, record, cause, terms, now)
    if topic == "debtor.requests":
        return lambda s: offers.on_request(s, record, cause, terms, now)
    return lambda s: case.on_payment(s, record, cause, now)


class Mediation:
    """Per-case state in table ``cases`` changed by one agent per input topic and by the sweep; the
    desk (queue, day's loads, roster changes) in table ``desk``, changed on ``mediation.desk``'s one partition.
    The effective roster, indexed by region (bounded by the mediators), is kept beside the desk table."""

    def __init__(self, host: Host, settings: Settings, mediation: MediationSettings):
        self.host, self.metrics, self.clock = host, host.metrics, host.clock
        self.terms = Terms(settings.mediation_tier_days, settings.mediation_confirmation_days,
                           mediation.reminder_days, mediation.grace_days, mediation.confirmation_chase_days)
        self.base_roster = roster.load_roster(mediation.roster_path)
        self.cases = host.table("cases", use_partitioner=True)
        self.desk_table = host.table("desk", use_partitioner=True)
        self.case_lock, self.desk_lock = asyncio.Lock(), asyncio.Lock()
        self.desk_generation = host.generation()   # roster and loads read from the desk table: again after a rebalance
        self.roster: roster.Roster | None = None
        self.loads: dict[str, list] | None = None  # the table's load/<mediator_id> entries: one per mediator at most
        self.deadlines: Deadlines | None = None

    def register(self, sweep_seconds: float) -> None:
        for topic in INPUTS:
            self.host.agent(topic, self.on_input)
        self.host.agent("mediation.roster", self.on_roster)
        self.host.agent(DESK_TOPIC, self.on_desk, name="desk")
        self.deadlines = Deadlines(self.host, sweep_seconds=sweep_seconds, on_due=self.on_due,
                                   current_due=lambda case_id: case.next_due_ms(self.cases.get(case_id), self.terms))
        self.host.timer(sweep_seconds, self.drain_new_day)

    async def apply(self, input_name: str, case_id: str, partition: int, decide: Callable[[dict | None], Step]) -> None:
        async with self.case_lock:
            before = self.cases.get(case_id)
            old_due = case.next_due_ms(before, self.terms)
            step = decide(before)
            self.metrics.steps.labels(input_name, step.outcome).inc()
            await self.host.emit_all(step.emits)
            await send_internal(self.host, step.internal)
            if step.state is None:
                await self.deadlines.ensure(partition, case_id, old_due)
            else:
                await self.cases.put(case_id, step.state)
                await self.deadlines.changed(partition, case_id, old_due, case.next_due_ms(step.state, self.terms),
                                             case.backlog_stage(before), case.backlog_stage(step.state))
        if step.outcome == "duplicate":
            self.metrics.duplicates.labels(input_name).inc()
        if step.outcome == "not_ours":
            self.metrics.skipped.labels(input_name).inc()

    async def on_input(self, msg: Input) -> None:
        _, record = self.host.codec.decode(msg.value, expect=INPUTS[msg.topic])
        await self.apply(msg.topic, record["case_id"], msg.partition,
                         decide_input(msg.topic, record, msg.id, self.terms, self.clock.now()))

    # ---- the desk -------------------------------------------------------------------------------

    def current_roster(self) -> roster.Roster:
        """The effective roster, indexed; read from the table once per rebalance and after each change."""
        if self.roster is None:
            self.roster = roster.effective(self.base_roster, roster.stored(self.desk_table.get))
        return self.roster

    async def load_desk(self) -> queue.Desk:
        """The desk as its table holds it (moved to this layout first, once, if an older one kept it), with the
        day's counts of the roster's mediators at hand: a pick compares every mediator who may take the case."""
        if self.desk_generation.stale or self.loads is None:
            for key, value in (queue.migrate(self.desk_table) or {}).items():
                await self.desk_table.put(key, value)
            self.roster = None
            self.loads = {m: entry for m in self.current_roster() if (entry := self.desk_table.get(queue.load_key(m)))}
            if self.desk_generation.settled:   # read mid-recovery, the table may lack the roster's changes
                self.desk_generation.built()
        return queue.Desk(self.desk_table, self.loads)

    async def save_desk(self, change: desk.Change) -> None:
        """Publish the desk's events, then persist the change: the requests assigned, the queue's entries of
        the requests joining and leaving it, the day's loads."""
        table = self.desk_table
        await self.answer(change.emits)
        for key in change.assigned:
            await table.put("assigned:" + key, change.answers[key])
            self.metrics.assigned.labels(key.split(":")[1]).inc()
        writes = queue.plan(table, change)
        for key, value in writes.items():
            await table.put(key, value)
        self.loads.update((m, [change.day, count]) for m, count in change.loads.items())
        if queue.WAITING in writes:
            self.show_queue(writes[queue.WAITING] or {})

    async def answer(self, emits: list[Emit]) -> None:
        """The desk's events, via the case's own partition: its state learns of the session first."""
        for out in emits:
            await self.host.emit(Emit("mediation.assignments", out.key, out.schema, out.record))

    def show_queue(self, counts: dict[str, int]) -> None:
        for tier in queue.TIERS:
            self.metrics.queue.labels(tier).set(counts.get(tier, 0))

    async def on_desk(self, msg: Input) -> None:
        """A desk message as JSON (older records were faust records: the same fields beside ``__faust``)."""
        data = json.loads(msg.value)
        async with self.desk_lock:
            state = await self.load_desk()
            if data["op"] == "CANCEL":
                await self.save_desk(desk.cancel(state, data["case_id"]))
            elif answered := self.desk_table.get("assigned:" + desk.request_key(data["request"])):
                self.metrics.duplicates.labels(DESK_TOPIC).inc()   # answered again (``desk.answer_again``)
                await self.answer(desk.answer_again(data["request"], answered))
            else:
                request = {**data["request"], "arrival": msg.offset}   # its place among requests asked at one instant
                await self.save_desk(desk.enqueue(state, request, self.current_roster(), self.clock.now()))

    async def on_roster(self, msg: Input) -> None:
        _, update = self.host.codec.decode(msg.value, expect="RosterUpdate")
        entry = roster.check(update)
        async with self.desk_lock:
            state = await self.load_desk()
            for key, value in roster.store(self.desk_table.get, entry).items():
                await self.desk_table.put(key, value)
            self.current_roster().put(entry)
            await self.save_desk(desk.drain(state, self.current_roster(), self.clock.now(), freed=entry))

    # ---- the clock ------------------------------------------------------------------------------

    async def on_due(self, partition: int, case_id: str, now) -> None:
        """A case's deadline came (``Deadlines``): a tier's deadline, an instalment reminded or missed."""
        await self.apply("clock", case_id, partition, lambda s: case.sweep(s, self.terms, now) if s else Step(None))

    async def drain_new_day(self) -> None:
        """A new session day (the next working day, ``desk.session_day``) frees every mediator's capacity: serve
        the queue. Only on the instance that holds the desk, and not while its table recovers: a timer runs on
        every instance and during recovery, and a desk read from a table half restored (the base roster without
        its changes, say) would assign from it, and keep that roster until the next rebalance."""
        if not self.desk_generation.settled:
            return
        if DESK_PARTITION not in self.host.assigned(DESK_TOPIC):
            self.show_queue({})   # the queue is the holder's to show: none here, whatever this instance once held
            return
        now = self.clock.now()
        async with self.host.batch(), self.desk_lock:
            state = await self.load_desk()
            if any(state.counts.values()) and state.day != desk.session_day(now):
                await self.save_desk(desk.drain(state, self.current_roster(), now))
                state = queue.Desk(self.desk_table)
            self.show_queue(state.counts)
