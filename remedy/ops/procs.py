"""Starting, stopping and supervising service workers as child processes (tests, benchmarks, ``remedy up``).

A stage service can run as several *instances* in its consumer group. Instance ``n`` of ``triage``
is named ``triage-n``, serves HTTP on ``REMEDY_TRIAGE_PORT + 100 * (n - 1)`` and keeps its local
state in ``$REMEDY_DATA_DIR/triage-n`` (``instance_env``). ``remedy up`` and the systemd unit
``remedy-worker@.service`` (``python -m remedy.ops.procs triage-2``) follow the same convention.

``Supervisor`` restarts the processes it watches when they exit or are killed, after an exponential
back-off (``Backoff``), and reports a process that keeps dying without stopping the others.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from remedy.kernel.settings import REPO_ROOT

READY_MARK = "Worker ready"
PORT_STRIDE = 100   # instance n of a service serves on its port + PORT_STRIDE * (n - 1)


class ServiceFailed(RuntimeError):
    pass


# ---------------------------------------------------------------- instances

def instance_name(service: str, n: int) -> str:
    return f"{service}-{n}"


def parse_instance(name: str) -> tuple[str, int]:
    """``"triage-2"`` → ``("triage", 2)``."""
    service, sep, n = name.rpartition("-")
    if not sep or not service or not n.isdigit() or int(n) < 1:
        raise ValueError(f"{name!r} is not an instance name <service>-<n> such as triage-2 (n from 1)")
    return service, int(n)


def instance_port(base: int, n: int) -> int:
    return base + PORT_STRIDE * (n - 1)


def instance_env(service: str, n: int, base_port: int, data_dir: str | Path) -> dict[str, str]:
    """What sets instance ``n`` of ``service`` apart from the others: its HTTP port and its data dir."""
    return {f"REMEDY_{service.upper()}_PORT": str(instance_port(base_port, n)),
            "REMEDY_DATA_DIR": str(Path(data_dir) / instance_name(service, n))}


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "is running"
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


# ---------------------------------------------------------------- one process

class ServiceProcess:
    """``python -m services.<name>`` with the given REMEDY_* environment, logging to a file.

    ``name`` names the log file (``<log_dir>/<name>.log``); ``service`` is the service it runs (the
    name unless given: ``ServiceProcess("triage-2", env, logs, module="services.triage", service="triage")``)."""

    def __init__(self, name: str, env: dict[str, str], log_dir: str | Path, module: str | None = None,
                 args: tuple[str, ...] = (), service: str | None = None):
        self.name, self.module, self.args = name, module or f"services.{name}", args
        self.service = service or name
        self.env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "REMEDY_LOG_LEVEL": "info", **env}
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self._scan = 0

    def start(self) -> "ServiceProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if getattr(self, "_log", None) is not None:
            self._log.close()
        self._log = open(self.log_path, "ab")
        self._offset = self._scan = self.log_path.stat().st_size
        self.proc = subprocess.Popen([sys.executable, "-m", self.module, *self.args], env=self.env, cwd=REPO_ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def ready(self) -> bool:
        """Whether the process has logged ``READY_MARK`` since it was last started (reads only what is new)."""
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._scan)
                new = fh.read()
        except OSError:
            return False
        if READY_MARK.encode() in new:
            return True
        self._scan += max(0, len(new) - len(READY_MARK))   # the mark may straddle two reads
        return False

    def wait_ready(self, timeout: float = 90.0) -> "ServiceProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceFailed(f"{self.name} {describe_exit(self.proc.returncode)}; last log lines:\n{self.tail()}")
            if self.ready():
                return self
            time.sleep(0.2)
        raise ServiceFailed(f"{self.name} not ready after {timeout:.0f}s; last log lines:\n{self.tail()}")

    def note(self, line: str) -> None:
        """A line in the process's own log (the supervisor says why it restarted it)."""
        try:
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(line.rstrip("\n") + "\n")
        except OSError:
            pass

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def kill(self) -> None:
        """SIGKILL: the crash case."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 15.0) -> None:
        stop_all([self], timeout)

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def stop_all(procs: list[ServiceProcess], timeout: float = 15.0) -> None:
    """SIGTERM to every process at once, then SIGKILL what is still running after ``timeout``: a stack
    whose broker died stops in seconds, not one timeout per service."""
    for proc in procs:
        proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in procs:
        if proc.proc is None:
            continue
        try:
            proc.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
        if getattr(proc, "_log", None) is not None:
            proc._log.close()
            proc._log = None


# ---------------------------------------------------------------- supervision

@dataclass
class Backoff:
    """Seconds to wait before restarting a process that died: ``first``, doubling with each death in a
    row up to ``cap``; a process that ran ``healthy_after`` seconds before it died starts again from
    ``first``. ``failures`` counts the deaths in a row."""
    first: float = 1.0
    factor: float = 2.0
    cap: float = 30.0
    healthy_after: float = 60.0
    failures: int = 0

    def next_delay(self, ran_for: float) -> float:
        if ran_for >= self.healthy_after:
            self.failures = 0
        delay = min(self.cap, self.first * self.factor ** self.failures)
        self.failures += 1
        return delay


KEEPS_DYING = 5   # deaths in a row (none after a healthy run) before the supervisor reports a process as failing


@dataclass
class _Watch:
    proc: ServiceProcess
    backoff: Backoff
    state: str = "running"      # running → (dies) waiting → (back-off over) starting → (ready) running
    due: float = 0.0
    died_at: float = 0.0
    restarts: int = 0


@dataclass
class Restart:
    """One restart, for the record: which process, how it ended, the back-off, and how long it took
    from its death until it was ready again (``None`` until it is)."""
    name: str
    exit: str
    delay: float
    died_at: float
    back_after: float | None = None


@dataclass
class Supervisor:
    """Watches started processes from a thread and restarts each one that exits or is killed.

    Each restart is one ``report`` line (which process, how it ended, the back-off); a process whose
    log shows ``READY_MARK`` again is reported back with the time since it died. A process that dies
    ``KEEPS_DYING`` times in a row is reported as failing, with its last log lines, and is still
    restarted every ``Backoff.cap`` seconds; the others run on. ``stop()`` ends the supervision (the
    caller then stops the processes); ``forget()`` takes processes out of it before they are stopped."""
    report: Callable[[str], None] = print
    backoff: Callable[[], Backoff] = Backoff
    poll: float = 0.25
    on_restart: Callable[[ServiceProcess], None] = lambda proc: None
    clock: Callable[[], float] = time.monotonic
    restarts: list[Restart] = field(default_factory=list)

    def __post_init__(self):
        self._watched: dict[str, _Watch] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, proc: ServiceProcess) -> None:
        with self._lock:
            self._watched[proc.name] = _Watch(proc, self.backoff())

    def forget(self, names) -> None:
        with self._lock:
            for name in names:
                self._watched.pop(name, None)

    def watching(self, name: str) -> bool:
        return name in self._watched

    def settling(self) -> list[ServiceProcess]:
        """Processes that died and are not ready again yet."""
        with self._lock:
            return [w.proc for w in self._watched.values() if w.state != "running"]

    def failing(self) -> list[str]:
        with self._lock:
            return [name for name, w in self._watched.items() if w.backoff.failures >= KEEPS_DYING]

    def start(self) -> "Supervisor":
        def loop():
            while not self._stop.wait(self.poll):
                self.tick()
        self._stop.clear()
        self._thread = threading.Thread(target=loop, name="supervisor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:            # a tick in progress finishes; none starts a process after this
            self._watched.clear()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def tick(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            for w in list(self._watched.values()):
                self._step(w, self.clock())

    def _step(self, w: _Watch, now: float) -> None:
        proc = w.proc
        if w.state in ("running", "starting") and proc.proc is not None and proc.proc.poll() is not None:
            ran_for = now - proc.started_at
            delay = w.backoff.next_delay(ran_for)
            w.state, w.due, w.died_at = "waiting", now + delay, now
            how = describe_exit(proc.proc.returncode)
            self.restarts.append(Restart(proc.name, how, delay, now))
            in_a_row = f", {w.backoff.failures} deaths in a row" if w.backoff.failures > 1 else ""
            line = f"supervisor: {proc.name} {how} after {ran_for:.1f} s; restarting it in {delay:g} s{in_a_row}"
            self.report(line)
            proc.note(f"[supervisor] {line}")
            if w.backoff.failures == KEEPS_DYING:
                self.report(f"supervisor: {proc.name} keeps dying ({KEEPS_DYING} times in a row, none after a healthy "
                            f"run); still restarting it every {w.backoff.cap:g} s at most. Last log lines:\n"
                            + proc.tail(15))
        elif w.state == "waiting" and now >= w.due:
            try:
                proc.start()
            except OSError as exc:
                w.backoff.next_delay(0.0)
                w.due = now + min(w.backoff.cap, w.backoff.first * w.backoff.factor ** w.backoff.failures)
                self.report(f"supervisor: {proc.name} could not be started ({exc}); trying again in {w.due - now:g} s")
                return
            w.state, w.restarts = "starting", w.restarts + 1
            self.on_restart(proc)
        elif w.state == "starting" and proc.ready():
            w.state = "running"
            back = now - w.died_at
            for r in reversed(self.restarts):
                if r.name == proc.name:
                    r.back_after = back
                    break
            self.report(f"supervisor: {proc.name} is back (ready {back:.1f} s after it died)")


# ---------------------------------------------------------------- one instance under systemd

def main(argv: list[str] | None = None) -> None:
    """``python -m remedy.ops.procs triage-2``: run instance 2 of triage in the foreground (the process
    becomes the worker), with its port and data dir derived from the shared settings as ``remedy up``
    derives them. systemd's ``remedy-worker@.service`` runs it."""
    from remedy.ops.settings import PlatformSettings

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.exit("usage: python -m remedy.ops.procs <service>-<n>   (e.g. triage-2)")
    try:
        service, n = parse_instance(argv[0])
    except ValueError as exc:
        sys.exit(str(exc))
    if not (REPO_ROOT / "services" / service / "__main__.py").is_file():
        sys.exit(f"no service {service!r}: there is no services/{service}/__main__.py")
    platform = PlatformSettings.from_env()
    env = {**os.environ, **instance_env(service, n, platform.port_for(service), Path(platform.shared.data_dir).resolve())}
    os.execve(sys.executable, [sys.executable, "-m", f"services.{service}"], env)


if __name__ == "__main__":
    main()
