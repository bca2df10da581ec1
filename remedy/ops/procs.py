"""Starting, stopping and supervising service workers as child processes (tests, benchmarks, ``remedy up``).

A service can run as several *instances*: a stage service (and analytics' sink) in its consumer group,
gateways side by side. Instance ``n`` of ``triage`` is named ``triage-n``, serves HTTP on
``REMEDY_TRIAGE_PORT + 100 * (n - 1)`` and keeps its local state in ``$REMEDY_DATA_DIR/triage-n``
(``instance_env``). ``remedy up`` and the systemd unit
``remedy-worker@.service`` (``python -m remedy.ops.procs triage-2``) follow the same convention.

``remedy.ops.supervisor`` restarts the processes it watches when they exit or are killed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

from remedy.contract.i18n import DEFAULT
from remedy.kernel.settings import REPO_ROOT
from remedy.ops.priority import nice_session, niced
from remedy.ops.terminal import text
from remedy.runtime.stall import STUCK_EXIT

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


def instance_env(service: str, n: int, base_port: int, data_dir: str | Path,
                 env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What sets instance ``n`` of ``service`` apart from the others: its HTTP port and its data dir
    (under ``data_dir``, the shared one); notify's instances share one letter box (``<data_dir>/letters``).
    ``env`` is the environment the instance starts from.

    A gateway's instances share one keys file, so an API key, a court's signature and the dev keys are
    the same on every one: ``REMEDY_GATEWAY_KEYS`` if set, else the shared data dir's
    ``gateway/keys.json`` (not the instance's own). Each keeps its own read model: under its own data
    dir, or ``<REMEDY_GATEWAY_READ_MODEL_DIR>/gateway-<n>`` when that is set for all. With SASL, every
    instance of a service is the service's Kafka principal (``REMEDY_KAFKA_USERNAME``, unless set)."""
    out = {f"REMEDY_{service.upper()}_PORT": str(instance_port(base_port, n)),
           "REMEDY_DATA_DIR": str(Path(data_dir) / instance_name(service, n))}
    if (env or {}).get("REMEDY_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper().startswith("SASL"):
        out["REMEDY_KAFKA_USERNAME"] = (env or {}).get("REMEDY_KAFKA_USERNAME") or service
    if service == "notify":   # one letter box for all instances: a letter sent again is still one letter
        out["REMEDY_NOTIFY_LETTERS_DIR"] = (env or {}).get("REMEDY_NOTIFY_LETTERS_DIR") or str(Path(data_dir) / "letters")
    if service == "gateway":
        from services.gateway.keys import shared_keys_path

        env = env or {}
        out["REMEDY_GATEWAY_KEYS"] = env.get("REMEDY_GATEWAY_KEYS") or str(shared_keys_path(data_dir))
        if env.get("REMEDY_GATEWAY_READ_MODEL_DIR"):
            out["REMEDY_GATEWAY_READ_MODEL_DIR"] = str(Path(env["REMEDY_GATEWAY_READ_MODEL_DIR"]) / instance_name(service, n))
    return out


def describe_exit(returncode: int | None, lang: str = DEFAULT) -> str:
    """How a process ended, in ``lang``: ``was killed by SIGKILL`` / ``被 SIGKILL 信号终止``."""
    if returncode is None:
        return text("exit.running", lang)
    if returncode < 0:
        try:
            return text("exit.killed", lang, signal=signal.Signals(-returncode).name)
        except ValueError:
            return text("exit.signal", lang, signal=-returncode)
    if returncode == STUCK_EXIT:
        return text("exit.stuck", lang, code=returncode)
    return text("exit.code", lang, code=returncode)


# ---------------------------------------------------------------- one process

class ServiceProcess:
    """``python -m services.<name>`` with the given REMEDY_* environment, logging to a file.

    ``name`` names the log file (``<log_dir>/<name>.log``); ``service`` is the service it runs (the
    name unless given: ``ServiceProcess("triage-2", env, logs, module="services.triage", service="triage")``).
    ``lang``: the language it says why it failed in (the stack sets its own)."""

    lang = DEFAULT

    def __init__(self, name: str, env: dict[str, str], log_dir: str | Path, module: str | None = None,
                 args: tuple[str, ...] = (), service: str | None = None, root: Path = REPO_ROOT):
        self.name, self.module, self.args = name, module or f"services.{name}", args
        self.service, self.root = service or name, Path(root)   # root: the checkout it runs (bench_triage_ab: another)
        self.env = {**os.environ, "PYTHONPATH": str(self.root), "REMEDY_LOG_LEVEL": "info", **env}
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.nice = 0          # its niceness (``remedy.ops.priority``), kept across restarts
        self.started_at = 0.0
        self._scan = 0

    def start(self) -> "ServiceProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if getattr(self, "_log", None) is not None:
            self._log.close()
        self._log = open(self.log_path, "ab")
        self._offset = self._scan = self.log_path.stat().st_size
        self.proc = subprocess.Popen(niced([sys.executable, "-m", self.module, *self.args], self.nice), env=self.env,
                                     cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        nice_session(self.proc.pid, self.nice)   # its own session: the autogroup is the worker's alone
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
                raise ServiceFailed(text("proc.failed", self.lang, name=self.name, how=describe_exit(self.proc.returncode, self.lang),
                                         tail=self.tail()))
            if self.ready():
                return self
            time.sleep(0.2)
        raise ServiceFailed(text("proc.not_ready", self.lang, name=self.name, seconds=f"{timeout:.0f}", tail=self.tail()))

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
    data_dir = Path(platform.shared.data_dir).resolve()
    env = {**os.environ, **instance_env(service, n, platform.port_for(service), data_dir, os.environ)}
    if service == "analytics" and n > 1:
        from remedy.ops.scale import embedded
        from services.analytics.settings import AnalyticsSettings

        url = AnalyticsSettings.from_env(env).clickhouse_url
        if embedded(url):
            sys.exit(f"{argv[0]}: a second analytics instance needs a ClickHouse server (REMEDY_CLICKHOUSE_URL="
                     f"http(s)://...); {url} is the embedded chDB, which one process opens")
    os.execve(sys.executable, [sys.executable, "-m", f"services.{service}"], env)


if __name__ == "__main__":
    main()
