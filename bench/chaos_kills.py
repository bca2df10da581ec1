"""When and whom a chaos run kills: the schedule (from the seed alone, so the control run follows the
same calendar of steps and publishing waves) and the killer that carries it out.

Every service is killed ``kills`` times, in rounds: each round kills one instance of every service, the
instances drawn from the seed; every other round, mediation's kill falls on the instance holding the
desk (``mediation.desk``, one partition), whose tables then move to the other. The kills fall on a few
steps of the run (``kill_steps``): a kill costs the time its group needs to notice a dead member (its
10 s session) and to rebalance, so kills on one step overlap their recoveries. The batch is published
in waves, half of it on the first step and the rest on the steps with kills, each wave spread over a
few seconds (``wave_seconds``), so every kill falls while work flows.

On its step the kills go one after another, downstream services first (``PIPELINE``: a dead intake
would starve the services after it of work, and it is killed last, mid-wave): each waits until its
service has records it has not committed yet (the gateway, which keeps no group, does not wait), then a
seeded delay, then SIGKILL to the instance's process group; the next kill comes ``GAP`` later.
Analytics is killed when its sink has just handed its buffer to the writer: mid-insert, or between the
insert and its commit. A kill whose service has nothing in flight for ``IDLE_AFTER`` seconds is done
anyway, and counted as idle.
"""
from __future__ import annotations

import json
import random
import time
import urllib.request
from dataclasses import dataclass, field

from remedy.ops.stack import SERVICES

WAVE_SECONDS = 4.0        # a wave lasts at least this long ...
WAVE_PER_KILL = 1.5       # ... and this long per kill on its step, so that intake, killed last, dies mid-wave
IDLE_AFTER = 4.0
SERIAL = {"mediation": "mediation.desk"}   # a service's topic of one partition: its holder moves in a kill
PIPELINE = ("analytics", "gateway", "webhooks", "notify", "repair", "objections", "enforcement", "mediation", "triage", "intake")
GAP = (0.3, 1.0)          # seconds between two kills of one step (seeded)
DELAY = (0.0, 0.4)        # seconds from "busy" to the kill (seeded)


@dataclass
class Kill:
    service: str
    victim: str                 # instance name: triage-2, intake-1, analytics
    step: int
    delay: float
    gap: float
    serial: bool = False        # kill the instance holding the service's one-partition topic (mediation's desk)
    busy: bool | None = None    # None until done; then whether its service had work in flight
    at: float = 0.0             # monotonic time of the kill


@dataclass
class Schedule:
    """The calendar of a run: ``steps`` clock steps, the publishing waves (step → share of the batch) and
    the kills (empty for the control run's own use; the calendar is the same)."""
    steps: int
    waves: list[int]
    kills: list[Kill] = field(default_factory=list)

    def wave_seconds(self, step: int) -> float:
        return max(WAVE_SECONDS, WAVE_PER_KILL * sum(1 for k in self.kills if k.step == step))

    def wave_slices(self, n: int) -> dict[int, slice]:
        """Step → the slice of an ``n``-default batch published on it: half on the first step (those cases
        have the whole run to go through the funnel), the rest in equal waves on the steps with kills."""
        later = len(self.waves) - 1
        first = n if not later else (n + 1) // 2
        bounds = [0] + [first + round(i * (n - first) / max(1, later)) for i in range(later + 1)]
        return {step: slice(bounds[i], bounds[i + 1]) for i, step in enumerate(self.waves)}


def schedule(seed: int, steps: int, kills: int, kill_steps: int, instances: dict[str, list[str]]) -> Schedule:
    """``kills`` rounds over every service in ``instances`` (service → its instance names), on
    ``kill_steps`` distinct steps drawn from the first three quarters of the run."""
    rng = random.Random(f"chaos/{seed}")
    if kills <= 0:
        return Schedule(steps, [0])
    pool = range(0, max(1, (steps * 3) // 4))
    chosen = sorted(rng.sample(list(pool), min(len(pool), max(1, kill_steps))))
    order = [service for _ in range(kills) for service in rng.sample(sorted(instances), len(instances))]
    planned = []
    for i, service in enumerate(order):
        step = chosen[i * len(chosen) // len(order)]
        serial = service in SERIAL and (i // len(instances)) % 2 == 0       # every other round
        planned.append(Kill(service, rng.choice(instances[service]), step, rng.uniform(*DELAY), rng.uniform(*GAP),
                            serial))
    rank = {service: n for n, service in enumerate(PIPELINE)}
    planned.sort(key=lambda k: (k.step, rank.get(k.service, -1)))     # stable: rounds keep their order
    return Schedule(steps, sorted({0} | set(chosen)), planned)


def default_instances(instances: int = 2) -> dict[str, list[str]]:
    from bench.chaos_stack import STATEFUL

    return {s: ([f"{s}-{n}" for n in range(1, instances + 1)] if s in STATEFUL else
                [s if s in ("analytics", "gateway") else f"{s}-1"]) for s in SERVICES}


class Killer:
    """Carries out one step's kills while the stack settles (``ChaosStack.settle(hook=killer)``)."""

    def __init__(self, stack, kills: list[Kill]):
        self.stack, self.pending, self.done = stack, list(kills), []
        self.step = -1
        self._next_at = self._idle_at = 0.0

    def arm(self, step: int) -> None:
        self.step = step
        self._next_at = time.monotonic()
        self._idle_at = self._next_at + IDLE_AFTER

    def due(self) -> list[Kill]:
        return [k for k in self.pending if k.step <= self.step]

    def _busy(self, kill: Kill) -> bool:
        if kill.service == "gateway":
            return True
        return self.stack.in_flight(kill.service) > 0

    def __call__(self) -> None:
        due = self.due()
        if not due or time.monotonic() < self._next_at:
            return
        kill = due[0]
        if self._busy(kill):
            if kill.service == "analytics":
                self._until_writing(self.stack.proc(kill.victim).port)
            else:
                time.sleep(kill.delay)
            self._kill(kill, busy=True)
        elif time.monotonic() >= self._idle_at:
            self._kill(kill, busy=False)

    @staticmethod
    def _until_writing(port: int, within: float = 2.0) -> None:
        """Until the sink hands its buffered rows to the writer (its buffer empties while rows wait to be
        committed): the kill then lands during the insert or between the insert and its commit."""
        deadline, had = time.monotonic() + within, False
        while time.monotonic() < deadline:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode()
            except OSError:
                return
            rows = next((float(line.split()[-1]) for line in body.splitlines()
                         if line.startswith("remedy_analytics_buffered_rows ")), 0.0)
            if had and rows == 0:
                return
            had = had or rows > 0
            time.sleep(0.01)

    def finish_step(self) -> int:
        """Kill, idle, what the step's processing ended before (the platform settled); returns how many."""
        late = self.due()
        for kill in late:
            time.sleep(max(0.0, self._next_at - time.monotonic()))
            self._kill(kill, busy=False)
        return len(late)

    def _holder(self, kill: Kill) -> str:
        """The instance whose ``/records-waiting`` names the service's one-partition topic (else the planned one)."""
        for proc in self.stack.stack.procs:
            if proc.service == kill.service and proc.proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/records-waiting", timeout=2) as resp:
                        if SERIAL[kill.service] in json.loads(resp.read()):
                            return proc.name
                except (OSError, ValueError):
                    continue
        return kill.victim

    def _kill(self, kill: Kill, busy: bool) -> None:
        if kill.serial:
            kill.victim = self._holder(kill)
        proc = self.stack.proc(kill.victim)
        self.stack.kills_pending += 1
        proc.kill()
        kill.busy, kill.at = busy, time.monotonic()
        self.pending.remove(kill)
        self.done.append(kill)
        self._next_at = kill.at + kill.gap
        self._idle_at = self._next_at + IDLE_AFTER
        self._wait_noticed(kill)

    def _wait_noticed(self, kill: Kill, timeout: float = 5.0) -> None:
        """Until the supervisor has seen the death (then ``settling`` holds quiescence off)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.name == kill.victim and r.died_at >= kill.at - 1.0 for r in self.stack.stack.supervisor.restarts):
                break
            time.sleep(0.02)
        self.stack.kills_pending -= 1
