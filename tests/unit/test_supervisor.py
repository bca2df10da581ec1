"""The local stack's supervision and scaling, without a broker: the back-off schedule, what the
supervisor does when a process dies (fake processes on a fake clock, then one real process killed
with SIGKILL), ``--scale`` parsing, instance names, ports and data dirs, and the pacer summing
instances."""
from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from remedy.ops.procs import ServiceProcess, describe_exit, instance_env, instance_port, parse_instance
from remedy.runtime.stall import STUCK_EXIT
from remedy.ops.supervisor import KEEPS_DYING, Backoff, Supervisor
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import (SCALABLE, SERVICES, ScaleError, Stack, StackError, check_ports, down, parse_scale,
                              ports_needed, scale_limits)

# ---------------------------------------------------------------- back-off


def test_back_off_doubles_from_one_second_to_a_30_second_cap():
    b = Backoff()
    assert [b.next_delay(0.5) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert b.failures == 8


def test_back_off_starts_again_after_a_healthy_run_and_not_after_a_short_one():
    b = Backoff(healthy_after=60)
    assert [b.next_delay(5) for _ in range(3)] == [1, 2, 4]
    assert b.next_delay(59) == 8            # not long enough to count as healthy
    assert b.next_delay(60) == 1            # ran a minute: a fresh start
    assert b.next_delay(1) == 2


def test_exit_descriptions_name_the_signal_or_the_code_in_chinese_or_english():
    assert describe_exit(-signal.SIGKILL) == "被 SIGKILL 信号终止" and describe_exit(1) == "已退出，退出码 1"
    assert describe_exit(-signal.SIGKILL, "en") == "was killed by SIGKILL"
    assert describe_exit(-signal.SIGSEGV, "en") == "was killed by SIGSEGV"
    assert describe_exit(1, "en") == "exited with code 1"
    assert describe_exit(0, "en") == "exited with code 0"
    assert describe_exit(STUCK_EXIT, "en") == "ended itself as stuck (code 75: not ready and no progress)"
    assert "停滞" in describe_exit(STUCK_EXIT)


# ---------------------------------------------------------------- the supervisor, on fake processes

class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


PIDS = itertools.count(100)


class FakePopen:
    def __init__(self):
        self.pid, self.returncode = next(PIDS), None

    def poll(self):
        return self.returncode


class FakeProc:
    def __init__(self, name: str, clock: Clock):
        self.name = self.service = name
        self.clock, self.proc, self.started_at = clock, FakePopen(), clock()
        self.starts, self.is_ready, self.notes = 0, True, []

    def start(self):
        self.proc, self.started_at, self.is_ready = FakePopen(), self.clock(), False
        self.starts += 1
        return self

    def ready(self):
        return self.is_ready

    def note(self, line):
        self.notes.append(line)

    def tail(self, lines=30):
        return "Traceback: the last words"


def supervised(*names, lang="en"):
    clock, said, restarted = Clock(), [], []
    sup = Supervisor(report=said.append, clock=clock, on_restart=lambda p: restarted.append(p.name), lang=lang)
    procs = {name: FakeProc(name, clock) for name in names}
    for proc in procs.values():
        sup.watch(proc)
    return sup, clock, procs, said, restarted


def test_a_dead_process_is_restarted_after_its_back_off_with_one_line_and_reported_back_when_ready():
    sup, clock, procs, said, restarted = supervised("triage-1", "triage-2")
    sup.tick()
    assert said == [] and sup.settling() == []
    clock.t += 42
    procs["triage-2"].proc.returncode = -signal.SIGKILL
    sup.tick()
    assert said == ["supervisor: triage-2 was killed by SIGKILL after 42.0 s; restarting it in 1 s"]
    assert procs["triage-2"].notes == ["[supervisor] " + said[0]], "the line is in the worker's own log too"
    assert [p.name for p in sup.settling()] == ["triage-2"]
    clock.t += 0.5
    sup.tick()
    assert procs["triage-2"].starts == 0, "not before the back-off is over"
    clock.t += 0.5
    sup.tick()
    assert procs["triage-2"].starts == 1 and restarted == ["triage-2"] and procs["triage-1"].starts == 0
    clock.t += 7
    sup.tick()
    assert len(said) == 1, "starting, not ready yet"
    procs["triage-2"].is_ready = True
    sup.tick()
    assert said[1] == "supervisor: triage-2 is back (ready 8.0 s after it died)"
    assert sup.settling() == [] and sup.restarts[0].back_after == 8.0


def test_the_supervisor_speaks_chinese_unless_told_otherwise():
    sup, clock, procs, said, _ = supervised("triage-2", lang="zh")
    for _ in range(2):
        clock.t += 42
        procs["triage-2"].proc.returncode = -signal.SIGKILL
        sup.tick()
        clock.t += 30
        sup.tick()
    procs["triage-2"].is_ready = True
    sup.tick()
    assert said == ["监管：triage-2 运行 42.0 秒后被 SIGKILL 信号终止；1 秒后重启",
                    "监管：triage-2 运行 42.0 秒后被 SIGKILL 信号终止；2 秒后重启（已连续退出 2 次）",
                    "监管：triage-2 已恢复（退出后 30.0 秒就绪）"]


def test_a_process_that_keeps_dying_is_reported_and_still_restarted_while_the_others_run_on():
    sup, clock, procs, said, _ = supervised("notify-1", "intake-1")
    delays = []
    for _ in range(KEEPS_DYING + 2):
        procs["notify-1"].proc.returncode = 1
        sup.tick()
        delays.append(sup.restarts[-1].delay)
        clock.t += delays[-1]
        sup.tick()                                   # restarted
        clock.t += 0.2                               # and dies again at once
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert procs["notify-1"].starts == KEEPS_DYING + 2 and procs["intake-1"].starts == 0
    keeps = [line for line in said if "keeps dying" in line]
    assert len(keeps) == 1 and keeps[0].startswith("supervisor: notify-1 keeps dying (5 times in a row")
    assert "the last words" in keeps[0]
    assert "exited with code 1" in said[-1] and "7 deaths in a row" in said[-1]
    assert sup.failing() == ["notify-1"]


def test_a_healthy_run_resets_the_back_off():
    sup, clock, procs, said, _ = supervised("repair-1")
    for _ in range(3):
        procs["repair-1"].proc.returncode = 1
        sup.tick()
        clock.t += 10
        sup.tick()
    procs["repair-1"].is_ready = True
    sup.tick()
    clock.t += 120                                   # ran two minutes, then died
    procs["repair-1"].proc.returncode = -signal.SIGTERM
    sup.tick()
    assert said[-1].endswith("restarting it in 1 s") and "SIGTERM" in said[-1]


def test_forgotten_or_stopped_processes_are_not_restarted():
    sup, clock, procs, said, _ = supervised("mediation-1", "analytics")
    sup.forget(["mediation-1"])
    procs["mediation-1"].proc.returncode = 0
    sup.tick()
    assert said == [] and not sup.watching("mediation-1")
    sup.stop()
    procs["analytics"].proc.returncode = 1
    sup.tick()
    assert said == [] and procs["analytics"].starts == 0


# ---------------------------------------------------------------- the supervisor, on a real process

WORKER = """
import sys, time
print("[fake] Worker ready", flush=True)
time.sleep(60)
"""


def test_a_real_worker_killed_with_sigkill_is_restarted_in_its_own_process_group(tmp_path):
    (tmp_path / "fakeworker.py").write_text(WORKER)
    proc = ServiceProcess("fake-1", {"PYTHONPATH": str(tmp_path)}, tmp_path / "logs", module="fakeworker").start()
    said: list[str] = []
    sup = Supervisor(report=said.append, backoff=lambda: Backoff(first=0.1), poll=0.05, lang="en")
    try:
        proc.wait_ready(20)
        sup.watch(proc)
        sup.start()
        first = proc.proc.pid
        os.killpg(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while not any("is back" in line for line in said) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert said[0].startswith("supervisor: fake-1 was killed by SIGKILL after ")
        assert said[0].endswith("restarting it in 0.1 s")
        assert said[1].startswith("supervisor: fake-1 is back (ready ")
        assert proc.proc.pid != first and proc.proc.poll() is None
        assert os.getpgid(proc.proc.pid) == proc.proc.pid, "each worker leads its own process group"
        log = proc.log_path.read_text()
        assert log.count("Worker ready") == 2 and "[supervisor] supervisor: fake-1 was killed by SIGKILL" in log
    finally:
        sup.stop()
        proc.stop(timeout=5)
    assert proc.proc.poll() is not None


# ---------------------------------------------------------------- --scale

LIMITS = {"triage": 4, "notify": 4, "mediation": 4, "intake": 4}


def test_scale_parses_service_counts():
    assert parse_scale("triage=3,notify=2", LIMITS) == {"triage": 3, "notify": 2}
    assert parse_scale(" triage = 2 , ", LIMITS) == {"triage": 2}
    assert parse_scale("intake=1", LIMITS) == {"intake": 1}


@pytest.mark.parametrize("text, says", [
    ("triage", "write SERVICE=N"),
    ("triage=", "write SERVICE=N"),
    ("=3", "write SERVICE=N"),
    ("triage=two", "whole number"),
    ("triage=1.5", "whole number"),
    ("triage=0", "at least 1"),
    ("triage=-2", "at least 1"),
    ("triage=5", "at most triage=4"),
    ("triage=2,triage=3", "given twice"),
    ("analytics=2", "analytics runs one instance"),
    ("sim=2", "'sim' is not a service"),
    ("Triage=2", "is not a service"),
    ("", "nothing to scale"),
    (",", "nothing to scale"),
])
def test_bad_scale_values_are_rejected_with_a_clear_message(text, says):
    with pytest.raises(ScaleError) as err:
        parse_scale(text, LIMITS)
    assert says in str(err.value)


def test_scale_limits_come_from_the_topics_each_service_reads():
    limits = scale_limits()
    assert set(limits) == set(SCALABLE) == set(SERVICES), "every service has a limit: none is held to one instance"
    assert limits["triage"] == 4 and all(n >= 1 for n in limits.values())


def test_the_cli_takes_scale_on_up_and_run_and_rejects_bad_values(capsys):
    from remedy.ops.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["up", "--scale", "triage=3,notify=2"]).scale == {"triage": 3, "notify": 2}
    assert parser.parse_args(["run", "--scale", "intake=2", "--no-wait"]).scale == {"intake": 2}
    assert parser.parse_args(["up"]).scale is None
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["up", "--scale", "gateway=9"])
    assert exit_.value.code == 2
    assert "argument --scale: gateway=9: at most gateway=8" in capsys.readouterr().err


# ---------------------------------------------------------------- instances: names, ports, data dirs

def test_instance_names_ports_and_data_dirs():
    assert parse_instance("triage-2") == ("triage", 2)
    assert parse_instance("some-service-10") == ("some-service", 10)
    for bad in ("triage", "triage-0", "triage-x", "-2", "triage-"):
        with pytest.raises(ValueError):
            parse_instance(bad)
    assert [instance_port(6102, n) for n in (1, 2, 3)] == [6102, 6202, 6302]
    assert instance_env("triage", 3, 6102, "/var/lib/remedy") == {
        "REMEDY_TRIAGE_PORT": "6302", "REMEDY_DATA_DIR": str(Path("/var/lib/remedy") / "triage-3")}


def platform(tmp_path, **env) -> PlatformSettings:
    return PlatformSettings.from_env({"REMEDY_DATA_DIR": str(tmp_path), **env})


def test_the_stack_runs_each_instance_on_its_own_port_data_dir_and_log(tmp_path):
    stack = Stack(platform(tmp_path), scale={"triage": 3, "notify": 2})
    procs = {p.name: p for p in stack.processes()}
    assert list(procs) == ["peers", "analytics", "triage-1", "triage-2", "triage-3", "mediation-1", "enforcement-1",
                           "repair-1", "objections-1", "notify-1", "notify-2", "webhooks-1", "gateway", "intake-1"]
    t3 = procs["triage-3"]
    assert (t3.module, t3.service, t3.port) == ("services.triage", "triage", 6302)
    assert t3.env["REMEDY_TRIAGE_PORT"] == "6302" and t3.env["REMEDY_DATA_DIR"] == str(tmp_path / "triage-3")
    assert t3.log_path == tmp_path / "logs" / "triage-3.log"
    assert procs["analytics"].env["REMEDY_DATA_DIR"] == str(tmp_path), "single-instance services keep the data dir"
    assert stack.ports_of("triage") == [6102, 6202, 6302] and stack.ports_of("intake") == [6101]
    assert stack.ports_of("analytics") == [6108]
    ports = ports_needed(stack.platform, stack.scale)
    assert ports["notify-2"] == 6205 and ports["gateway"] == 8080 and ports["broker"] == 9092


def test_scaling_a_single_instance_service_in_code_is_refused(tmp_path):
    with pytest.raises((StackError, ValueError), match="embedded chDB"):
        Stack(platform(tmp_path), scale={"analytics": 2})


def test_clashing_or_impossible_ports_are_named(tmp_path):
    p = platform(tmp_path, REMEDY_TRIAGE_PORT="6101", REMEDY_INTAKE_PORT="6201")
    with pytest.raises(StackError, match="端口冲突：(intake-1 与 triage-2|triage-2 与 intake-1) 都使用 6201"):
        check_ports(ports_needed(p, {"triage": 2}))
    with pytest.raises(StackError, match="intake-1 and triage-2 both on 6201|triage-2 and intake-1 both on 6201"):
        check_ports(ports_needed(p, {"triage": 2}), "en")
    with pytest.raises(StackError, match="triage-2 65600（不是有效端口）"):
        check_ports({"triage-2": 65600})


def test_down_with_a_stale_pid_file_cleans_up(tmp_path, capsys):
    from remedy.kernel.settings import Settings

    dead = ServiceProcess("gone", {}, tmp_path, module="this").start()
    dead.proc.wait()
    (tmp_path / "stack.json").write_text(json.dumps({"supervisor": dead.proc.pid, "tansu": None,
                                                     "pgids": [dead.proc.pid], "workers": {}}))
    assert down(Settings(data_dir=str(tmp_path)), timeout=2) == 0
    assert not (tmp_path / "stack.json").exists() and capsys.readouterr().out == "已停止\n"
    assert down(Settings(data_dir=str(tmp_path), lang="en"), timeout=2) == 0
    assert capsys.readouterr().out.startswith("nothing to stop: no stack.json in")


# ---------------------------------------------------------------- the pacer reads every instance

def test_the_pacer_sums_what_every_instance_of_a_group_reports(tmp_path):
    from remedy.ops.pacing import ServiceLag

    def worker(waiting: dict):
        class Page(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(json.dumps(waiting).encode())

            def log_message(self, *args):
                pass
        server = HTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    a = worker({"case.events": 10, "triage.by-debtor": 5, "triage-cases-changelog": 999})
    b = worker({"case.events": 7, "triage.by-debtor": 0})
    try:
        lag = ServiceLag({"triage": [a.server_port, b.server_port], "intake": a.server_port},
                         {"triage": ["case.events", "triage.by-debtor"], "intake": ["case.events"]},
                         "remedy-sim", str(tmp_path / "none"))
        assert lag.per_group() == {"triage": 22, "intake": 10}
    finally:
        a.shutdown()
        b.shutdown()

