"""The new day's drain of the mediation desk runs only where the desk is held, and not while its table recovers.

Every mediation instance runs the drain's timer, and timers run during recovery. An instance that read the desk
from a table half restored (the base roster without the roster's changes) assigned from it, and kept that
roster until the next rebalance: the chaos harness saw the base roster's mediators take every case of a day and
court-mediation cases wait a day for a mediator."""
from __future__ import annotations

from datetime import timedelta

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import own_settings
from remedy.runtime.memory import MemoryBus, MemoryHost
from services.mediation import desk, queue
from services.mediation.worker import Mediation, Metrics

MONDAY_10_IN_CHINA = "2026-12-07T02:00:00+00:00"


class Recovering:
    """The desk's generation while partitions move or tables recover."""
    settled, stale = False, True

    def built(self) -> None:
        raise AssertionError("nothing may be built from a table that is still recovering")


def waiting_request(now) -> dict:
    return {"case_id": "C-WAITS", "lender_id": "L1", "tier": "PEOPLES", "attempt": 1, "region": "350502",
            "cross_region": False, "centre": "MC-350502", "court": "CT-350502", "score": 500,
            "requested_ms": int(now.timestamp() * 1000), "causation_id": "E-triaged", "arrival": 0}


def queue_length(mediation: Mediation) -> float:
    return sum(s.value for m in mediation.metrics.queue.collect() for s in m.samples)


async def test_the_drain_waits_for_the_desk_to_be_restored_and_runs_only_where_the_desk_is_held():
    clock = FrozenClock(parse_instant(MONDAY_10_IN_CHINA))
    host = MemoryHost(MemoryBus(), "mediation", Codec(SCHEMAS_DIR), clock, metrics=Metrics())
    mediation = Mediation(host, Settings.from_env({}), own_settings("mediation"))
    mediation.register(60)
    req = waiting_request(clock.now())
    yesterday = desk.Change(desk.session_day(clock.now()), joined={desk.request_key(req): req})
    for key, value in queue.plan(mediation.desk_table, yesterday).items():   # waiting since the day before
        await mediation.desk_table.put(key, value)
    clock.advance(seconds=timedelta(days=1).total_seconds())                 # a new session day

    def assignments() -> list:
        return [r for p in host.bus.logs["mediation.assignments"] for r in p]

    held, restored = host.assigned, mediation.desk_generation
    mediation.desk_generation = Recovering()
    await mediation.drain_new_day()
    assert assignments() == [] and mediation.roster is None, "nothing read while the table recovers"

    mediation.desk_generation, host.assigned = restored, lambda topic: set()
    mediation.show_queue({"PEOPLES": 1})   # as shown while this instance held the desk
    await mediation.drain_new_day()
    assert assignments() == [], "an instance that does not hold mediation.desk leaves it alone"
    assert queue_length(mediation) == 0, "and shows no queue of its own"

    host.assigned = held
    await mediation.drain_new_day()
    assert len(assignments()) == 2, "the holder assigns the request that waited: MediatorAssigned, SessionScheduled"
