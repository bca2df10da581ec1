"""intake's wiring: loan.defaults → decide → case.events | loan.defaults.rejected | intake.dlq.

Bytes that are no LoanDefault still get an answer on ``loan.defaults.rejected`` (``UNDECODABLE``, by the
key and the position, never the bytes) before they are dead-lettered on ``intake.dlq`` (without the bytes).

- agent ``intake`` (concurrency 1) keeps, per (lender, loan), what it last decided (table ``seen``),
  so a re-published default is a no-op and a changed one becomes ``CaseAmended``;
- timer ``send_tallies`` (1 s) sends each changed per-partition batch count to ``intake.tallies``;
- agent ``tally`` sums them per batch and emits ``BatchReport`` on ``loan.batches``
  (see ``batches.py`` for why counts travel as absolute per-partition tallies).
"""
from __future__ import annotations

import json

import faust

from remedy.contract.codec import CodecError
from remedy.kernel.clock import Clock
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host, Input
from remedy.runtime.faust_host import build_app
from services.intake import batches
from services.intake.decide import Keys, Memory, decide, rejection_reasons
from services.intake.rejection import UNDECODABLE, undecodable
from services.intake.settings import IntakeSettings

SERVICE = "intake"
SOURCE = "loan.defaults"
TALLIES = "intake.tallies"   # raw bytes of JSON, decoded in the handler so bad bytes are dead-lettered


def build(settings: Settings, intake: IntakeSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, intake), clock=clock, web_port=intake.port)


def wire(host: Host, settings: Settings, intake: IntakeSettings) -> None:
    codec, metrics, clock = host.codec, host.metrics, host.clock
    keys = Keys(Pseudonymiser(settings.pseudonym_key), ContactSealer(settings.pii_key), settings.case_id_key)
    seen = host.table("seen")
    batch_table = host.table("batches")
    index = batches.BatchIndex()
    indexed = host.generation()

    async def handle_default(msg: Input) -> None:
        try:
            _, default = codec.decode(msg.value, expect="LoanDefault")
        except CodecError:
            await host.emit(undecodable(msg.key, (msg.partition, msg.offset), clock.now()))
            metrics.rejected.labels(UNDECODABLE).inc()
            raise   # and a dead letter for operators
        key = f"{default['lender_id']}:{default['loan_id']}"
        stored = seen.get(key)
        prior = Memory.from_json(stored) if stored else None
        decision = decide(prior, default, (msg.partition, msg.offset), msg.id, clock.now(), keys)
        if decision.state is None:
            metrics.duplicates.labels(msg.topic).inc()
            return
        await host.emit_all(decision.emits)
        reasons = rejection_reasons(decision)
        for reason in reasons:
            metrics.rejected.labels(reason).inc()
        if decision.state is prior:
            return
        member = batches.Membership(default["lender_id"], default["batch_id"], default["batch_size"], msg.partition,
                                    msg.offset, batches.member_value(decision.state.accepted, reasons))
        await seen.put(key, {**decision.state.to_json(), "m": member.__dict__})
        index.apply(member, batches.Membership(**stored["m"]) if stored else None)

    async def handle_tally(msg: Input) -> None:
        tally = json.loads(msg.value)
        batch_key = f"{tally['lender_id']}:{tally['batch_id']}"
        updated = batches.merge_tally(batch_table.get(batch_key), tally)
        if updated is None:
            return
        out = batches.report(updated, tally["lender_id"], tally["batch_id"], clock.now())
        if out is not None:
            await host.emit(out)
            updated["reported"] = [out.record["accepted"], out.record["rejected"]]
        await batch_table.put(batch_key, updated)

    async def send_tallies() -> None:
        if not indexed.settled:
            return
        owned = host.assigned(SOURCE)
        if indexed.stale:
            index.rebuild([batches.Membership(**v["m"]) for _, v in seen.items() if v and "m" in v
                           and v["m"]["partition"] in owned])
            indexed.built()
        async with host.batch():
            for tally in index.take_dirty(owned):
                await host.send(TALLIES, f"{tally['lender_id']}:{tally['batch_id']}", json.dumps(tally).encode())

    host.agent(SOURCE, handle_default, name="intake")
    host.agent(TALLIES, handle_tally, name="tally")
    host.timer(1.0, send_tallies)
