"""A worker without progress, on a real Tansu, under ``remedy up``'s supervisor (``REMEDY_STALL_SECONDS`` short):

- one whose table recovery can never finish ends itself, saying why, and the supervisor restarts it and says it
  was stuck. The stand-in for whatever stalls faust's recovery: changelog records faust cannot decode (keys that
  are not JSON), which its recovery loop logs as "Error in recovery" without counting them read, so it waits for
  them for ever;
- one working through a backlog as it arrives, for longer than that limit, neither ends itself nor logs faust's
  "Stream has not started processing" alarm, which it logged for every partition with records waiting once the
  limit had passed (the partitions' input times were never recorded: ``remedy.runtime.patches.nomonitor``), and
  keeps every input served meanwhile (``remedy_<service>_unserved_seconds``; one take of all it had fetched held
  its other partitions up: ``REMEDY_POLL_MAX_RECORDS``);
- one starting on a large backlog keeps serving every input meanwhile.

How long an input may wait is asserted as a share of the time the backlog took, never against a fixed limit such
as faust's "Stream stopped processing, or is slow" (logged past ``stream_processing_timeout``): a partition waits
at most about as long as the worker needs to work through its stream buffer (4,096 records, shared by all its
partitions), and that time grows as the machine slows, while the share does not. Each partition's first records
also wait behind what was fetched of the others (up to 1 MiB each), so faust's "has not started processing" is
asserted only where the records arrive while the worker runs.
"""
from __future__ import annotations

import re
import threading
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
from tests.conftest import metric_value

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 30, 2)
STALL = 12         # seconds: above a worker's first join on Tansu (~5 s), well below the 180 s default
STALL_REJOIN = 25  # ... and above a join that waits for a killed member's 10 s session to end (up to ~18 s here)
ARRIVING = 40_000  # defaults for intake published while it works, over at least STALL + 15 s
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


def publish_backlog(broker: str, codec, n: int, over: float = 0.0) -> None:
    """n defaults in batches of 1,000, spread over at least ``over`` seconds."""
    publisher = Publisher(broker, codec)
    batches, started = n // 1_000, time.monotonic()
    for k in range(batches):
        time.sleep(max(0.0, started + over * k / batches - time.monotonic()))
        defaults, _ = batch("LENDER-S", f"S{k:03d}", 1_000, 0, NOW, seed=k, first_loan=k * 1_000)
        publisher.publish_defaults(defaults)
    publisher.close()


def serve(worker, n: int, started: float) -> tuple[float, dict[str, float]]:
    """Waits until intake has consumed n defaults; returns the seconds since started and, per input topic, the longest
    any of its partitions went unserved with records waiting, sampled every half second."""
    longest: dict[str, float] = {}
    deadline = started + 400
    while metric_value(worker.port, "remedy_intake_consumed_total") < n and time.monotonic() < deadline:
        for topic in ("intake.tallies", "loan.defaults"):
            for p in range(4):
                seconds = metric_value(worker.port, "remedy_intake_unserved_seconds", {"topic": topic, "partition": str(p)})
                longest[topic] = max(longest.get(topic, 0.0), seconds)
        time.sleep(0.5)
    assert metric_value(worker.port, "remedy_intake_consumed_total") >= n
    return time.monotonic() - started, longest


def test_a_worker_working_through_a_backlog_past_the_limit_is_neither_ended_nor_reported_stalled(broker, tmp_path, codec):
    said: list[str] = []
    stack = stack_of("intake", broker, tmp_path, said, STALL, REMEDY_LAG_SAMPLE_SECONDS="0.5")
    try:
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        started = time.monotonic()
        arriving = threading.Thread(target=publish_backlog, args=(broker, codec, ARRIVING, STALL + 15))
        arriving.start()                           # while intake works through it
        took, longest = serve(worker, ARRIVING, started)
        arriving.join()
        print(f"\n[stall] intake took {ARRIVING:,} defaults and caught up in {took:.0f} s; longest unserved: {longest}")
        assert took > STALL + 7, "the backlog outlasted the limit and one of faust's checks (every 7 s)"
        assert worker.proc.poll() is None and stack.supervisor.restarts == [], said
        log = worker.log_path.read_text(errors="replace")
        assert "Stream has not started processing" not in log
        assert "not ready and no progress" not in log
        assert longest["intake.tallies"] < took / 8 and longest["loan.defaults"] < took / 4, longest
    finally:
        stack.stop()


def test_a_worker_starting_on_a_large_backlog_keeps_every_input_served(broker, tmp_path, codec):
    publish_backlog(broker, codec, WAITING)   # all waiting before intake starts: its consumer fetches all it may
    said: list[str] = []
    stack = stack_of("intake", broker, tmp_path, said, 180, REMEDY_LAG_SAMPLE_SECONDS="0.5")
    try:
        started = time.monotonic()
        stack.start(progress=lambda line: None)
        worker = stack.procs[0]
        took, longest = serve(worker, WAITING, started)
        print(f"\n[stall] intake worked through {WAITING:,} waiting defaults in {took:.0f} s; longest unserved: {longest}")
        # The lenders' batch counts keep flowing while the defaults are worked through: no input waits for a
        # large share of the backlog (one take of everything fetched held them for ~40% of it). A relation, not a
        # time: it holds on a machine of any speed.
        assert longest["intake.tallies"] < took / 8 and longest["loan.defaults"] < took / 4, longest
        assert worker.proc.poll() is None and stack.supervisor.restarts == [], said
    finally:
        stack.stop()
