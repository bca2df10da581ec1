"""``remedy up --nice``: which services yield the CPU. Parsing and its refusals, the stack giving every instance
of a service its niceness, and a real worker running at it in every thread and in its session's autogroup, again
after a SIGKILL and restart."""
from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from remedy.ops.cli import build_parser
from remedy.ops.priority import PriorityError, niced, parse_nice
from remedy.ops.procs import ServiceProcess
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack
from remedy.ops.supervisor import Backoff, Supervisor

WORKER = """
import threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
print("[fake] Worker ready", flush=True)
time.sleep(60)
"""


def test_nice_parses_services_and_their_niceness():
    assert parse_nice("notify=10, webhooks=5,analytics=19") == {"notify": 10, "webhooks": 5, "analytics": 19}
    assert parse_nice("intake=0") == {"intake": 0}


@pytest.mark.parametrize("text, says", [
    ("notify", "write SERVICE=N"),
    ("notify=", "write SERVICE=N"),
    ("=3", "write SERVICE=N"),
    ("notify=high", "whole number from 0 to 19"),
    ("notify=-5", "from 0 (the default) to 19"),
    ("notify=20", "from 0 (the default) to 19"),
    ("notify=1,notify=2", "given twice"),
    ("sim=3", "'sim' is not a service"),
    ("", "no service named"),
])
def test_bad_nice_values_are_refused_with_a_clear_message(text, says):
    with pytest.raises(PriorityError) as err:
        parse_nice(text)
    assert says in str(err.value)


def test_the_cli_takes_nice_on_up_and_refuses_a_raised_priority(capsys):
    parser = build_parser("en")
    assert parser.parse_args(["up", "--nice", "notify=10,webhooks=10"]).nice == {"notify": 10, "webhooks": 10}
    assert parser.parse_args(["up"]).nice is None
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["up", "--nice", "triage=-1"])
    assert exit_.value.code == 2
    assert "argument --nice: triage=-1: the niceness must be from 0" in capsys.readouterr().err


def test_nice_prefixes_the_command_only_when_it_lowers_the_priority():
    assert niced(["python", "-m", "x"], 7) == ["nice", "-n", "7", "python", "-m", "x"]
    assert niced(["python", "-m", "x"], 0) == ["python", "-m", "x"]


def test_every_instance_of_a_niced_service_gets_its_niceness_and_the_others_none(tmp_path):
    stack = Stack(PlatformSettings.from_env({"REMEDY_DATA_DIR": str(tmp_path)}), scale={"notify": 2},
                  nice={"notify": 10, "analytics": 5})
    niceness = {p.name: p.nice for p in stack.processes()}
    assert niceness["notify-1"] == niceness["notify-2"] == 10 and niceness["analytics"] == 5
    assert niceness["triage-1"] == niceness["intake-1"] == niceness["peers"] == 0


def thread_niceness(pid: int) -> set[int]:
    """The niceness of every thread of ``pid`` (field 19 of /proc/<pid>/task/<tid>/stat)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        found.add(int(stat.rsplit(")", 1)[1].split()[16]))
    return found


def autogroup_niceness(pid: int) -> int | None:
    """The niceness of ``pid``'s autogroup ("/autogroup-123 nice 7"); None without autogroup scheduling, or where
    the file says no niceness (a sandboxed kernel such as gVisor has the file, empty)."""
    try:
        if Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1":
            return None
        said = re.search(r"\bnice (-?\d+)", Path(f"/proc/{pid}/autogroup").read_text())
    except OSError:
        return None
    return int(said.group(1)) if said else None


def test_a_niced_worker_runs_at_its_niceness_in_every_thread_and_again_after_a_restart(tmp_path):
    (tmp_path / "fakeworker.py").write_text(WORKER)
    proc = ServiceProcess("fake-1", {"PYTHONPATH": str(tmp_path)}, tmp_path / "logs", module="fakeworker")
    proc.nice = 7
    base, own_group = os.getpriority(os.PRIO_PROCESS, 0), autogroup_niceness(os.getpid())
    sup = Supervisor(report=lambda line: None, backoff=lambda: Backoff(first=0.1), poll=0.05, lang="en")
    try:
        proc.start().wait_ready(20)
        first = proc.proc.pid
        assert thread_niceness(first) == {min(19, base + 7)} and len(list(Path(f"/proc/{first}/task").iterdir())) == 2
        assert autogroup_niceness(first) in (None, 7), "with autogroup scheduling, its session's group yields too"
        assert autogroup_niceness(os.getpid()) == own_group, "the launcher's own group is left alone"
        sup.watch(proc)
        sup.start()
        os.killpg(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while (proc.proc.pid == first or not proc.ready()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.proc.pid != first, "restarted"
        assert thread_niceness(proc.proc.pid) == {min(19, base + 7)}, "the restarted worker runs at the same niceness"
        assert autogroup_niceness(proc.proc.pid) in (None, 7)
    finally:
        sup.stop()
        proc.stop(timeout=5)
