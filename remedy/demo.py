"""``remedy run`` / ``make run``: the platform on one machine with a sample batch.

Starts Tansu, provisions topics, starts the stage services that exist, publishes a sample batch,
waits for intake's BatchReport, prints the outcome and stops everything cleanly.
"""
from __future__ import annotations

import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

from remedy.broker import BrokerError, port_open, provision, start_tansu
from remedy.codec import Codec
from remedy.procs import ServiceFailed, ServiceProcess
from remedy.publish import Publisher
from remedy.settings import Settings

SERVICES = ("intake",)


def run_demo(settings: Settings, n_valid: int, n_invalid: int) -> int:
    from kafka import KafkaConsumer
    from sim.defaults import batch

    data = Path(settings.data_dir)
    shutil.rmtree(data / "faust", ignore_errors=True)
    (data / "logs").mkdir(parents=True, exist_ok=True)
    for name in SERVICES:
        if port_open("127.0.0.1", settings.port_for(name)):
            print(f"error: port {settings.port_for(name)} for {name} is in use; set REMEDY_{name.upper()}_PORT")
            return 2
    try:
        tansu = start_tansu(settings.broker_port, log_path=str(data / "logs" / "tansu.log"))
    except BrokerError as exc:
        print(f"error: {exc}")
        return 2
    procs: list[ServiceProcess] = []
    try:
        provision(settings.kafka_bootstrap)
        print(f"broker: Tansu on {settings.kafka_bootstrap}; topics provisioned")
        env = {"REMEDY_KAFKA_BOOTSTRAP": settings.kafka_bootstrap, "REMEDY_DATA_DIR": str(data)}
        for name in SERVICES:
            procs.append(ServiceProcess(name, env, data / "logs").start())
        for proc in procs:
            proc.wait_ready()
            print(f"service: {proc.name} ready (metrics on http://127.0.0.1:{settings.port_for(proc.name)}/metrics)")
        codec = Codec(settings.schemas_dir)
        defaults, _ = batch("LENDER-QZ01", "B-DEMO-1", n_valid, n_invalid, datetime.now(timezone.utc))
        pub = Publisher(settings.kafka_bootstrap, codec)
        started = time.monotonic()
        pub.publish_defaults(defaults)
        pub.close()
        print(f"published: {len(defaults)} defaults ({n_valid} valid, {n_invalid} malformed) in batch B-DEMO-1")
        consumer = KafkaConsumer("loan.batches", bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest",
                                 group_id=None)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    report = codec.decode(r.value)[1]
                    print(f"outcome: batch {report['batch_id']} of {report['declared_size']}: {report['accepted']} cases "
                          f"opened, {report['rejected']} rejected in {time.monotonic() - started:.1f}s")
                    for reason, n in sorted(report["rejections_by_reason"].items()):
                        print(f"  rejected {n:5d}  {reason}")
                    consumer.close()
                    return 0
            for proc in procs:
                if proc.proc.poll() is not None:
                    raise ServiceFailed(f"{proc.name} died; last log lines:\n{proc.tail()}")
        print("error: no batch report within 300s; see logs in", data / "logs")
        return 1
    except (ServiceFailed, BrokerError) as exc:
        print(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for proc in procs:
            proc.stop()
        tansu.terminate()
        tansu.wait(10)
        print("stopped: every process ended")
