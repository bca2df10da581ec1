"""A worker without progress, on a real Tansu, under ``remedy up``'s supervisor (``REMEDY_STALL_SECONDS`` short):

- one whose table recovery can never finish ends itself, saying why, and the supervisor restarts it and says it
  was stuck. The stand-in for whatever stalls faust's recovery: changelog records faust cannot decode (keys that
  are not JSON), which its recovery loop logs as "Error in recovery" without counting them read, so it waits for
  them for ever;
- one working through a backlog as it arrives, for longer than that limit, neither ends itself nor logs faust's
  "Stream has not started processing" alarm, which it logged for every partition with records waiting once the
  limit had passed (the partitions' input times were never recorded: ``remedy.runtime.patches.nomonitor``), nor
  "Stream stopped processing, or is slow", which it logged when one take of all it had fetched held its other
  partitions up (``REMEDY_POLL_MAX_RECORDS``);
- one starting on a large backlog keeps serving every input meanwhile (``remedy_<service>_unserved_seconds``).
  faust's own alarm is left out there: each partition's first records wait behind what was fetched of the
  others (up to 1 MiB each), a delay that grows with the backlog's pace as the backlog does, so no fixed limit
  tells it apart on machines of every speed.
"""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from kafka import KafkaProducer

from remedy.ops.procs import describe_exit
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from remedy.runtime.stall import STUCK_EXIT
from sim.defaults import batch, utc
from tests.conftest import metric_value, wait_for_metric

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 30, 2)
STALL = 12         # seconds: above a worker's first join on Tansu (~5 s), well below the 180 s default
STALL_REJOIN = 25  # ... and above a join that waits for a killed member's 10 s session to end (up to ~18 s here)
ARRIVING = 40_000  # defaults for intake published while it works: ~40 s of work here
WAITING = 60_000   # defaults waiting before it starts: ~35 s


@pytest.fixture
def broker(tmp_path):
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp_path / "tansu.log"))
    try:
        provision(f"127.0.0.1:{port}")
        yield f"127.0.0.1:{port}"
    finally:
        tansu.kill()
        tansu.wait(10)


def stack_of(service: str, broker: str, tmp_path, said: list[str], stall: int, **extra: str) -> Stack:
    env = {"REMEDY_STALL_SECONDS": str(stall), "REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", **extra}
    platform = PlatformSettings.from_env({"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / "data"),
                                          f"REMEDY_{service.upper()}_PORT": str(free_port()), **env})
    return Stack(platform, env, services=(service,), broker=False, peers=False, report=said.append)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def test_a_worker_whose_recovery_cannot_finish_ends_itself_and_is_restarted_as_stuck(broker, tmp_path):
    said: list[str] = []
    stack = stack_of("triage", broker, tmp_path, said, STALL_REJOIN)
    try:
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        up = time.monotonic()
        while not ready(worker.port) and time.monotonic() - up < 30:   # its first lag sample
            time.sleep(0.5)
        assert ready(worker.port)

        producer = KafkaProducer(bootstrap_servers=broker)
        for k in range(3):                       # keys that are not JSON: faust cannot decode them
            producer.send("triage-cases-changelog", key=b"case-%d" % k, value=b"{}", partition=0)
        producer.flush()
        producer.close()
        worker.kill()            # SIGKILL: restarted after a 1 s back-off, it recovers its tables from the changelog

        deadline = time.monotonic() + 10 + STALL_REJOIN + 60
        stuck = describe_exit(STUCK_EXIT)
        while time.monotonic() < deadline and not any(r.exit == stuck for r in stack.supervisor.restarts):
            time.sleep(0.5)
        hows = [r.exit for r in stack.supervisor.restarts]
        assert hows[0] == describe_exit(-9) and stuck in hows[1:], (hows, worker.tail())
        log = worker.log_path.read_text(errors="replace")
        line = re.search(r"triage: not ready and no progress for (\d+) s \(recovering its tables, 3 changelog record\(s\) "
                         rf"left to read\): exiting with code {STUCK_EXIT} to be restarted", log)
        assert line and int(line.group(1)) >= STALL_REJOIN, worker.tail()
        assert any("监管：triage-1" in line and "因停滞自行退出" in line for line in said), said
    finally:
        stack.stop()


def publish_backlog(broker: str, codec, n: int) -> None:
    publisher = Publisher(broker, codec)
    for k in range(n // 1_000):
        defaults, _ = batch("LENDER-S", f"S{k:03d}", 1_000, 0, NOW, seed=k, first_loan=k * 1_000)
        publisher.publish_defaults(defaults)
    publisher.close()


def test_a_worker_working_through_a_backlog_past_the_limit_is_neither_ended_nor_reported_stalled(broker, tmp_path, codec):
    said: list[str] = []
    stack = stack_of("intake", broker, tmp_path, said, STALL)
    try:
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        started = time.monotonic()
        publish_backlog(broker, codec, ARRIVING)   # arriving while intake works through it
        wait_for_metric(worker, "remedy_intake_consumed_total", ARRIVING, timeout=300)
        took = time.monotonic() - started
        print(f"\n[stall] intake took {ARRIVING:,} defaults and caught up in {took:.0f} s")
        assert took > STALL + 7, "the backlog outlasted the limit and one of faust's checks (every 7 s)"
        assert worker.proc.poll() is None and stack.supervisor.restarts == [], said
        log = worker.log_path.read_text(errors="replace")
        assert "Stream has not started processing" not in log and "Stream stopped processing" not in log
        assert "not ready and no progress" not in log
    finally:
        stack.stop()


def test_a_worker_starting_on_a_large_backlog_keeps_every_input_served(broker, tmp_path, codec):
    publish_backlog(broker, codec, WAITING)   # all waiting before intake starts: its consumer fetches all it may
    said: list[str] = []
    stack = stack_of("intake", broker, tmp_path, said, 180, REMEDY_LAG_SAMPLE_SECONDS="0.5")
    longest: dict[str, float] = {}
    try:
        started = time.monotonic()
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        deadline = started + 400
        while metric_value(worker.port, "remedy_intake_consumed_total") < WAITING and time.monotonic() < deadline:
            for topic in ("intake.tallies", "loan.defaults"):
                for p in range(4):
                    seconds = metric_value(worker.port, "remedy_intake_unserved_seconds", {"topic": topic, "partition": str(p)})
                    longest[topic] = max(longest.get(topic, 0.0), seconds)
            time.sleep(0.5)
        took = time.monotonic() - started
        print(f"\n[stall] intake worked through {WAITING:,} waiting defaults in {took:.0f} s; longest unserved: {longest}")
        assert metric_value(worker.port, "remedy_intake_consumed_total") >= WAITING
        # The lenders' batch counts keep flowing while the defaults are worked through: no input waits for a
        # large share of the backlog (one take of everything fetched held them for ~40% of it). A relation, not a
        # time: it holds on a machine of any speed.
        assert longest["intake.tallies"] < took / 8 and longest["loan.defaults"] < took / 4, longest
        assert worker.proc.poll() is None and stack.supervisor.restarts == [], said
    finally:
        stack.stop()
