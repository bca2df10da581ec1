"""The 1M benchmark (issue 18, item 6): a million valid defaults from a dozen lenders through the whole running
stack on this machine, against the issue's targets.

    .venv/bin/python -m bench.bench_million [--cases N] [--lenders 12] [--scale triage=2,...] [--nice notify=10,...]

The stack is ``remedy up``'s (``remedy.ops.stack.Stack``: Tansu, the channel peers, every service under the
supervisor), on free ports and a fresh data dir, with the simulated clock frozen on a weekday at 10:00 in China
(``REMEDY_CLOCK_SCALE=0``), so only the first hops run: intake opens, triage decides, mediation and
enforcement open their case files, notify decides the first notices (sent, or deferred by the contact rules).
The defaults are generated and Avro-encoded before the clock starts, then published from one thread as fast as
the producer and the broker take them. Every second the benchmark reads each instance's ``/metrics``
(``bench/million_metrics.py`` names the counters) and every process's ``/proc`` (``bench/million_proc.py``). It
stops once every stage has been done for 3 s, or at ``--timeout``, or when the machine has less than
``--min-free-gib`` of memory available (the dev broker keeps every topic in memory; the run stops before the
OOM killer picks a process). Then, memory allowing, one triage instance is SIGKILLed while a trickle of new
defaults flows, and the seconds until the supervisor has it ready, and consuming, again are measured.

Printed: time to each stage done and its cases/s over its active window; triage's cases/s over intake's (the
baseline, same run); the records still waiting, by service and topic; CPU-seconds and peak RSS per process
(broker, peers and the benchmark apart); the records per topic on the broker, and the record batches they are
held in (``bench/broker_batches.py``: the dev broker's cost of every fetch grows with a partition's batches); and
the targets with "met" or "missed by X" (``bench/million_report.py``).
"""
from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from bench import million_report as rep
from bench.broker_batches import batches_per_topic
from bench.million_load import Feed, Trickle, encode_defaults, topic_bytes, topic_records
from bench.million_metrics import INTAKE, TRIAGE, Poller, fetch, first_notice_kinds, parse_prometheus
from bench.million_proc import ProcSampler, loadavg, mem_available
from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.cli import interrupt
from remedy.ops.procs import PORT_STRIDE
from remedy.ops.cli_parser import nice_option, scale_option
from remedy.ops.scale import SERVICES
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack, StackError
from remedy.runtime.broker import free_port, port_open
from services.notify.catalogue import Catalogue
from sim.defaults import utc

NOW = utc(2026, 11, 30, 2)   # Monday 10:00 in China: daytime, a working day, no quiet hours
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0"}
TRICKLE = 20_000             # defaults kept for the restart's trickle (40 every 0.25 s: 2 minutes' worth)
BATCHES_READ = 100_000       # records read back a partition to count the batches they are held in


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.bench_million", description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=rep.MILLION, help="valid defaults to publish (default 1,000,000)")
    p.add_argument("--lenders", type=int, default=12, help="lenders the defaults come from (default 12)")
    p.add_argument("--scale", type=scale_option, default={}, metavar="SERVICE=N[,SERVICE=N...]",
                   help="instances per stage service, as remedy up --scale (default one each)")
    p.add_argument("--nice", type=nice_option, default={}, metavar="SERVICE=N[,SERVICE=N...]",
                   help="a service's niceness, as remedy up --nice (default 0 for every service)")
    p.add_argument("--timeout", type=float, default=None, help="seconds before the run stops waiting "
                   "(default 300 + 9 ms per case)")
    p.add_argument("--min-free-gib", type=float, default=1.5, help="stop the run when the machine has less memory "
                   "available than this (default 1.5)")
    p.add_argument("--data-dir", default=None, help="keep the stack's data and logs here (default: a temporary dir)")
    args = p.parse_args(argv)
    if args.cases < 1:
        p.error("--cases must be at least 1")
    args.timeout = args.timeout or 300 + 9e-3 * args.cases
    return args


def stack_env(data: Path, scale: dict[str, int]) -> dict[str, str]:
    """Free ports for the broker, every instance (n at +100·(n-1)) and the peers; the data dir; the clock."""
    taken: set[int] = set()

    def pick(span: int = 1) -> int:
        while True:
            first = free_port()
            ports = [first + PORT_STRIDE * i for i in range(span)]
            if all(q < 65536 and q not in taken and not port_open("127.0.0.1", q) for q in ports):
                taken.update(ports)
                return ports[0]

    broker = pick()
    env = {"REMEDY_DATA_DIR": str(data), "REMEDY_BROKER_PORT": str(broker),
           "REMEDY_KAFKA_BOOTSTRAP": f"127.0.0.1:{broker}", **CLOCK}
    for service in SERVICES:
        env[f"REMEDY_{service.upper()}_PORT"] = str(pick(scale.get(service, 1)))
    env["REMEDY_SMTP_PORT"], env["REMEDY_SMS_URL"] = str(pick()), f"http://127.0.0.1:{pick()}"
    return env


def roots(stack: Stack) -> dict[str, int | None]:
    """Every process to sample: the broker, the peers, each instance (its current pid), the benchmark."""
    out: dict[str, int | None] = {"broker": stack.tansu.pid if stack.tansu else None}
    for p in stack.procs:
        out[p.name] = p.proc.pid if p.proc is not None and p.proc.poll() is None else None
    out["bench"] = os.getpid()
    return out


def follow(stack: Stack, poller: Poller, sampler: ProcSampler, feed: Feed, timeout: float, min_free: float) -> dict:
    """Publish and sample every second until every stage has been done for 3 samples, or ``timeout``, or the
    machine has less than ``min_free`` bytes of memory available (the run stops rather than the OOM killer)."""
    timeline, calm, last_print, stopped = [], 0, -10.0, None
    cpu0 = (sampler.sample(roots(stack)), sampler.cpu_snapshot())[1]
    t0 = time.monotonic()
    feed.start()
    while True:
        t = time.monotonic() - t0
        sampler.sample(roots(stack))
        prog = poller.progress()
        timeline.append((t, prog))
        if feed.error is not None:
            raise RuntimeError(f"publishing failed: {feed.error!r}")
        stack.check()
        calm = calm + 1 if all(c >= target for c, target in prog.values()) else 0
        if t - last_print >= 10 or calm >= 3:
            last_print = t
            print(f"  {t:6.0f} s  published {feed.sent:>9,}  " + "  ".join(
                f"{name.split(':')[0]} {c:,.0f}" + ("" if target == float("inf") else f"/{target:,.0f}")
                for name, (c, target) in prog.items()), flush=True)
        if t > timeout:
            stopped = f"stopped after the {timeout:.0f} s timeout"
        elif mem_available() < min_free:
            stopped = f"stopped: less than {rep.fmt_bytes(min_free)} of memory left on the machine"
        if calm >= 3 or stopped:
            break
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0 - t)))
    return {"timeline": timeline, "elapsed": timeline[-1][0], "cpu0": cpu0, "cpu1": sampler.cpu_snapshot(),
            "stopped": stopped, "waiting": poller.waiting()}


def consumed(port: int) -> float:
    """case.events inputs a triage instance has handled since it started (0 while it does not answer)."""
    text = fetch(port, timeout=2)
    return sum(v for name, _, v in parse_prometheus(text) if name == "remedy_triage_case_events_total") if text else 0.0


def restart_after_kill(stack: Stack, bootstrap: str, codec: Codec, trickle_records, sampler: ProcSampler) -> dict:
    """SIGKILL the last triage instance while defaults trickle in; seconds until ready and consuming again."""
    victim = [p for p in stack.procs if p.service == "triage"][-1]
    trickle = Trickle(bootstrap, codec, trickle_records)
    out = {"name": victim.name, "ready": None, "consuming": None}
    base, old_pid = consumed(victim.port), victim.proc.pid
    trickle.start()
    try:
        deadline = time.monotonic() + 60
        while consumed(victim.port) <= base and time.monotonic() < deadline:   # at work on the trickle
            time.sleep(0.2)
        sampler.sample(roots(stack))
        victim.kill()
        killed, next_sample = time.monotonic(), time.monotonic() + 1
        while time.monotonic() - killed < 120:
            if victim.proc.pid != old_pid and consumed(victim.port) > 0:
                out["consuming"] = time.monotonic() - killed
                break
            if time.monotonic() >= next_sample:
                sampler.sample(roots(stack))
                next_sample += 1
            time.sleep(0.2)
        sampler.sample(roots(stack))
    finally:
        trickle.stop()
    out["ready"] = back_after(stack, victim.name)
    return out


def back_after(stack: Stack, name: str, wait: float = 15.0) -> float | None:
    """Seconds from the kill until the supervisor saw the restarted instance ready. A worker may consume before the
    supervisor's next look at its log: that look is waited for, briefly."""
    deadline = time.monotonic() + wait
    while True:
        back = [r.back_after for r in stack.supervisor.restarts if r.name == name and r.back_after is not None]
        if back or time.monotonic() >= deadline:
            return back[0] if back else None
        time.sleep(0.2)


def report(args, run: dict, restart: dict | None, sampler: ProcSampler, stack_names: set[str], prep: dict) -> None:
    n, elapsed = args.cases, run["elapsed"]
    if run["stopped"]:
        print(f"\n{run['stopped']}: the stages not done are judged as missed, by at least what the run lasted")
    rows, rates = rep.stage_rows(run, n)
    print(f"\nstages (seconds from the first default published; cases/s = {n:,} / the stage's active window)")
    print(rep.table(rows, ("stage", "done at", "active from", "cases/s", "count / target")))
    ratio = rates[TRIAGE] / rates[INTAKE] if rates[TRIAGE] and rates[INTAKE] else None
    waiting = list(run["waiting"].items())[:8]
    print("records waiting when the run ended: " + ("; ".join(f"{k} {v:,.0f}" for k, v in waiting) or "none"))
    print(f"baseline, same run: intake {rates[INTAKE] or 0:,.0f} cases/s; triage {rates[TRIAGE] or 0:,.0f} cases/s "
          f"= {ratio or 0:.2f} x intake")
    cpu = sum(run["cpu1"].get(k, 0.0) - run["cpu0"].get(k, 0.0) for k in stack_names)
    print(f"\nprocesses (CPU over the {rep.fmt_seconds(elapsed)} measured; peak RSS over the whole run, restart included)")
    print(rep.table(rep.process_rows(run, sampler, n, stack_names),
                    ("process", "peak RSS", "CPU s", "CPU us/case", "<= 500 MB")))
    peaks = sum(sampler.peak(k) for k in stack_names)
    print(f"stack (services + broker): {cpu:,.1f} CPU-s = {cpu / n * 1e3:.3f} ms per case; sum of peak RSS "
          f"{rep.fmt_bytes(peaks)}, largest RSS at one instant {rep.fmt_bytes(sampler.peak_sum(stack_names))}")
    print("broker, records per topic at the end: " + ", ".join(f"{t} {k:,}" for t, k in list(prep["topics"].items())[:10]))
    print(rep.topic_bytes_line(prep["bytes"], prep["topics"], n, sampler.peak("broker")))
    print(rep.batches_line(prep["batches"], BATCHES_READ))
    if restart is None:
        print("restart: not measured (the machine was out of memory)")
    else:
        print(f"restart: {restart['name']} SIGKILLed with defaults trickling in; ready again after "
              f"{_s(restart['ready'])}, consuming again after {_s(restart['consuming'])}")
    targets = rep.targets(run, sampler, stack_names, n, rates, restart and restart["consuming"])
    print("\n" + rep.targets_table(targets))
    scale = ",".join(f"{k}={v}" for k, v in args.scale.items()) or "one instance each"
    scale += "; niceness " + (",".join(f"{k}={v}" for k, v in args.nice.items()) or "0 for every service")
    print(f"\n{n:,} cases, {args.lenders} lenders, scale {scale}; generated and encoded "
          f"in {prep['encode']:.1f} s (not counted), published in {_s(prep['publish'])}; load average "
          f"{prep['load0']} before, {loadavg()} after; {os.cpu_count()} CPUs")


def _s(seconds: float | None) -> str:
    return rep.fmt_seconds(seconds) if seconds is not None else "never (within the wait)"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)   # `kill` stops the stack it started, as Ctrl-C does
    codec = Codec(REPO_ROOT / "schemas")
    prep = {"load0": loadavg()}
    print(f"1M benchmark: {args.cases:,} valid defaults from {args.lenders} lenders; load average {prep['load0']}")
    started = time.monotonic()
    records = encode_defaults(codec, args.cases, args.lenders, NOW)
    trickle = encode_defaults(codec, TRICKLE, args.lenders, NOW, seed=1, first_loan=args.cases, batch_tag="-R")
    prep["encode"] = time.monotonic() - started
    print(f"generated and encoded in {prep['encode']:.1f} s")
    keep = Path(args.data_dir).resolve() if args.data_dir else None
    with (nullcontext(str(keep)) if keep else tempfile.TemporaryDirectory(prefix="remedy-1m-")) as data:
        env = stack_env(Path(data), args.scale)
        stack = Stack(PlatformSettings.from_env({**os.environ, **env}), env, scale=args.scale,
                      nice=args.nice, report=lambda line: print("  " + line, flush=True))
        try:
            stack.start(progress=lambda line: print("  " + line, flush=True))
        except StackError as exc:
            raise SystemExit(f"the stack did not start: {exc}") from None
        sampler = ProcSampler(solo=frozenset({"bench"}))
        poller = Poller([(p.service, p.name, p.port) for p in stack.procs if p.name != "peers"], args.cases,
                        first_notice_kinds(Catalogue.load()))
        try:
            feed = Feed(env["REMEDY_KAFKA_BOOTSTRAP"], codec, records)
            run = follow(stack, poller, sampler, feed, args.timeout, args.min_free_gib * rep.GIB)
            prep["publish"] = feed.seconds
            low_memory = mem_available() < args.min_free_gib * rep.GIB   # no restart on a machine out of memory
            restart = None if low_memory else restart_after_kill(stack, env["REMEDY_KAFKA_BOOTSTRAP"], codec, trickle,
                                                                 sampler)
            prep["topics"] = topic_records(env["REMEDY_KAFKA_BOOTSTRAP"])
            prep["bytes"] = topic_bytes(env["REMEDY_KAFKA_BOOTSTRAP"])
            prep["batches"] = batches_per_topic(env["REMEDY_KAFKA_BOOTSTRAP"], last=BATCHES_READ)
        finally:
            poller.close()
            stack.stop()
        names = {"broker", *(p.name for p in stack.procs if p.name != "peers")}
        report(args, run, restart, sampler, names, prep)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("stopped before the end: the stack it started is stopped, no report") from None
