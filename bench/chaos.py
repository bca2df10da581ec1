"""``python -m bench.chaos``: the chaos harness (issue 18, item 5). One batch with a fixed seed, played
twice on two platforms side by side — a control run left alone, and a chaos run whose services are
SIGKILLed one instance at a time — then compared: the same cases, the same final stage for every
case, each notice delivered exactly once per case and kind at the channel, each ClickHouse row exactly
once, no new dead letters. Prints the comparison, the kills and the restart times; exits 1 on any
difference.

    .venv/bin/python -m bench.chaos --cases 200 --seed 7 --kills 1        # the CI size (tests/chaos)
    .venv/bin/python -m bench.chaos --cases 5000 --kills 3 --horizon-days 60 --kill-steps 9

Both runs are made comparable by time that stands still while the platform works: the harness moves
the shared clock (``REMEDY_CLOCK_FILE``, rate 0) ``--step-days`` at a time and lets everything settle
in between; the outside world is the simulator's, played by the harness with draws per case
(``bench/chaos_world.py``). Two instances of each stateful service (``--instances``); each run has its
own Tansu, ports and data directory under ``--dir`` (logs in ``<dir>/<run>/logs``).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from bench.chaos_compare import Diff, compare
from bench.chaos_kills import Schedule, default_instances, schedule
from bench.chaos_run import RunConfig, RunResult, play
from bench.chaos_stack import STATEFUL
from bench.chaos_table import differences, kills as kill_lines


@dataclass
class Pair:
    config: RunConfig
    calendar: Schedule
    control: RunResult
    chaos: RunResult
    diff: Diff
    seconds: float


def run_pair(cfg: RunConfig, kills: int = 1, kill_steps: int = 2, root: Path | None = None, report=print,
             side_by_side: bool = True) -> Pair:
    """Play the control run and the chaos run (side by side, or one after the other) and compare them."""
    root = Path(root or tempfile.mkdtemp(prefix="remedy-chaos-"))
    calendar = schedule(cfg.seed, cfg.steps, kills, kill_steps, default_instances(cfg.instances))
    codec = Codec(REPO_ROOT / "schemas")
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            report(line)

    runs = {"control": Schedule(calendar.steps, calendar.waves), "chaos": calendar}
    results: dict[str, RunResult | BaseException] = {}

    def one(name: str) -> None:
        try:
            results[name] = play(name, root / name, codec, cfg, runs[name], kill=name == "chaos", report=say)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the other run ends
            results[name] = exc

    started = time.monotonic()
    if side_by_side:
        threads = [threading.Thread(target=one, args=(name,), name=name) for name in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for name in runs:
            one(name)
    for name in runs:
        if isinstance(results[name], BaseException):
            raise RuntimeError(f"the {name} run failed (logs in {root / name / 'logs'})") from results[name]
    control, chaos = results["control"], results["chaos"]
    return Pair(cfg, calendar, control, chaos, compare(control.outcome, chaos.outcome), time.monotonic() - started)


def summary(pair: Pair, root: Path | None = None) -> list[str]:
    cfg, control, chaos = pair.config, pair.control, pair.chaos
    lines = [f"chaos run against control: {cfg.cases:,} defaults from {cfg.lenders} lenders, seed {cfg.seed}, "
             f"{cfg.horizon_days} simulated days in steps of {cfg.step_days}; {cfg.instances} instances of "
             f"{', '.join(STATEFUL)}",
             f"  {len(chaos.kills)} kills on {len({k.step for k in chaos.kills})} steps; "
             f"{control.counts['events']:,} / {chaos.counts['events']:,} case events written (control / chaos, "
             f"repeats included); took {pair.seconds:.0f} s (start-up {control.startup:.0f} / {chaos.startup:.0f} s, "
             f"played {control.played:.0f} / {chaos.played:.0f} s)"]
    lines += differences(control.outcome, chaos.outcome, pair.diff)
    lines.append("  kills (SIGKILL to the instance's process group; busy = its group had records in flight)")
    lines += kill_lines(chaos.kills, chaos.restarts)
    if root is not None:
        lines.append(f"  logs: {root}/control/logs, {root}/chaos/logs")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=300, help="defaults in the batch (default 300)")
    p.add_argument("--seed", type=int, default=7, help="the batch's and the world's seed (default 7)")
    p.add_argument("--kills", type=int, default=1, help="kills per service (default 1)")
    p.add_argument("--kill-steps", type=int, default=0, help="steps the kills fall on (default: 2 per round of kills)")
    p.add_argument("--lenders", type=int, default=4, help="lenders in the batch (default 4)")
    p.add_argument("--horizon-days", type=int, default=40, help="simulated days played (default 40)")
    p.add_argument("--step-days", type=int, default=2, help="simulated days per clock step (default 2)")
    p.add_argument("--instances", type=int, default=2, help="instances of each stateful service (default 2)")
    p.add_argument("--dir", type=Path, default=None, help="where the runs keep their data and logs (default: a temp dir)")
    p.add_argument("--one-after-the-other", action="store_true", help="play the runs in turn, not side by side")
    args = p.parse_args(argv)
    cfg = replace(RunConfig(), cases=args.cases, seed=args.seed, lenders=args.lenders, horizon_days=args.horizon_days,
                  step_days=args.step_days, instances=args.instances)
    root = Path(args.dir or tempfile.mkdtemp(prefix="remedy-chaos-")).resolve()
    pair = run_pair(cfg, args.kills, args.kill_steps or 2 * max(1, args.kills), root,
                    side_by_side=not args.one_after_the_other)
    print()
    for line in summary(pair, root):
        print(line)
    return 1 if pair.diff.total else 0


if __name__ == "__main__":
    sys.exit(main())
