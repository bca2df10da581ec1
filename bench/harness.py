"""What the worker benchmarks share: a fresh Tansu holding the input defaults, and a worker's environment."""
from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from kafka.admin import KafkaAdminClient, NewTopic

from remedy.contract.codec import Codec
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher


@contextmanager
def broker_with_defaults(codec: Codec, defaults: list[dict], extra_topics: tuple[str, ...] = ()) -> Iterator[tuple[str, object]]:
    """A fresh in-memory Tansu with every registry topic (and ``extra_topics``, 4 partitions each) and the
    defaults published on loan.defaults: yields (bootstrap, the Tansu process); stopped afterwards."""
    port = free_port()
    tansu = start_tansu(port)
    bootstrap = f"127.0.0.1:{port}"
    try:
        provision(bootstrap)
        if extra_topics:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap)
            admin.create_topics([NewTopic(name, 4, 1) for name in extra_topics])
            admin.close()
        pub = Publisher(bootstrap, codec)
        pub.publish_defaults(defaults)
        pub.close()
        yield bootstrap, tansu
    finally:
        tansu.kill()
        tansu.wait()


def worker_env(bootstrap: str, data_dir: Path, now: datetime, **extra: str) -> dict[str, str]:
    """A benchmarked worker's settings: the broker, its own data dir and port, a frozen clock."""
    return {"REMEDY_KAFKA_BOOTSTRAP": bootstrap, "REMEDY_DATA_DIR": str(data_dir), "REMEDY_INTAKE_PORT": str(free_port()),
            "REMEDY_CLOCK_EPOCH": now.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_LOG_LEVEL": "info",
            "REMEDY_PRODUCER_LINGER_MS": os.environ.get("REMEDY_PRODUCER_LINGER_MS", "5"), **extra}
