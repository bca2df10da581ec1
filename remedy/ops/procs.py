"""Starting and stopping service workers as child processes (tests, benchmarks, ``remedy up``)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from remedy.kernel.settings import REPO_ROOT

READY_MARK = "Worker ready"


class ServiceFailed(RuntimeError):
    pass


class ServiceProcess:
    """``python -m services.<name>`` with the given REMEDY_* environment, logging to a file."""

    def __init__(self, name: str, env: dict[str, str], log_dir: str | Path, module: str | None = None,
                 args: tuple[str, ...] = ()):
        self.name, self.module, self.args = name, module or f"services.{name}", args
        self.env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "REMEDY_LOG_LEVEL": "info", **env}
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ServiceProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self._offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen([sys.executable, "-m", self.module, *self.args], env=self.env, cwd=REPO_ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 90.0) -> "ServiceProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceFailed(f"{self.name} exited with code {self.proc.returncode}; last log lines:\n{self.tail()}")
            with open(self.log_path, "rb") as fh:
                fh.seek(self._offset)
                if READY_MARK.encode() in fh.read():
                    return self
            time.sleep(0.2)
        raise ServiceFailed(f"{self.name} not ready after {timeout:.0f}s; last log lines:\n{self.tail()}")

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
        if hasattr(proc, "_log"):
            proc._log.close()
