"""intake's wiring: loan.defaults → decide → case.events | loan.defaults.rejected | intake.dlq.

- agent ``intake`` (concurrency 1) keeps, per (lender, loan), what it last decided (table ``seen``),
  so a re-published default is a no-op and a changed one becomes ``CaseAmended``;
- timer ``send_tallies`` (1 s) sends each changed per-partition batch count to ``intake.tallies``;
- agent ``tally`` sums them per batch and emits ``BatchReport`` on ``loan.batches``
  (see ``batches.py`` for why counts travel as absolute per-partition tallies).
"""
from __future__ import annotations

import json

import faust

from remedy.runtime.app import Runtime, create_app
from remedy.kernel.clock import Clock, clock_from_settings
from remedy.contract.codec import Codec
from remedy.runtime.generation import IndexGeneration
from remedy.kernel.ids import message_id
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import Settings
from remedy.runtime import tables
from services.intake import batches
from services.intake.decide import Keys, Memory, decide

SERVICE = "intake"
SOURCE = "loan.defaults"


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    metrics = ServiceMetrics(SERVICE)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    keys = Keys(Pseudonymiser(settings.pseudonym_key), ContactSealer(settings.pii_key))
    seen = app.Table("seen", default=None)
    batch_table = app.Table("batches", default=None)
    tallies = rt.topic("intake.tallies")  # raw bytes of JSON, decoded in the handler so bad bytes are dead-lettered
    index = batches.BatchIndex()
    indexed = IndexGeneration(app)

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
        if decision.memory is prior:
            return
        member = batches.Membership(default["lender_id"], default["batch_id"], default["batch_size"], msg.partition,
                                    msg.offset, batches.member_value(decision.memory.accepted, decision.reasons))
        await tables.put(rt, seen, key, {**decision.memory.to_json(), "m": member.__dict__})
        index.apply(member, batches.Membership(**stored["m"]) if stored else None)

    async def handle_tally(event: faust.EventT) -> None:
        tally = json.loads(event.message.value)
        batch_key = f"{tally['lender_id']}:{tally['batch_id']}"
        updated = batches.merge_tally(batch_table.get(batch_key), tally)
        if updated is None:
            return
        out = batches.report(updated, tally["lender_id"], tally["batch_id"], clock.now())
        if out is not None:
            await rt.emit(out)
            updated["reported"] = [out.record["accepted"], out.record["rejected"]]
        await tables.put(rt, batch_table, batch_key, updated)

    rt.agent(rt.topic(SOURCE), handle_default, name="intake")
    rt.agent(tallies, handle_tally, name="tally")

    @app.timer(1.0)
    async def send_tallies():
        if not indexed.settled:
            return
        owned = {tp.partition for tp in app.consumer.assignment() if tp.topic == SOURCE}
        if indexed.stale:
            index.rebuild([batches.Membership(**v["m"]) for v in seen.values() if v and "m" in v and v["m"]["partition"] in owned])
            indexed.built()
        async with rt.batch():
            for tally in index.take_dirty(owned):
                await rt.send_to(tallies, f"{tally['lender_id']}:{tally['batch_id']}".encode(), json.dumps(tally).encode())

    return app
