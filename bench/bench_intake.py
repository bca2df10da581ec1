"""intake's sustained events/s per worker beside a bare faust pass-through agent, same broker, same run.

Each worker starts on a fresh Tansu with N defaults already published, so it consumes at full speed.
Throughput = records out / (last output timestamp - first output timestamp), read back from the topic.
Target (issue 2): intake >= 70% of the bare agent.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

from remedy.broker import free_port, provision, start_tansu
from remedy.codec import Codec
from remedy.procs import ServiceProcess
from remedy.publish import Publisher
from remedy.settings import REPO_ROOT
from sim.defaults import batch, utc

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
NOW = utc(2026, 11, 28, 4)


def output_rate(bootstrap: str, topic: str, expect: int, timeout: float = 300) -> float:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    while len(stamps) < expect and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            stamps += [r.timestamp for r in records]
    consumer.close()
    if len(stamps) < expect:
        raise RuntimeError(f"{topic}: only {len(stamps)} of {expect} records within {timeout}s")
    return len(stamps) / ((max(stamps) - min(stamps)) / 1000)


def measure(module: str, name: str, out_topic: str, defaults: list[dict], codec: Codec, tmp: Path) -> float:
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        provision(bootstrap)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.create_topics([NewTopic("bench.passthrough", 4, 1)])
        admin.close()
        pub = Publisher(bootstrap, codec)
        pub.publish_defaults(defaults)
        pub.close()
        env = {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(tmp / name), "REMEDY_INTAKE_PORT": str(free_port()),
               "REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_LOG_LEVEL": "info",
               "REMEDY_PRODUCER_LINGER_MS": os.environ.get("REMEDY_PRODUCER_LINGER_MS", "5")}
        proc = ServiceProcess(name, env, tmp / "logs", module=module).start()
        try:
            proc.wait_ready()
            return output_rate(bootstrap, out_topic, len(defaults))
        finally:
            proc.stop()
    finally:
        tansu.kill()
        tansu.wait()


def main() -> None:
    codec = Codec(REPO_ROOT / "schemas")
    defaults, _ = batch("LENDER-BENCH", "B1", N, 0, NOW)
    with tempfile.TemporaryDirectory() as tmp:
        bare = measure("bench.passthrough", "passthrough", "bench.passthrough", defaults, codec, Path(tmp))
        intake = measure("services.intake", "intake", "case.events", defaults, codec, Path(tmp))
    print(f"intake: bare faust pass-through agent  {bare:8,.0f} events/s per worker (baseline, same run, {N:,} events)")
    print(f"intake: intake worker                  {intake:8,.0f} events/s per worker "
          f"({intake / bare:.0%} of baseline; target >= 70%: {'met' if intake >= 0.7 * bare else 'NOT met'})")


if __name__ == "__main__":
    main()
