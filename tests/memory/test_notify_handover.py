"""notify's partitions moving between instances, on the in-memory runtime (``services/notify/handover.py``): a
notice an instance was sending when it died is sent by the next one at once, even on a stopped clock; a notice
still being sent when its partition is taken away is not sent a second time by the new owner."""
from __future__ import annotations

import asyncio
from collections import Counter

from remedy.contract.codec import Codec
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import own_settings
from remedy.runtime.memory import MemoryBus, MemoryHost, MemoryRunner
from remedy.contract.paths import SCHEMAS_DIR
from services.notify.channels import Result
from services.notify.worker import wire
from tests.memory.notify_setup import DEBTORS, sent_log, setting_up


class Channel:
    """Every attempt counted by notice id; ``gate``, when given, holds each send until it is set."""

    def __init__(self, name: str, attempts: Counter, gate: asyncio.Event | None = None):
        self.name, self.attempts, self.gate, self.entered = name, attempts, gate, 0

    async def send(self, out) -> Result:
        self.entered += 1
        if self.gate is not None:
            await self.gate.wait()
        self.attempts[out.key] += 1
        return Result("SENT")


class Instance:
    """One notify process on the shared bus; ``after`` is the instance whose tables and positions it takes on."""

    def __init__(self, bus: MemoryBus, clock: FrozenClock, settings: Settings, attempts: Counter,
                 gate: asyncio.Event | None = None, after: "Instance | None" = None):
        self.host = MemoryHost(bus, "notify", Codec(SCHEMAS_DIR), clock)
        if after is not None:
            self.host.tables = after.host.tables   # the tables as the changelogs restore them
        self.channels = {n: Channel(n, attempts, gate) for n in ("EMAIL", "SMS", "LETTER")}
        wire(self.host, settings, own_settings("notify"), self.channels)
        if after is not None:
            for mine, theirs in zip(self.host.agents, after.host.agents):
                mine.positions = list(theirs.committed)

    async def round(self) -> None:
        """Read what waits, then run the waker once, without waiting for the background sends."""
        await self.host.poll()
        for wake in self.host.wakers:
            await wake()

    def metric(self, name: str) -> float:
        return sum(s.value for m in self.host.metrics.registry.collect() for s in m.samples if s.name == name)


async def test_a_notice_an_instance_died_sending_is_sent_by_the_next_one_on_a_stopped_clock(tmp_path):
    bus, clock, settings = setting_up(tmp_path)
    attempts = Counter()
    first = Instance(bus, clock, settings, attempts)
    started = []
    first.host.spawn = started.append   # killed before any send it started reached a channel
    for _ in range(3):
        await first.round()
    assert len(started) == 2 * DEBTORS and not attempts

    try:
        second = Instance(bus, clock, settings, attempts, after=first)
        await MemoryRunner(bus, [second.host]).settle()
    finally:
        for send in started:
            send.close()

    assert len(attempts) == 2 * DEBTORS and set(attempts.values()) == {1}, "a notice was lost or sent twice"
    assert sent_log(bus) == Counter(attempts)
    assert second.metric("remedy_notify_resumed_total") == 2 * DEBTORS


async def test_a_notice_being_sent_when_its_partition_moves_is_not_sent_again_by_the_new_owner(tmp_path):
    bus, clock, settings = setting_up(tmp_path)
    attempts, gate = Counter(), asyncio.Event()
    first = Instance(bus, clock, settings, attempts, gate=gate)
    for _ in range(3):
        await first.round()
    for _ in range(300):   # the demand letters are printed first, in notify's printing process
        if sum(c.entered for c in first.channels.values()) == 2 * DEBTORS:
            break
        await asyncio.sleep(0.05)
    assert sum(c.entered for c in first.channels.values()) == 2 * DEBTORS, "every send under way at the channel"

    giving_up = asyncio.ensure_future(first.host.revoke())
    await asyncio.sleep(0.05)
    assert not giving_up.done(), "the partitions were given up while sends were under way"
    gate.set()
    await asyncio.wait_for(giving_up, 5)

    second = Instance(bus, clock, settings, attempts, after=first)
    for agent in second.host.agents:   # nothing was committed: the new owner reads every intent again
        if agent.topic == "notify.intents":
            agent.positions = [0] * len(agent.positions)
    await MemoryRunner(bus, [second.host]).settle()

    assert len(attempts) == 2 * DEBTORS and set(attempts.values()) == {1}, f"sent twice: {attempts}"
    assert sent_log(bus) == Counter(attempts)
    assert second.metric("remedy_notify_resumed_total") == 0
