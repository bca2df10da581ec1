"""``remedy run`` / ``make run``: the whole platform on one machine with the outside world simulated.

Starts the stack (Tansu, topics, channel peers, every service, analytics on chDB, gateway,
dashboard) on a scaled clock, lets the simulator publish the batch and play mediators, courts,
debtors and lenders, shows progress, prints the report (also written as HTML), then keeps the
dashboard up until Ctrl-C (``--no-wait`` stops at once) and stops every process.
"""
from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from remedy.contract import i18n
from remedy.contract.i18n import Messages
from remedy.kernel.clock import ClockFile, parse_instant
from remedy.kernel.settings import Settings
from remedy.ops.dashboard_client import dashboard_url, fetch_progress, ops_token, settled_dashboard
from remedy.ops.pacing import Pacer, ServiceLag, registry_groups
from remedy.ops.procs import ServiceProcess
from remedy.ops.progress import ProgressView, bars
from remedy.ops.report import write
from remedy.ops.report_text import lines
from remedy.ops.report_baseline import by_opening_day
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack, StackError
from remedy.ops.terminal import text

TOP_RATE = 16 * 3600.0  # simulated seconds per real second while nothing waits
# The pacer slows the clock from GO_LAG records waiting and stops it at STOP_LAG, counted at 12 simulated
# hours a second (where they were tuned) and scaled down for a faster clock: a record then waits as much
# simulated time as it did at 12 h/s before the clock slows.
GO_LAG, STOP_LAG, LAG_RATE = 100, 1000, 12 * 3600.0
OPENING_STALL = 180   # real seconds without a case opened, while time holds for the batch, before the run gives up

REPORT = Messages.load("report")


def run_demo(platform: PlatformSettings, wait: bool = True, horizon_days: int = 120, scale: float = TOP_RATE,
             instances: dict[str, int] | None = None) -> int:
    """``scale`` is the clock's top rate; ``instances`` the stage services that run several instances
    (``--scale triage=3``)."""
    from sim.defaults import demo_batch

    settings, simulator, lang = platform.shared, platform.sim, i18n.language(platform.shared.lang)
    epoch = parse_instant(settings.clock_epoch) if settings.clock_epoch else datetime.now(timezone.utc).replace(microsecond=0)
    scale = settings.clock_scale if settings.clock_scale != 1.0 else scale
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    try:
        run = DemoRun.prepare(platform, epoch, scale, horizon_days, instances)
    except StackError as exc:
        print(text("error", lang, message=exc))
        return 1
    print(text("run.start", lang, cases=i18n.number(simulator.cases, lang), lenders=simulator.lenders,
               rate=i18n.number(scale / 3600, lang, 1), logs=run.stack.logs))
    scaled = {name: n for name, n in run.stack.scale.items() if n > 1}
    if scaled:
        print(text("run.instances", lang, services=", ".join(f"{name} x{n}" for name, n in scaled.items())))
    try:
        run.start()
        defaults, bad = demo_batch(simulator.cases, simulator.lenders, epoch, simulator.seed, simulator.malformed_rows)
        token = ops_token(platform.analytics)
        run.watch(len(defaults), bad, token)
        run.report(defaults, bad, token)
        if wait:
            run.keep_dashboard_up(token)
        return 0
    except StackError as exc:
        print(text("error", lang, message=exc))
        return 1
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        run.stack.ignore_interrupts()
        run.pacer.stop(hold=True)
        run.stack.stop()
        print(text("run.stopped", lang))


@dataclass
class DemoRun:
    """One ``remedy run``: the stack, the pacer that drives its clock, and what the report needs."""
    platform: PlatformSettings
    stack: Stack
    pacer: Pacer
    epoch: datetime
    horizon_days: int
    sim_lag_file: str
    started: float
    notices: "queue.SimpleQueue[str]"   # the supervisor's lines, printed above the progress display

    @property
    def lang(self) -> str:
        """The terminal's language (``remedy --lang``, ``REMEDY_LANG`` or the locale, chosen by the command)."""
        return i18n.language(self.platform.shared.lang)

    @classmethod
    def prepare(cls, platform: PlatformSettings, epoch: datetime, scale: float, horizon_days: int,
                instances: dict[str, int] | None = None) -> "DemoRun":
        data = Path(platform.shared.data_dir).resolve()
        clock_file = ClockFile(data / "clock")
        pacer = Pacer(clock_file, epoch, scale, probe=lambda: 0,  # holds time at the epoch until the batch is in
                      go_lag=round(GO_LAG * min(1.0, LAG_RATE / scale)), stop_lag=round(STOP_LAG * min(1.0, LAG_RATE / scale)))
        sim_lag_file = str(data / "sim.lag")
        env = {"REMEDY_CLOCK_FILE": clock_file.path, "REMEDY_LAG_SAMPLE_SECONDS": "0.25", "REMEDY_SIM_LAG_FILE": sim_lag_file,
               "REMEDY_PRODUCER_LINGER_MS": os.environ.get("REMEDY_PRODUCER_LINGER_MS", "20"),
               "REMEDY_SIM_CASES": str(platform.sim.cases)}
        notices: queue.SimpleQueue[str] = queue.SimpleQueue()
        stack = Stack(platform, env, scale=instances, report=notices.put)
        return cls(platform, stack, pacer, epoch, horizon_days, sim_lag_file, time.monotonic(), notices)

    def print_notices(self, say=print) -> None:
        """Print what the supervisor said since last time."""
        while True:
            try:
                say(self.notices.get_nowait())
            except queue.Empty:
                return

    def start(self) -> None:
        """The platform and the simulator, up and ready; where to look printed."""
        analytics, stack = self.platform.analytics, self.stack
        stack.start()
        sim = ServiceProcess("sim", stack.env, stack.logs, module="sim", args=("--publish",))
        stack.add(sim.start())
        sim.wait_ready(timeout=180)
        print(text("run.dashboard", self.lang, url=dashboard_url(analytics, ops_token(analytics), Settings.from_env().dev)))
        print(text("run.gateway", self.lang, url=f"http://127.0.0.1:{self.platform.gateway.port}/openapi.json"))

    def watch(self, expected: int, bad, token: str) -> None:
        """Let the clock run and show progress until every case is in and none is open, or the horizon."""
        platform, pacer, epoch = self.platform, self.pacer, self.epoch
        groups = registry_groups(platform.shared.schemas_dir, platform.sim.group)
        lag = ServiceLag({g: self.stack.ports_of(g) for g in groups if g != platform.sim.group}, groups,
                         platform.sim.group, self.sim_lag_file)

        opened = threading.Event()

        def probe() -> int:
            # Time holds at the epoch until every valid default is opened, so a case opens on the China day
            # its default was published (the day the report's baseline and analytics' ``day`` both use),
            # whatever the hour the run starts. A worker instance restarting holds time too: until it is
            # back, its partitions have no reader and no instance counts what waits on them.
            if not opened.is_set() or any(p.service in groups for p in self.stack.settling()):
                return pacer.stop_lag
            return lag()

        pacer.probe = probe
        pacer.start()
        view, dash = ProgressView(sys.stdout.isatty()), None
        unreachable, opening = 0.0, (0, time.monotonic())   # cases opened so far, and since when
        try:
            while True:
                time.sleep(3)
                self.stack.check()
                self.print_notices(view.say)
                try:
                    dash = fetch_progress(platform.analytics, token)
                    unreachable = 0.0
                except OSError as exc:   # analytics restarting after a crash: the supervisor brings it back
                    unreachable = unreachable or time.monotonic()
                    if time.monotonic() - unreachable > 180:
                        raise StackError(text("run.analytics_silent", self.lang, reason=exc)) from exc
                    continue
                now = datetime.fromtimestamp(pacer.sim_ms() / 1000, timezone.utc)
                day = (now - epoch).days
                view.show(bars(dash, expected, len(bad), day, self.horizon_days, lang=self.lang), self.status())
                s = dash["summary"]
                if s["cases"] + len(bad) >= expected:
                    opened.set()
                elif s["cases"] > opening[0]:
                    opening = (s["cases"], time.monotonic())
                elif time.monotonic() - opening[1] > OPENING_STALL:
                    raise StackError(text("run.not_opened", self.lang, opened=i18n.number(s["cases"], self.lang),
                                          expected=i18n.number(expected - len(bad), self.lang),
                                          seconds=OPENING_STALL))
                if opened.is_set() and (s["open"] == 0 or day >= self.horizon_days):
                    return
        finally:
            if dash is not None:
                view.finish(bars(dash, expected, len(bad), day, self.horizon_days, final=True, lang=self.lang))

    def status(self) -> str:
        """The progress display's last line: the simulated time (China time), the clock's rate, what waits."""
        pacer, lang = self.pacer, self.lang
        return text("status", lang, now=i18n.instant(pacer.sim_ms(), lang), rate=i18n.number(pacer.rate / 3600, lang, 1),
                    waiting=i18n.number(pacer.lag, lang))

    def report(self, defaults: list[dict], bad, token: str) -> None:
        """Freeze the funnel, wait for analytics to settle, print the report and write it as HTML."""
        from sim.baseline import baseline

        platform, stack, horizon_days = self.platform, self.stack, self.horizon_days
        self.pacer.stop(hold=True)
        print("\n" + text("run.freezing", self.lang))
        stack.stop_all_but({"analytics"})
        dash = settled_dashboard(platform.analytics, token, lang=self.lang)
        cases = [d for d in defaults if d["loan_id"] not in bad]
        base, by_day = baseline(cases, platform.sim.seed), by_opening_day(cases, platform.sim.seed)
        (Path(stack.data) / "run.json").write_text(json.dumps(  # read by `remedy report`
            {"cases": len(cases), "baseline_recovery": base.recovery_rate, "horizon_days": horizon_days,
             "baseline_by_day": by_day}), encoding="utf-8")
        print()
        for line in lines(dash, base.recovery_rate, self.lang):
            print(line)
        title = lambda lang: REPORT.text("title.run", lang, defaults=f"{len(defaults):,}", days=horizon_days)  # noqa: E731
        written = write(Path(stack.data) / "report.html", dash, base.recovery_rate, title, ("zh", "en"), by_day,
                        platform.notify.directory, terminal=self.lang)
        minutes, seconds = divmod(round(time.monotonic() - self.started), 60)
        print("\n" + "\n".join(written) + "\n" + text("run.took", self.lang, minutes=minutes, seconds=f"{seconds:02d}",
                                                         held=f"{self.pacer.held_seconds:.0f}"))

    def keep_dashboard_up(self, token: str) -> None:
        print(text("run.frozen", self.lang))
        url = dashboard_url(self.platform.analytics, token, Settings.from_env().dev)
        print(text("run.dashboard_stays", self.lang, url=url))
        while True:
            time.sleep(2)
            self.stack.check()
            self.print_notices()
