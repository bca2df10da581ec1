"""Fixtures every layer shares. Each broker-backed test gets its own Tansu on a free port."""
from __future__ import annotations

import time
import urllib.request

import pytest
from kafka import KafkaConsumer

from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.contract.codec import Codec
from remedy.ops.procs import ServiceProcess
from remedy.kernel.settings import REPO_ROOT
from tests.ordering import pytest_collection_modifyitems, pytest_configure  # noqa: F401  (longest tests first)

SCHEMAS = REPO_ROOT / "schemas"


@pytest.fixture(scope="session")
def codec() -> Codec:
    return Codec(SCHEMAS)


@pytest.fixture
def broker(tmp_path):
    """A fresh in-memory Tansu with every registry topic, stopped afterwards."""
    port = free_port()
    proc = start_tansu(port, log_path=str(tmp_path / "tansu.log"))
    bootstrap = f"127.0.0.1:{port}"
    try:
        provision(bootstrap)
        yield bootstrap
    finally:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def services(broker, tmp_path):
    """Start service workers against the test broker: ``services("intake", REMEDY_CLOCK_EPOCH=...)``."""
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        full_env = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / name),
                    f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}
        proc = ServiceProcess(name, full_env, tmp_path / "logs")
        proc.port = int(full_env[f"REMEDY_{name.upper()}_PORT"])
        started.append(proc.start())
        return proc.wait_ready()

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def mail():
    """A real SMTP server (aiosmtpd) standing in for the debtors' mail provider."""
    from sim.mailserver import MailServer

    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms():
    """The SMS provider double (HTTP API, delivery receipts, dedupe by client reference)."""
    from sim.sms_provider import SmsProvider

    provider = SmsProvider().start()
    yield provider
    provider.stop()


def metric_value(port: int, name: str, labels: dict[str, str] | None = None) -> float:
    """Sum of a metric's samples from a service's /metrics: all of them, or those with every one of ``labels``."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    wanted = [f'{k}="{v}"' for k, v in (labels or {}).items()]
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith(name) and (line[len(name)] in " {") and all(w in line for w in wanted))


def wait_for_metric(proc: ServiceProcess, name: str, at_least: float, timeout: float = 60.0,
                    labels: dict[str, str] | None = None) -> float:
    deadline = time.monotonic() + timeout
    value = 0.0
    while time.monotonic() < deadline:
        value = metric_value(proc.port, name, labels)
        if value >= at_least:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{name} stayed at {value} < {at_least} for {timeout:.0f}s")


def read_topic(bootstrap: str, topic: str, codec: Codec | None, *, until: int | None = None, timeout: float = 60.0,
               idle: float = 3.0) -> list:
    """Every record on a topic from the beginning: until ``until`` records arrived (then ``idle``
    more seconds to catch extras), or nothing new came for ``idle`` seconds once past the wait.
    Counts by reading, as Tansu's end offsets are not last+1."""
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=200)
    out: list = []
    deadline = time.monotonic() + timeout
    last_new = time.monotonic()
    try:
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=200)
            got = [m for records in batch.values() for m in records]
            if got:
                out += [(m.key, codec.decode(m.value)[1] if codec else m.value) for m in got]
                last_new = time.monotonic()
            reached = until is None or len(out) >= until
            if reached and time.monotonic() - last_new > idle:
                break
    finally:
        consumer.close()
    return out
