"""The whole funnel in one process, on the in-process bus (``remedy.runtime.memory``): every stage's
own wiring and decisions, no broker, no faust. A simulated month runs in well under a second, so
every lifecycle path can be driven to ``CaseClosed`` in a unit-speed test; what only a real broker
shows (rebalances, commits, recovery, Tansu) stays with the broker tests.

    funnel = MemoryFunnel(clock=FrozenClock(start))
    funnel.publish_default(default)
    await funnel.run_days(40, on_event=world.react)
"""
from __future__ import annotations

import importlib
from collections import defaultdict
from datetime import timedelta
from typing import Awaitable, Callable, Iterable

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.contract.signers import DevParties
from remedy.contract.signing import Signer
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import EnvSettings, Settings
from remedy.runtime.memory import MemoryBus, MemoryHost, MemoryRunner
from remedy.runtime.signed import party_keys

STAGES = ("intake", "triage", "mediation", "enforcement", "repair", "objections")
CASE_EVENTS = "case.events"

OnEvent = Callable[[dict], Awaitable[None] | None]


class MemoryFunnel:
    def __init__(self, clock: FrozenClock, *, services: Iterable[str] = STAGES, settings: Settings | None = None,
                 wiring: dict[str, Callable[[MemoryHost], None]] | None = None):
        """``wiring`` replaces a service's default ``wire`` (a test passing doubles, such as notify's channels)."""
        self.clock, self.settings = clock, settings or Settings.from_env({})
        self.codec = Codec(SCHEMAS_DIR)
        self.bus = MemoryBus()
        self.signer: Signer = DevParties(self.codec)  # the outside parties, each signing as itself (development keys)
        keys = party_keys(self.settings)
        hosts = []
        for name in services:
            host = MemoryHost(self.bus, name, self.codec, clock, keys=keys)
            wire = (wiring or {}).get(name) or default_wiring(name, self.settings)
            wire(host)
            hosts.append(host)
        self.runner = MemoryRunner(self.bus, hosts)
        self._seen = [0] * self.bus.partitions(CASE_EVENTS)
        self.by_case: dict[str, list[dict]] = defaultdict(list)

    # ---- the outside world writes -----------------------------------------------------------------

    def publish(self, topic: str, key: str, schema: str, record: dict) -> None:
        """A record as its party writes it: signed, on a signed topic."""
        raw_key, value = key.encode(), self.codec.encode(schema, record)
        self.bus.produce(topic, raw_key, value, headers=self.signer.sign(topic, raw_key, value, record))

    def publish_default(self, default: dict) -> None:
        self.publish("loan.defaults", f"{default['lender_id']}:{default['loan_id']}", "LoanDefault", default)

    # ---- time -------------------------------------------------------------------------------------

    async def settle(self) -> None:
        await self.runner.settle()

    async def run(self, duration: timedelta, *, step: timedelta = timedelta(hours=6),
                  on_event: OnEvent | None = None, until: Callable[[], bool] | None = None) -> None:
        """Advance the clock in ``step``s over ``duration``: at each step every timer fires, the funnel
        settles and ``on_event`` sees each new case event (the outside world reacting), until ``until()``."""
        end = self.clock.now() + duration
        await self._settle_and_react(on_event)
        while self.clock.now() < end and not (until and until()):
            self.clock.advance(seconds=step.total_seconds())
            await self.runner.tick()
            await self._settle_and_react(on_event)

    async def _settle_and_react(self, on_event: OnEvent | None) -> None:
        while True:
            await self.runner.settle()
            new = self.new_events()
            if not new:
                return
            for event in new:
                if on_event is not None:
                    result = on_event(event)
                    if result is not None:
                        await result

    # ---- what happened ------------------------------------------------------------------------------

    def new_events(self) -> list[dict]:
        """Case events not read yet, decoded, also kept per case in ``by_case``."""
        out = []
        for partition, log in enumerate(self.bus.logs[CASE_EVENTS]):
            for record in log[self._seen[partition]:]:
                event = self.codec.decode(record.value, expect="CaseEvent")[1]
                self.by_case[event["case_id"]].append(event)
                out.append(event)
            self._seen[partition] = len(log)
        return out

    def decoded(self, topic: str, schema: str) -> list[dict]:
        return [self.codec.decode(r.value, expect=schema)[1] for r in self.bus.records(topic)]

    def host(self, service: str) -> MemoryHost:
        return self.runner.host(service)


def own_settings(service: str) -> EnvSettings:
    """A service's own settings at their defaults (``services/<name>/settings.py``)."""
    module = importlib.import_module(f"services.{service}.settings")
    kind = next(v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, EnvSettings) and v is not EnvSettings and v.__module__ == module.__name__)
    return kind.from_env({})


def default_wiring(service: str, settings: Settings) -> Callable[[MemoryHost], None]:
    worker = importlib.import_module(f"services.{service}.worker")
    return lambda host: worker.wire(host, settings, own_settings(service))
