"""The whole platform on one machine: Tansu, topics, the channel peers and every service.

``remedy up`` starts it and waits for Ctrl-C; ``remedy down`` stops one started elsewhere (by the pid
file in the data dir); ``remedy run`` uses it for the demo. A port in use, a broker that will not
start or a service that dies gives a clear message and a clean stop of everything already started.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from remedy.runtime.broker import BrokerError, port_open, provision, start_tansu
from remedy.ops.procs import ServiceFailed, ServiceProcess, stop_all
from remedy.kernel.settings import Settings
from remedy.ops.settings import PlatformSettings

# Start order: consumers of case.events before the services that feed them.
SERVICES = ("analytics", "triage", "mediation", "enforcement", "repair", "objections", "notify", "gateway", "intake")


class StackError(RuntimeError):
    pass


def ports_needed(platform: PlatformSettings) -> dict[str, int]:
    from urllib.parse import urlparse

    ports = {name: platform.port_for(name) for name in SERVICES}
    ports["broker"] = platform.shared.broker_port
    ports["smtp"] = platform.notify.smtp_port
    ports["sms"] = urlparse(platform.notify.sms_url).port or 80
    return ports


class Stack:
    def __init__(self, platform: PlatformSettings, env: dict[str, str] | None = None):
        self.platform = platform
        self.settings = settings = platform.shared
        self.data = Path(settings.data_dir).resolve()
        self.logs = self.data / "logs"
        self.env = {"REMEDY_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "REMEDY_DATA_DIR": str(self.data), **(env or {})}
        self.tansu: subprocess.Popen | None = None
        self.procs: list[ServiceProcess] = []

    @property
    def pid_file(self) -> Path:
        return self.data / "stack.json"

    def start(self, progress=print) -> None:
        busy = {name: port for name, port in ports_needed(self.platform).items() if port_open("127.0.0.1", port)}
        if busy:
            raise StackError("ports already in use: " + ", ".join(f"{n} {p}" for n, p in busy.items()) +
                             " — stop what holds them (`remedy down`?) or set the REMEDY_*_PORT settings")
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self.tansu = start_tansu(self.settings.broker_port, log_path=str(self.logs / "tansu.log"))
            provision(self.settings.kafka_bootstrap, replication=self.settings.topic_replication)
            progress(f"broker: Tansu on {self.settings.kafka_bootstrap}, topics provisioned")
            self._start(ServiceProcess("peers", self.env, self.logs, module="sim.peers"))
            for name in SERVICES:
                self._start(ServiceProcess(name, self.env, self.logs))
            for proc in self.procs:
                proc.wait_ready(timeout=120)
                progress(f"ready: {proc.name}")
            self.pid_file.write_text(json.dumps({"tansu": self.tansu.pid, "pgids": [p.proc.pid for p in self.procs]}))
        except (BrokerError, ServiceFailed, OSError) as exc:
            self.stop()
            raise StackError(str(exc)) from exc

    def _start(self, proc: ServiceProcess) -> None:
        self.procs.append(proc.start())

    def check(self) -> None:
        """Raise if any process died."""
        if self.tansu is not None and self.tansu.poll() is not None:
            raise StackError(f"the broker exited with code {self.tansu.returncode}; see {self.logs / 'tansu.log'}")
        for proc in self.procs:
            if proc.proc.poll() is not None:
                raise StackError(f"{proc.name} exited with code {proc.proc.returncode}; last log lines:\n{proc.tail()}")

    def stop_all_but(self, keep: set[str]) -> None:
        """Stop every service except ``keep`` (the report freezes the funnel, then lets analytics drain)."""
        stop_all([p for p in reversed(self.procs) if p.name not in keep])
        self.procs = [p for p in self.procs if p.name in keep]

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
        stop_all(list(reversed(self.procs)))
        if self.tansu is not None and self.tansu.poll() is None:
            self.tansu.terminate()
            try:
                self.tansu.wait(10)
            except subprocess.TimeoutExpired:
                self.tansu.kill()
        self.pid_file.unlink(missing_ok=True)


def down(settings: Settings) -> int:
    """Stop a stack that ``remedy up`` started in another terminal."""
    pid_file = Path(settings.data_dir).resolve() / "stack.json"
    if not pid_file.exists():
        print("nothing to stop: no stack.json in", pid_file.parent)
        return 0
    info = json.loads(pid_file.read_text())
    for pgid in info["pgids"]:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    time.sleep(3)
    for pid in [*info["pgids"], info["tansu"]]:
        try:
            os.kill(pid, signal.SIGKILL if pid != info["tansu"] else signal.SIGTERM)
        except ProcessLookupError:
            pass
    pid_file.unlink(missing_ok=True)
    print("stopped")
    return 0
