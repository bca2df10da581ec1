"""The local stack's supervisor on a real Tansu: intake and two triage instances run under ``Stack``
(``scale={"triage": 2}``); while defaults stream in, triage-2 is SIGKILLed. The supervisor restarts
it after a 1 s back-off, with a log line; it is consuming again within 30 s (measured and printed:
run with ``-s`` to see the figure); triage-1 runs on untouched; and every default is triaged once.

One run (~35 s) feeds every test of the module."""
from __future__ import annotations

import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import pytest

from remedy.contract.topics import load_registry
from remedy.ops.supervisor import Restart
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack
from remedy.runtime.broker import free_port, port_open, provision, start_tansu
from remedy.runtime.partitioner import murmur2
from remedy.runtime.publish import Publisher
from sim.defaults import batch, utc
from tests.conftest import read_topic

pytestmark = [pytest.mark.broker, pytest.mark.xdist_group("supervision")]  # the module's fixture runs once, on one test worker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_LAG_SAMPLE_SECONDS": "1"}
WAVE = 40            # defaults per wave, a wave every 0.25 s while the stream runs
BACK_WITHIN = 30.0   # seconds from SIGKILL to consuming again (the target)


def handled(port: int) -> float:
    """case.events inputs triage has handled since it started (0 while its port does not answer)."""
    try:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("remedy_triage_case_events_total{"))


def spaced_port() -> int:
    """A free port whose +100 (instance 2's) is free too."""
    while True:
        port = free_port()
        if port + 100 < 65536 and not port_open("127.0.0.1", port + 100):
            return port


@dataclass
class Run:
    names: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    restarts: list[Restart] = field(default_factory=list)
    up: float = 0.0
    consuming: float | None = None       # seconds from the kill until triage-2 handled input again
    survivor_untouched: bool = False
    published: int = 0
    events: list[dict] = field(default_factory=list)
    all_stopped: bool = False
    pid_file_left: bool = True
    tail: str = ""


@pytest.fixture(scope="module")
def run(tmp_path_factory, codec) -> Run:
    tmp = tmp_path_factory.mktemp("supervision")
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp / "tansu.log"))
    broker = f"127.0.0.1:{port}"
    out = Run()
    try:
        provision(broker)
        platform = PlatformSettings.from_env({
            "REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp / "data"),
            "REMEDY_INTAKE_PORT": str(free_port()), "REMEDY_TRIAGE_PORT": str(spaced_port())})
        stack = Stack(platform, CLOCK, scale={"triage": 2}, services=("triage", "intake"), broker=False, peers=False,
                      report=out.said.append)
        out.names = [p.name for p in stack.processes()]
        started = time.monotonic()
        stack.start(progress=lambda line: None)
        out.up = time.monotonic() - started
        try:
            stream(stack, Publisher(broker, codec), out)
            out.events = read_until_decided(broker, codec, out.published)
        finally:
            out.tail = next(p for p in stack.procs if p.name == "triage-2").tail()
            out.restarts = list(stack.supervisor.restarts)
            stack.stop()
        out.all_stopped = all(p.proc.poll() is not None for p in stack.procs)
        out.pid_file_left = stack.pid_file.exists()
    finally:
        tansu.kill()
        tansu.wait(10)
    back = out.restarts[0].back_after if out.restarts else None
    print(f"\n[supervision] stack up in {out.up:.1f} s; triage-2 SIGKILLed mid-stream; restarted after a "
          f"{out.restarts[0].delay if out.restarts else '?'} s back-off; ready again {back and round(back, 1)} s and "
          f"consuming again {out.consuming and round(out.consuming, 1)} s after the kill; {out.published} defaults")
    return out


def read_until_decided(broker: str, codec, published: int, timeout: float = 120) -> list[dict]:
    """case.events once every opened case has a decision, or as it stands at ``timeout``. Counted by distinct
    case: a worker killed after its outputs left repeats them on restart, so the raw count reaches twice the
    cases before the last ones are decided (under load, the survivor may still be catching up)."""
    deadline = time.monotonic() + timeout
    while True:
        events = [e for _, e in read_topic(broker, "case.events", codec, until=2 * published, timeout=30, idle=2)]
        opened = {e["case_id"] for e in events if e["type"] == "CaseOpened"}
        decided = {e["case_id"] for e in events if e["type"] in ("CaseTriaged", "CaseRejected")}
        if (len(opened) >= published and opened <= decided) or time.monotonic() > deadline:
            return events
        time.sleep(2)


def stream(stack: Stack, pub: Publisher, out: Run) -> None:
    """Defaults in waves; SIGKILL triage-2 once it is busy; stop once it handles input again."""
    victim = next(p for p in stack.procs if p.name == "triage-2")
    survivor = next(p for p in stack.procs if p.name == "triage-1")
    survivor_pid, victim_pid = survivor.proc.pid, victim.proc.pid
    stop = threading.Event()

    def waves():
        k = 0
        while not stop.is_set():
            defaults, _ = batch("LENDER-S", f"S{k:03d}", WAVE, 0, NOW, seed=k, first_loan=k * WAVE)
            out.published += pub.publish_defaults(defaults)
            k += 1
            stop.wait(0.25)

    publisher = threading.Thread(target=waves, daemon=True)
    publisher.start()
    try:
        deadline = time.monotonic() + 60
        while handled(victim.port) < 50 and time.monotonic() < deadline:   # mid-stream: it is at work
            time.sleep(0.2)
        assert handled(victim.port) >= 50, "triage-2 never got work"
        victim.kill()                                   # SIGKILL to its process group
        killed = time.monotonic()
        while time.monotonic() - killed < BACK_WITHIN + 15:
            if victim.proc.pid != victim_pid and handled(victim.port) > 0:
                out.consuming = time.monotonic() - killed
                break
            time.sleep(0.2)
    finally:
        stop.set()
        publisher.join(10)
        pub.close()
    out.survivor_untouched = survivor.proc.pid == survivor_pid and survivor.proc.poll() is None


def test_instances_are_named_numbered_and_started_in_order(run):
    assert run.names == ["triage-1", "triage-2", "intake-1"]


def test_a_sigkilled_instance_is_restarted_after_a_back_off_with_one_line_and_the_others_run_on(run):
    restarts = [line for line in run.said if "秒后重启" in line]   # the stack speaks Chinese: no language chosen
    assert len(restarts) == 1, run.said
    assert restarts[0].startswith("监管：triage-2 运行 ") and restarts[0].endswith("秒后被 SIGKILL 信号终止；1 秒后重启"), restarts
    assert [(r.name, r.exit, r.delay) for r in run.restarts] == [("triage-2", "被 SIGKILL 信号终止", 1.0)]
    assert run.survivor_untouched, "triage-1 ran on: same process, never restarted"
    assert any(line.startswith("监管：triage-2 已恢复") for line in run.said), run.said


def test_the_restarted_instance_is_consuming_again_within_30_s(run):
    assert run.consuming is not None and run.consuming <= BACK_WITHIN, \
        f"triage-2 not consuming {BACK_WITHIN:.0f} s after the kill ({run.consuming}):\n{run.tail}"


def test_every_default_is_triaged_exactly_once_across_the_kill(run):
    """Exactly one decision per case. A worker killed after its outputs left but before its state did repeats
    them on restart: the same record, with the same event id (ids are derived from the input), which every
    consumer takes once. Two different decisions for one case would be a defect."""
    opened = Counter(e["case_id"] for e in run.events if e["type"] == "CaseOpened")
    decisions = {(e["case_id"], e["event_id"]) for e in run.events if e["type"] in ("CaseTriaged", "CaseRejected")}
    decided = Counter(case for case, _ in decisions)
    assert len(opened) == run.published, "intake opened every default"
    missing = set(opened) - set(decided)
    n = load_registry()["case.events"].partitions
    where = Counter((murmur2(case.encode()) & 0x7FFFFFFF) % n for case in missing)
    assert not missing, (f"{len(missing)} of {len(opened)} cases never triaged; by case.events partition: "
                         f"{dict(sorted(where.items()))}; {len(run.events)} case events read; {run.said}")
    twice = {case: n for case, n in decided.items() if n > 1}
    assert not twice, f"{len(twice)} cases got two different decisions"


def test_stopping_the_stack_ends_every_instance_and_removes_the_pid_file(run):
    assert run.all_stopped and not run.pid_file_left
