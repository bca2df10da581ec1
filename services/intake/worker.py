"""intake's wiring: loan.defaults → decide → case.events | loan.defaults.rejected | intake.dlq.

Two agents, both with concurrency 1 (they commit work that matters):
- ``intake`` keeps, per (lender, loan), the last content it decided on (table ``seen``), so a
  re-published default is a no-op and a changed one becomes ``CaseAmended``;
- ``tally`` counts outcomes per lender batch from the internal ``intake.tallies`` topic (keyed by
  batch, so each batch is counted in one place) and emits ``BatchReport`` on ``loan.batches``.
"""
from __future__ import annotations

import faust

from remedy.app import Emit, Runtime, create_app
from remedy.clock import Clock, clock_from_settings
from remedy.codec import Codec
from remedy.ids import message_id
from remedy.metrics import ServiceMetrics
from remedy.pii import ContactSealer, Pseudonymiser
from remedy.settings import Settings
from services.intake import batches
from services.intake.decide import Keys, Memory, decide

SERVICE = "intake"


class Tally(faust.Record, serializer="json"):
    lender_id: str
    batch_id: str
    declared: int
    loan_id: str
    member: str


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    metrics = ServiceMetrics(SERVICE)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    keys = Keys(Pseudonymiser(settings.pseudonym_key), ContactSealer(settings.pii_key))
    seen = app.Table("seen", default=None)
    members = app.Table("batch-members", default=None)
    batch_counts = app.Table("batches", default=None)
    tallies = app.topic("intake.tallies", key_type=str, value_type=Tally)

    async def handle_default(event: faust.EventT) -> None:
        msg = event.message
        _, default = codec.decode(msg.value, expect="LoanDefault")
        key = f"{default['lender_id']}:{default['loan_id']}"
        stored = seen.get(key)
        prior = Memory.from_json(stored) if stored else None
        decision = decide(prior, default, msg.value, message_id(msg.topic, msg.partition, msg.offset), clock.now(), keys)
        if decision.memory is None:
            metrics.duplicates.labels(msg.topic).inc()
            return
        await rt.emit_all(decision.emits)
        for reason in decision.reasons:
            metrics.rejected.labels(reason).inc()
        seen[key] = decision.memory.to_json()
        member = batches.member_value(decision.outcome != "rejected", decision.reasons)
        batch_key = f"{default['lender_id']}:{default['batch_id']}"
        await tallies.send(key=batch_key, value=Tally(default["lender_id"], default["batch_id"], default["batch_size"],
                                                       default["loan_id"], member))

    async def handle_tally(event: faust.EventT) -> None:
        t: Tally = event.value
        batch_key = f"{t.lender_id}:{t.batch_id}"
        member_key = f"{batch_key}:{t.loan_id}"
        updated = batches.count(batch_counts.get(batch_key), members.get(member_key), t.member, t.declared)
        if updated is None:
            return
        out = batches.report(updated, t.lender_id, t.batch_id, clock.now())
        if out is not None:
            await rt.emit(out)
            updated["reported"] = [updated["accepted"], updated["rejected"]]
        members[member_key] = t.member
        batch_counts[batch_key] = updated

    @app.agent(rt.topic("loan.defaults"), name="intake")
    async def intake_agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handle_default)

    @app.agent(tallies, name="tally")
    async def tally_agent(stream):
        async for event in stream.events():
            await rt.guarded(event, handle_tally)

    return app
