"""The whole platform on one machine: Tansu, topics, the channel peers and every service.

``remedy up`` starts it and waits for Ctrl-C; ``remedy down`` stops one started elsewhere (by the pid
file in the data dir); ``remedy run`` uses it for the demo. A port in use, a broker that will not
start or a service that dies while the stack starts gives a clear message and a clean stop of
everything already started. Once every process is ready, a ``Supervisor`` restarts any service (or
the channel peers) that exits or is killed, with an exponential back-off, and reports one that keeps
dying; the others run on. Only the broker's death (its topics were in memory) stops the stack.

``scale`` runs N instances of a service (``remedy up --scale triage=3,gateway=2``; ``remedy.ops.scale``
says how many may run, and what each instance gets: its port, data dir, log ``logs/<service>-<n>.log``).
``nice`` starts a service's instances at a niceness (``remedy up --nice notify=10``; ``remedy.ops.priority``).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

from remedy.contract.i18n import DEFAULT, language
from remedy.kernel.settings import Settings
from remedy.runtime.broker import BrokerError, provision, start_tansu
from remedy.ops.procs import ServiceFailed, ServiceProcess, instance_env, instance_port, stop_all
from remedy.ops.supervisor import Supervisor
from remedy.ops.terminal import text
from remedy.ops.settings import PlatformSettings
from remedy.ops import scale as scaling
from remedy.ops.scale import (SCALABLE, SERVICES, ScaleError, parse_scale,  # noqa: F401 - re-exported
                              ports_needed, scale_limits)


class StackError(RuntimeError):
    pass


def check_ports(ports: Mapping[str, int], lang: str = DEFAULT) -> None:
    """Raise a ``StackError`` naming every port out of range, shared by two processes, or in use (in ``lang``)."""
    problem = scaling.port_problem(ports, lang)
    if problem:
        raise StackError(problem)


class Stack:
    """The processes of one machine's platform. ``services``, ``broker`` (start Tansu and provision the
    topics, else use ``REMEDY_KAFKA_BOOTSTRAP`` as it is) and ``peers`` (the SMTP and SMS doubles)
    choose what runs; tests start a part of it. ``report`` receives the supervisor's lines (also
    appended to ``logs/supervisor.log``)."""

    def __init__(self, platform: PlatformSettings, env: dict[str, str] | None = None, *,
                 scale: Mapping[str, int] | None = None, nice: Mapping[str, int] | None = None,
                 services: tuple[str, ...] = SERVICES, broker: bool = True, peers: bool = True,
                 report: Callable[[str], None] = print):
        self.platform = platform
        self.settings = settings = platform.shared
        self.lang = language(settings.lang)   # of the lines it prints and the errors it raises
        self.data = Path(settings.data_dir).resolve()
        self.logs = self.data / "logs"
        self.env = {"REMEDY_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "REMEDY_DATA_DIR": str(self.data), **(env or {})}
        self.clickhouse_url = self.env.get("REMEDY_CLICKHOUSE_URL") or platform.analytics.clickhouse_url
        try:
            scaling.check_scale(scale or {}, scale_limits(), self.clickhouse_url)
        except ScaleError as exc:
            raise StackError(text("stack.cannot_scale", self.lang, why=exc)) from None
        if (scale or {}).get("analytics", 1) > 1:   # a server's (chDB was refused): every instance writes there
            self.env["REMEDY_CLICKHOUSE_URL"] = self.clickhouse_url
        self.services, self.own_broker, self.peers = services, broker, peers
        self.scale = {name: (scale or {}).get(name, 1) for name in services}
        self.nice = dict(nice or {})
        self.tansu: subprocess.Popen | None = None
        self.procs: list[ServiceProcess] = []
        self._report = report
        self.supervisor = Supervisor(report=self.say, lang=self.lang, on_restart=lambda proc: self._write_pid_file())

    @property
    def pid_file(self) -> Path:
        return self.data / "stack.json"

    def say(self, line: str) -> None:
        """A supervisor line: to ``report`` and to ``logs/supervisor.log``."""
        try:
            with open(self.logs / "supervisor.log", "a", encoding="utf-8") as fh:
                fh.write(f"{datetime.now().isoformat(timespec='seconds')} {line}\n")
        except OSError:
            pass
        self._report(line)

    def ports(self) -> dict[str, int]:
        return ports_needed(self.platform, self.scale, self.services, self.own_broker, self.peers)

    def ports_of(self, service: str) -> list[int]:
        """Every instance's HTTP port (what the pacer and the readiness checks ask)."""
        base = self.platform.port_for(service)
        return [instance_port(base, n) for n in range(1, self.scale.get(service, 1) + 1)]

    def processes(self) -> list[ServiceProcess]:
        """The processes to start, in order: the peers, then each service's instances."""
        procs = [ServiceProcess("peers", self.env, self.logs, module="sim.peers")] if self.peers else []
        outer = {**os.environ, **self.env}
        for name in self.services:
            base = self.platform.port_for(name)
            for process, n in scaling.instances(name, self.scale[name]):
                env = self.env if process == name else {**self.env, **instance_env(name, n, base, self.data, outer)}
                proc = ServiceProcess(process, env, self.logs, module=f"services.{name}", service=name)
                proc.port, proc.nice = instance_port(base, n), self.nice.get(name, 0)
                procs.append(proc)
        return procs

    def start(self, progress=print) -> None:
        check_ports(self.ports(), self.lang)
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            for line in scaling.prepare(self.platform, self.scale, self.services, self.data, {**os.environ, **self.env}):
                progress(line)
            if self.own_broker:
                self.tansu = start_tansu(self.settings.broker_port, log_path=str(self.logs / "tansu.log"))
                provision(self.settings.kafka_bootstrap, replication=self.settings.topic_replication)
                progress(text("stack.broker", self.lang, bootstrap=self.settings.kafka_bootstrap))
            for proc in self.processes():
                self._start(proc)
            for proc in self.procs:
                proc.wait_ready(timeout=120)
                progress(text("stack.ready", self.lang, name=proc.name))
            self._write_pid_file()
        except (BrokerError, ServiceFailed, OSError) as exc:
            self.stop()
            raise StackError(str(exc)) from exc
        for proc in self.procs:
            self.supervisor.watch(proc)
        self.supervisor.start()

    def _start(self, proc: ServiceProcess) -> None:
        proc.lang = self.lang
        self.procs.append(proc.start())

    def add(self, proc: ServiceProcess) -> ServiceProcess:
        """A started process the stack stops with the rest but does not restart (the simulator: a
        run cannot go on without it); its death makes ``check()`` raise."""
        proc.lang = self.lang
        self.procs.append(proc)
        self._write_pid_file()
        return proc

    def _write_pid_file(self) -> None:
        """``stack.json``: this process (the supervisor: `remedy down` asks it to stop everything), the
        broker and every worker's current pid, port and log; rewritten after each restart."""
        workers = {p.name: {"pid": p.proc.pid, "port": getattr(p, "port", None), "log": str(p.log_path)}
                   for p in self.procs if p.proc is not None}
        info = {"supervisor": os.getpid(), "tansu": self.tansu.pid if self.tansu else None,
                "pgids": [w["pid"] for w in workers.values()], "workers": workers}
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(info, indent=1))
        tmp.replace(self.pid_file)

    def check(self) -> None:
        """Raise if the broker died, or a process the supervisor does not restart (the simulator)."""
        if self.tansu is not None and self.tansu.poll() is not None:
            raise StackError(text("stack.broker_exited", self.lang, code=self.tansu.returncode, log=self.logs / "tansu.log"))
        for proc in self.procs:
            if not self.supervisor.watching(proc.name) and proc.proc.poll() is not None:
                raise StackError(text("stack.exited", self.lang, name=proc.name, code=proc.proc.returncode, tail=proc.tail()))

    def settling(self) -> list[ServiceProcess]:
        """Processes that died and are not ready again yet (their partitions may have no reader)."""
        return self.supervisor.settling()

    def stop_all_but(self, keep: set[str]) -> None:
        """Stop every service except ``keep`` (the report freezes the funnel, then lets analytics drain)."""
        going = [p for p in reversed(self.procs) if p.name not in keep and p.service not in keep]
        self.supervisor.forget(p.name for p in going)
        stop_all(going)
        self.procs = [p for p in self.procs if p not in going]

    @staticmethod
    def ignore_interrupts() -> None:
        """A second Ctrl-C (or a SIGTERM) while stopping is ignored: an interrupted stop would leave
        workers running."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                signal.signal(sig, signal.SIG_IGN)
            except ValueError:  # not the main thread
                pass

    def stop(self) -> None:
        self.ignore_interrupts()
        self.supervisor.stop()
        stop_all(list(reversed(self.procs)))
        if self.tansu is not None and self.tansu.poll() is None:
            self.tansu.terminate()
            try:
                self.tansu.wait(10)
            except subprocess.TimeoutExpired:
                self.tansu.kill()
        self.pid_file.unlink(missing_ok=True)


def _alive(pid: int | None, needle: bytes | None = None) -> bool:
    """Whether ``pid`` runs (and, where /proc says, runs a command line holding ``needle``: a pid the
    system gave to another program since is not ours)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    if needle is None:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True   # no /proc: trust the pid file
    return needle in cmdline


def down(settings: Settings, timeout: float = 45.0) -> int:
    """Stop a stack that ``remedy up`` (or ``remedy run``) started in another terminal: ask its
    supervising process to stop everything, as Ctrl-C would; kill what is left if it cannot."""
    pid_file = Path(settings.data_dir).resolve() / "stack.json"
    lang = language(settings.lang)
    if not pid_file.exists():
        print(text("down.nothing", lang, dir=pid_file.parent))
        return 0
    info = json.loads(pid_file.read_text())
    supervisor = info.get("supervisor")
    if _alive(supervisor, b"remedy"):
        os.kill(supervisor, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(supervisor):
            time.sleep(0.2)
        if pid_file.exists():
            info = json.loads(pid_file.read_text())   # the latest pids, if it rewrote them meanwhile
    left = [pid for pid in info.get("pgids", []) if _alive(pid)]
    for pgid in left:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if left:
        time.sleep(3)
    for pgid in left:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if _alive(info.get("tansu")):
        try:
            os.kill(info["tansu"], signal.SIGTERM)
        except ProcessLookupError:
            pass
    pid_file.unlink(missing_ok=True)
    print(text("down.stopped", lang))
    return 0
