"""One run of a chaos comparison: a platform (``ChaosStack``), the batch published in waves, the clock
moved a step at a time, the world answering, the killer (in the chaos run) at work; then what the run
ended with, as ``chaos_compare.Outcome``.

A step: the clock moves (``step_days`` simulated days; time stands still in between); the stack settles
(deadline sweeps, wake-ups and everything they cause); the world reads the new case events and sends
what it has due by then, in a fixed order; the stack settles again; and so on until the world has
nothing more due at that instant. On its first step the simulated judicial authorities staff
mediation for the whole batch (every case assigned on the day it asks, whatever order the requests
come in), then the first wave is published.
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from pathlib import Path
from typing import Callable

from remedy.contract.codec import Codec
from bench.chaos_compare import Outcome, deliveries, exactly_once, final_stages, first_seen
from bench.chaos_kills import Kill, Killer, Schedule
from bench.chaos_stack import ChaosStack
from bench.chaos_store import read as read_clickhouse
from bench.chaos_world import CaseWorld, publish
from sim.defaults import demo_batch
from sim.staffing import roster_updates

EPOCH = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)   # 20:00 in China: every step falls outside quiet hours


@dataclass(frozen=True)
class RunConfig:
    cases: int = 300
    lenders: int = 4
    seed: int = 7
    horizon_days: int = 40
    step_days: int = 2
    instances: int = 2
    epoch: datetime = EPOCH

    @property
    def steps(self) -> int:
        return max(1, self.horizon_days // self.step_days)


@dataclass
class RunResult:
    name: str
    startup: float = 0.0
    played: float = 0.0
    outcome: Outcome | None = None
    kills: list[Kill] = field(default_factory=list)
    restarts: list = field(default_factory=list)        # remedy.ops.supervisor.Restart
    counts: Counter = field(default_factory=Counter)    # what the run moved: events, notices, ...
    said: list[str] = field(default_factory=list)       # the supervisor's lines


def ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def play(name: str, data: Path, codec: Codec, cfg: RunConfig, calendar: Schedule, kill: bool,
         report: Callable[[str], None] = print) -> RunResult:
    result = RunResult(name)
    stack = ChaosStack(data, codec, cfg.instances)
    try:
        result.startup = stack.start(cfg.epoch)
        report(f"{name}: {len(stack.stack.procs)} processes up in {result.startup:.0f} s")
        started = time.monotonic()
        killer = Killer(stack, calendar.kills if kill else [])
        walk(stack, killer, cfg, calendar, report, name)
        result.played = time.monotonic() - started
        result.kills, result.restarts = killer.done, list(stack.stack.supervisor.restarts)
        delivered = channel_deliveries(stack)
        log = stack.log
    finally:
        result.said = stack.said
        stack.stop()
    result.outcome = outcome(log, delivered, read_clickhouse(f"chdb://{stack.data / 'clickhouse'}"))
    result.counts.update(cases=len(result.outcome.stages), events=len(log.events), notices=len(delivered),
                         dead=len(log.dead))
    return result


def walk(stack: ChaosStack, killer: Killer, cfg: RunConfig, calendar: Schedule, report, name: str) -> None:
    defaults, _ = demo_batch(cfg.cases, cfg.lenders, cfg.epoch, cfg.seed)
    waves = calendar.wave_slices(len(defaults))
    world = CaseWorld(cfg.seed)
    for update in roster_updates(defaults, cfg.epoch, clear_days=1, court_share=1.0):
        stack.publisher.send("mediation.roster", update["mediator_id"], "RosterUpdate", update)
    stack.publisher.flush()
    stack.settle()
    for step in range(calendar.steps):
        at = cfg.epoch + timedelta(days=step * cfg.step_days)
        stack.set_clock(at)
        killer.arm(step)
        if step in waves:
            feed(stack, defaults[waves[step]], calendar.wave_seconds(step))
        took = turn(stack, world, at, killer)
        if killer.finish_step():
            took += turn(stack, world, at, killer)
        report(f"{name}: day {step * cfg.step_days:3d}  {len(stack.log.events):7,} case events  "
               f"settled in {took:5.1f} s  kills {len(killer.done)}")


def turn(stack: ChaosStack, world: CaseWorld, at: datetime, killer: Killer) -> float:
    """Settle, let the world answer what it has due at ``at``, until it has nothing more; returns seconds."""
    took = stack.settle(hook=killer)
    while True:
        for ev in stack.log.take_fresh():
            world.observe(ev, at)
        actions = world.fire(at)
        if not actions:
            return took
        publish(stack.publisher, actions)
        took += stack.settle(hook=killer, first_look=0.3)


def feed(stack: ChaosStack, defaults: list[dict], seconds: float, every: float = 0.15) -> None:
    """Publish a wave over ``seconds`` from a thread (in the same order every run), a few defaults every
    ``every`` seconds: a worker then has records it has not committed yet (the commit interval is 0.2 s) all
    through the wave, and the killer, which waits for that, finds each service busy in its turn."""
    stack.feeding += 1
    size = max(1, math.ceil(len(defaults) * every / seconds))
    pause = seconds / max(1, math.ceil(len(defaults) / size))

    def send() -> None:
        try:
            for i in range(0, len(defaults), size):
                stack.publisher.publish_defaults(defaults[i:i + size])
                time.sleep(pause)
        finally:
            stack.feeding -= 1

    threading.Thread(target=send, name="wave", daemon=True).start()


def channel_deliveries(stack: ChaosStack, within: float = 15.0) -> list[str]:
    """The notice id of every delivery, once the notice log the harness reads names each of them (it may
    still be on its way when the run settles), or after ``within`` seconds: an id it never names is
    counted under kind ``?`` (``chaos_compare.deliveries``)."""
    deadline = time.monotonic() + within
    while True:
        delivered = delivered_ids(stack)
        named = {n["notice_id"] for n in stack.log.notices}
        if named.issuperset(delivered) or time.monotonic() > deadline:
            return delivered
        stack.log.read(timeout_ms=200)


def delivered_ids(stack: ChaosStack) -> list[str]:
    """Texts the SMS provider sent to a handset, e-mails the mail server stored, letters in any notify
    instance's letter box (one file per notice id and box)."""
    texts = [d["client_ref"] for d in list(stack.sms.delivered)]
    mails = [message_from_bytes(raw.split(b"\r\n\r\n", 1)[0])["X-Remedy-Notice"] for raw in list(stack.mail.handler.raw)]
    letters = [p.stem for p in [*stack.data.glob("letters/*.pdf"), *stack.data.glob("notify-*/letters/*.pdf")]]
    return texts + mails + letters


def outcome(log, delivered: list[str], ch: dict) -> Outcome:
    events = first_seen(log.events)
    per_kind, repeated = deliveries(delivered, log.notices)
    notice_keys = {(n["notice_id"], n["status"], n["rule"] or "", ms(n["at"])) for n in log.notices}
    rejection_keys = {(r["lender_id"], r["batch_id"], r["loan_id"], ms(r["rejected_at"])) for r in log.rejected}
    rows = {
        "case_events": exactly_once({e["event_id"] for e in events}, [r[0] for r in ch["case_events"]]),
        "notices": exactly_once(notice_keys, [(r[0], r[3], r[4], r[5]) for r in ch["notices"]]),
        "rejections": exactly_once(rejection_keys, [tuple(r) for r in ch["rejections"]]),
    }
    dead = Counter((d["service"], d["source_topic"], (d["key"] or b"").decode("utf-8", "replace"), d["error_type"])
                   for d in log.dead)
    return Outcome(stages=final_stages(events), notices=per_kind, repeated=repeated, rows=rows,
                   signatures=Counter((r[1], r[2], r[3]) for r in ch["case_events"]), dead=dead,
                   reinserted={t: ch["raw"][t] - len(ch[t]) for t in ("case_events", "notices", "rejections")})
