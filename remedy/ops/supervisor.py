"""Supervising service workers: ``Supervisor`` restarts the processes it watches when they exit or are
killed, after an exponential back-off (``Backoff``), and reports a process that keeps dying without
stopping the others."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from remedy.contract.i18n import DEFAULT
from remedy.ops.procs import ServiceProcess, describe_exit
from remedy.ops.terminal import text


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
    lang: str = DEFAULT   # of its lines (on the terminal, in logs/supervisor.log and the worker's own log)
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
            how = describe_exit(proc.proc.returncode, self.lang)
            self.restarts.append(Restart(proc.name, how, delay, now))
            in_a_row = self._say("supervisor.in_a_row", count=w.backoff.failures) if w.backoff.failures > 1 else ""
            line = self._say("supervisor.restarting", name=proc.name, how=how, ran=f"{ran_for:.1f}", delay=f"{delay:g}",
                             in_a_row=in_a_row)
            self.report(line)
            proc.note(f"[supervisor] {line}")
            if w.backoff.failures == KEEPS_DYING:
                self.report(self._say("supervisor.keeps_dying", name=proc.name, count=KEEPS_DYING, cap=f"{w.backoff.cap:g}")
                            + proc.tail(15))
        elif w.state == "waiting" and now >= w.due:
            try:
                proc.start()
            except OSError as exc:
                w.backoff.next_delay(0.0)
                w.due = now + min(w.backoff.cap, w.backoff.first * w.backoff.factor ** w.backoff.failures)
                self.report(self._say("supervisor.cannot_start", name=proc.name, why=exc, delay=f"{w.due - now:g}"))
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
            self.report(self._say("supervisor.back", name=proc.name, seconds=f"{back:.1f}"))

    def _say(self, key: str, **values) -> str:
        return text(key, self.lang, **values)


# ---------------------------------------------------------------- one instance under systemd
