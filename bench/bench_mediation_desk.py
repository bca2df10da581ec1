"""The mediation desk's ceiling: it runs serially, on mediation.desk's one partition, so its rate is the most
cases per hour mediation can give mediators, however many instances run.

What one case sends the desk, at most (services/mediation/tiers.py, case.py): a request for a people's mediator,
its cancel when that tier fails, a request for a court mediator, its cancel when that tier fails too, and a cancel
when the case closes: 5 messages. Cases/hour = desk messages/hour / 5. The bench's cases do all of that: case i
asks for a people's mediator; LAG cases later its people's tier fails (cancel, court request); LAG cases after
that its court tier fails and it closes.

Measured, the same messages in the same order, for two rosters: the one mediation ships with (5 mediators,
nearly every request waits) and the one the simulator's staffing rule (sim/staffing.py) designates for the
bench's cases, spread over 3,100 regions (310 prefixes, regional people's mediators, national court ones:
about a fifth of the requests is assigned on the day, the rest waits):

- the decision alone: per message what the worker does (the desk read through services/mediation/queue.py,
  desk.enqueue or desk.cancel, the table writes planned) over a dict, without faust, Kafka or the codec;
- the mediation worker (RocksDB tables) on a fresh Tansu, the messages published on mediation.desk before it
  starts, so it consumes at full speed: the rate from its consumed counter, its CPU per message from /proc,
  and its assignments beside the decision's (the same decisions: a frozen clock, the same roster); and the
  rate a whole core would give it (1 / its CPU a message): on a shared machine the measured rate is what the
  neighbours leave, so the load average is printed too;
- the next day's drain (decision alone) of the queue the people's requests leave: its time and the table entries it
  reads (the lanes' heads and what it assigns, not the queue).
- a batch asked at one instant (the clock held while it is handled: every request with the same ``requested_ms``,
  reaching the desk in no order of its keys), at a quarter of the cases and at all of them (decision alone): the
  desk's table writes a request, which must not grow with the queue.

The decision alone is the worker's baseline, in the same run; the target is 1,000,000 cases/hour.

    python -m bench.bench_mediation_desk [CASES]        (default 20,000 cases: 100,000 desk messages)
"""
from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from bench.bench_intake import cpu_seconds
from bench.harness import broker_with_defaults, worker_env
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port
from remedy.runtime.publish import Publisher
from services.mediation import desk, queue, roster
from services.mediation.settings import MediationSettings
from sim.defaults import utc
from sim.staffing import roster_updates

CASES, LAG, PER_CASE = 20_000, 1_000, 5
TARGET = 1_000_000          # cases per hour
NOW = utc(2026, 12, 1, 2)   # 10:00 in China
PROVINCES = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
             61, 62, 63, 64, 65)
REGIONS = [f"{p}{c:02d}{d:02d}" for p in PROVINCES for c in range(1, 11) for d in range(1, 11)]


def request(i: int, cid: str, tier: str, attempt: int, region: str, score: int, requested_ms: int) -> dict:
    """Case ``i``'s desk message asking for a mediator of ``tier``."""
    return {"op": "REQUEST", "case_id": cid, "request": {
        "case_id": cid, "lender_id": f"L{i % 12:02d}", "tier": tier, "attempt": attempt, "region": region,
        "cross_region": False, "centre": f"MC-{region}", "court": f"CT-{region}", "score": score,
        "requested_ms": requested_ms, "causation_id": f"E{i:08d}{attempt}"}}


def messages(cases: int, seed: int = 18) -> list[dict]:
    """The desk messages of ``cases`` cases, in the order the desk gets them."""
    rng, now_ms = random.Random(seed), int(NOW.timestamp() * 1000)
    regions = [rng.choice(REGIONS) for _ in range(cases)]
    scores = [rng.randrange(1001) for _ in range(cases)]

    def asking(i: int, tier: str, attempt: int) -> dict:
        return request(i, f"C{i:08d}", tier, attempt, regions[i], scores[i], now_ms + i)

    out = []
    for i in range(cases + 2 * LAG):
        if i < cases:
            out.append(asking(i, "PEOPLES", 1))
        if 0 <= i - LAG < cases:
            out += [{"op": "CANCEL", "case_id": f"C{i - LAG:08d}", "request": None}, asking(i - LAG, "COURT", 2)]
        if 0 <= i - 2 * LAG < cases:
            out += [{"op": "CANCEL", "case_id": f"C{i - 2 * LAG:08d}", "request": None}] * 2
    return out


def national_roster(cases: int, seed: int = 18) -> list[dict]:
    """The simulator's staffing rule for ``cases`` cases over REGIONS: regional people's, national court mediators."""
    rng = random.Random(seed)
    defaults = [{"agreed_jurisdiction": None, "debtor": {"region_code": rng.choice(REGIONS)}} for _ in range(cases)]
    return [{k: v for k, v in m.items() if k != "updated_at"} for m in roster_updates(defaults, NOW)]


class Counting(dict):
    reads = writes = 0

    def get(self, key, default=None):
        self.reads += 1
        return super().get(key, default)

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)

    def pop(self, key, *default):
        self.writes += 1
        return super().pop(key, *default)


def write(table: dict, writes: dict) -> None:
    for key, value in writes.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value


def decide(msgs: list[dict], ros: roster.Roster) -> tuple[float, int, Counting]:
    """The worker's on_desk without I/O: (seconds, requests assigned, the desk table after)."""
    table, assigned, loads = Counting(), 0, {}
    started = time.process_time()
    for m in msgs:
        view = queue.Desk(table, loads)
        if m["op"] == "CANCEL":
            change = desk.cancel(view, m["case_id"])
        elif table.get("assigned:" + desk.request_key(m["request"])):
            continue
        else:
            change = desk.enqueue(view, m["request"], ros, NOW)
        for key in change.assigned:
            table["assigned:" + key] = True
        assigned += len(change.assigned)
        write(table, queue.plan(table, change))
        loads.update((mediator, [change.day, count]) for mediator, count in change.loads.items())
    return time.process_time() - started, assigned, table


def next_day_drain(msgs: list[dict], ros: roster.Roster) -> tuple[float, int, int, int, int]:
    """(seconds, requests waiting before, lanes, assigned, table entries read) for the next day's drain of the
    queue the people's requests alone leave (every case's first message, none cancelled)."""
    _, _, table = decide([m for m in msgs if m["op"] == "REQUEST" and m["request"]["attempt"] == 1], ros)
    view = queue.Desk(table)
    waiting, lanes = sum(view.counts.values()), len(view.lanes())
    table.reads = 0
    started = time.process_time()
    change = desk.drain(view, ros, NOW + timedelta(days=1))
    write(table, queue.plan(table, change))
    return time.process_time() - started, waiting, lanes, len(change.assigned), table.reads


def metric(port: int, name: str) -> float:
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name))


def worker(msgs: list[dict], roster_path: Path, tmp: Path, codec: Codec, timeout: float = 1200) -> tuple[float, float, int]:
    """(desk messages/s, worker CPU µs per message, requests assigned) of the mediation worker on a fresh Tansu."""
    with broker_with_defaults(codec, []) as (bootstrap, _):
        pub = Publisher(bootstrap, codec)
        for m in msgs:
            pub.send_raw("mediation.desk", b"desk", json.dumps(m).encode())
        pub.flush()
        pub.close()
        port, data = free_port(), tmp / f"mediation-{roster_path.stem}"
        env = worker_env(bootstrap, data, NOW, REMEDY_MEDIATION_PORT=str(port), REMEDY_MEDIATION_ROSTER_PATH=str(roster_path))
        proc = ServiceProcess("mediation", env, data / "logs").start()
        try:
            proc.wait_ready()
            desk_in = 'remedy_mediation_consumed_total{topic="mediation.desk"}'
            readings, deadline = [], time.monotonic() + timeout
            while (not readings or readings[-1][1] < len(msgs)) and time.monotonic() < deadline:
                n = metric(port, desk_in)
                if n:
                    readings.append((time.monotonic(), n, cpu_seconds(proc.proc.pid)))
                time.sleep(0.1)
            if not readings or readings[-1][1] < len(msgs):
                raise RuntimeError(f"the worker took {readings[-1][1] if readings else 0:.0f} of {len(msgs)} messages")
            (t0, n0, c0), (t1, n1, c1) = readings[0], readings[-1]
            return (n1 - n0) / (t1 - t0), 1e6 * (c1 - c0) / (n1 - n0), int(metric(port, "remedy_mediation_assigned_total{"))
        finally:
            proc.stop()


def per_hour(rate: float) -> str:
    return f"{rate * 3600 / PER_CASE:>11,.0f} cases/hour"


def held_clock(cases: int, ros: roster.Roster, seed: int = 18) -> tuple[float, float]:
    """(table writes a request, seconds) for ``cases`` people's requests asked at one instant (a batch handled
    while the clock stands still), with the scorecard's few scores, in 12 regions, reaching the desk in no order
    of their case ids: the desk's writes stay a few a request whatever the queue's length."""
    rng, now_ms = random.Random(seed), int(NOW.timestamp() * 1000)
    msgs = [request(i, f"C{rng.getrandbits(48):012x}", "PEOPLES", 1, f"3505{i % 12:02d}", 300 + 25 * rng.randrange(20),
                    now_ms) for i in range(cases)]
    for arrival, m in enumerate(msgs):
        m["request"]["arrival"] = arrival   # as the worker sets it: the desk message's offset
    seconds, _, table = decide(msgs, ros)
    return table.writes / cases, seconds


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else CASES
    msgs, codec = messages(cases), Codec(REPO_ROOT / "schemas")
    base = roster.load_roster(MediationSettings().roster_path)
    national = national_roster(cases)
    print(f"mediation desk: {cases:,} cases, {len(msgs):,} desk messages ({PER_CASE} a case), serial on one partition; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for label, mediators in (("shipped roster", list(base.values())), ("national roster", national)):
            ros = roster.effective({m["mediator_id"]: roster.check(m) for m in mediators}, None)
            path = Path(tmp) / f"{label.split()[0]}.json"
            path.write_text(json.dumps({"mediators": mediators}))
            seconds, assigned, _ = decide(msgs, ros)
            drain_s, waiting, lanes, drained, reads = next_day_drain(msgs, ros)
            rate, cpu_us, worker_assigned = worker(msgs, path, Path(tmp), codec)
            pure = len(msgs) / seconds
            capacity = sum(m["daily_capacity"] for m in ros.values() if m["active"])
            print(f"mediation desk: {label} ({len(ros):,} mediators, {capacity:,} cases a day; {assigned:,} requests "
                  f"assigned on the day)")
            print(f"  decision alone   {pure:9,.0f} messages/s  {per_hour(pure)}  ({1e6 / pure:5.0f} us a message)")
            print(f"  mediation worker {rate:9,.0f} messages/s  {per_hour(rate)}  ({cpu_us:5.0f} us CPU a message; "
                  f"{rate / pure:.0%} of the decision alone; {worker_assigned:,} assigned)"
                  + ("" if worker_assigned == assigned else "  ASSIGNMENTS DIFFER from the decision alone"))
            core = 1e6 / cpu_us
            print(f"  one core's worth {core:9,.0f} messages/s  {per_hour(core)}  (the worker's CPU a message, a whole core)")
            verdict = "met" if rate * 3600 / PER_CASE >= TARGET else f"NOT met ({rate * 3600 / PER_CASE / TARGET:.0%})"
            print(f"  target {TARGET:,} cases/hour through the worker: {verdict}")
            print(f"  load average now {os.getloadavg()[0]:.1f}")
            print(f"  next day's drain of the people's requests left waiting: {drained:,} of {waiting:,} (in {lanes:,} "
                  f"lanes) assigned in {drain_s * 1000:,.0f} ms, reading {reads:,} table entries")
            held = [(n, *held_clock(n, ros)) for n in (cases // 4, cases)]
            print("  a batch asked at one instant (the clock held): " + "; ".join(
                f"{n:,} requests {w:.1f} table writes each, {1e6 * sec / n:.0f} us each" for n, w, sec in held))


if __name__ == "__main__":
    main()
