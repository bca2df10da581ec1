"""Issue 21 item 9 on the real funnel: a lender uploads, through the gateway, a batch whose debtors carry PII
found nowhere else (tests/planted_pii.py), bad rows among them, and sends bytes that are no LoanDefault; intake,
triage, mediation, notify (real SMTP server and SMS double, in-process), analytics and the gateway run on a real
broker until the batch is answered, its cases opened and notified. Then every process stops and the test scans:

- every topic of ``schemas/topics.json`` but intake's input ``loan.defaults`` (keys, values, headers: contract
  topics, dead letters, internal work topics, every table changelog);
- every file the run left (every service's log, the broker's, every RocksDB directory's files) and, opened,
  every RocksDB database's keys and values (its files may be compressed);
- every ClickHouse table analytics wrote;

and none may hold a planted name, ID number, phone or e-mail. The lender still sees, for each rejected row, its
loan id, the field and the reason.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
import rocksdict
from kafka import KafkaConsumer, TopicPartition

from remedy.contract.topics import load_registry
from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port
from remedy.runtime.publish import Publisher
from sim.defaults import batch, utc
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider
from tests.broker.test_gateway_service import jsonl
from tests.conftest import wait_for_metric
from tests.gateway_helpers import LENDER_KEYS, PORTAL_SECRET, bearer, keys_text, wait_until
from tests.planted_pii import leaks, plant

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China: notices may go out
LENDER, BATCH = "LENDER-A", "B-PII-1"
VALID, INVALID = 120, 60
STAGES = ("intake", "triage", "mediation", "notify")


def test_no_planted_pii_on_any_topic_log_store_or_table(broker, codec, tmp_path):
    mail, sms = MailServer().start(), SmsProvider().start()
    keys = tmp_path / "keys.json"
    keys.write_text(keys_text())
    common = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": "600",
              "REMEDY_CLOCK_ANCHOR": repr(time.time()), "REMEDY_SMTP_PORT": str(mail.port), "REMEDY_SMS_URL": sms.url}
    own = {name: {"REMEDY_DATA_DIR": str(tmp_path / "data" / name), f"REMEDY_{name.upper()}_PORT": str(free_port())}
           for name in (*STAGES, "analytics", "gateway")}
    own["analytics"] |= {"REMEDY_CLICKHOUSE_URL": f"chdb://{tmp_path / 'clickhouse'}", "REMEDY_ANALYTICS_FLUSH_MS": "300"}
    own["gateway"] |= {"REMEDY_GATEWAY_KEYS": str(keys), "REMEDY_PORTAL_SECRET": PORTAL_SECRET}
    procs = [ServiceProcess(name, {**common, **env}, tmp_path / "logs") for name, env in own.items()]
    for p, name in zip(procs, own):
        p.port = int(own[name][f"REMEDY_{name.upper()}_PORT"])
    defaults, expected = batch(LENDER, BATCH, VALID, INVALID, utc(2026, 11, 30))
    planted = plant(defaults, expected)
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.wait_ready(timeout=180)
        gateway, analytics = f"http://127.0.0.1:{procs[-1].port}", procs[-2]
        lender = bearer(LENDER_KEYS[LENDER])
        r = requests.post(f"{gateway}/v1/lender/batches?batch_id={BATCH}", data=jsonl(defaults), headers=lender)
        assert r.status_code == 202 and r.json()["published"] == VALID + INVALID, r.text
        garbage = codec.encode("LoanDefault", defaults[0])
        pub = Publisher(broker, codec)
        pub.send_raw("loan.defaults", f"{LENDER}:L-GARBLED".encode(), garbage[:len(garbage) // 2])
        pub.flush()
        pub.close()

        status = wait_until(lambda: (s := requests.get(f"{gateway}/v1/lender/batches/{BATCH}", headers=lender).json())
                            ["complete"] and s, timeout=120)
        # the lender can fix each rejected row: its loan id, the field, the reason, in Chinese and English
        assert {x["loan_id"]: x["reason_codes"] for x in status["rejections"]} == {k: [v] for k, v in expected.items()}
        for row in status["rejections"]:
            assert row["problems"] and all(p["field"] and p["message_zh"] and p["message_en"] for p in row["problems"])
        assert not leaks(r.content + requests.get(f"{gateway}/v1/lender/batches/{BATCH}", headers=lender).content,
                         planted)
        wait_for_metric(analytics, "remedy_analytics_rows_written_total", 2 * VALID + INVALID, timeout=120)
        wait_until(lambda: len(sms.delivered) + len(mail.mailbox) >= VALID // 2, timeout=60)
    finally:
        for p in reversed(procs):
            p.stop()
        mail.stop()
        sms.stop()

    found = {f"topic {t}": hit for t, hit in scan_topics(broker, planted).items()}
    assert found.pop("topic loan.defaults") == planted, "the scan finds every planted string in intake's input"
    found |= {f"file {path.relative_to(tmp_path)}": hit for path, hit in scan_files(tmp_path, planted).items()}
    found |= {f"rocksdb {path.relative_to(tmp_path)}": hit for path, hit in scan_rocksdb(tmp_path, planted).items()}
    found |= {f"clickhouse {t}": hit for t, hit in scan_clickhouse(tmp_path / "clickhouse", planted).items()}
    assert {where: sorted(hit)[:3] for where, hit in found.items() if hit} == {}
    rejected = read_rejections(broker, codec)
    assert rejected["L-GARBLED"]["reason_codes"] == ["UNDECODABLE"], "bytes that are no LoanDefault get an answer"


def scan_topics(bootstrap: str, planted: set[str]) -> dict[str, set[str]]:
    """Every registry topic, read from the beginning: raw keys, values and headers."""
    topics = list(load_registry())
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        blobs: dict[str, list[bytes]] = {t: [] for t in topics}
        last_new = time.monotonic()
        while time.monotonic() - last_new < 3:
            for tp, records in consumer.poll(timeout_ms=300, max_records=5000).items():
                last_new = time.monotonic()
                blobs[tp.topic] += [(m.key or b"") + (m.value or b"") + b"".join(k.encode() + (v or b"")
                                                                               for k, v in m.headers) for m in records]
        assert blobs["case.events"] and blobs["loan.defaults.rejected"] and blobs["intake-seen-changelog"]
    finally:
        consumer.close()
    return {t: leaks(b"\n".join(b), planted) for t, b in blobs.items()}


def scan_files(root: Path, planted: set[str]) -> dict[Path, set[str]]:
    """Every file under the run's directory (logs, RocksDB files, ClickHouse's parts), raw."""
    return {path: leaks(path.read_bytes(), planted) for path in root.rglob("*") if path.is_file()}


def scan_rocksdb(root: Path, planted: set[str]) -> dict[Path, set[str]]:
    """Every RocksDB database under ``root``, opened read-only: its keys and values, decompressed."""
    out = {}
    for current in root.rglob("CURRENT"):
        db = rocksdict.Rdict(str(current.parent), options=rocksdict.Options(raw_mode=True),
                             access_type=rocksdict.AccessType.read_only())
        try:
            out[current.parent] = leaks(b"\n".join(k + v for k, v in db.items()), planted)
        finally:
            db.close()
    assert any("tables" in str(p) for p in out) and any("read-model" in str(p) for p in out), sorted(out)
    return out


def readable(store, table: str) -> str:
    """Every column of ``table`` as the client can read it: an aggregate state finalized to its values."""
    columns = store.rows("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {t:String}",
                         {"t": table})
    return ", ".join(f"finalizeAggregation({c['name']})" if c["type"].startswith("AggregateFunction") else c["name"]
                     for c in columns)


def scan_clickhouse(path: Path, planted: set[str]) -> dict[str, set[str]]:
    from services.analytics.store import Store

    store = Store.open(f"chdb://{path}")
    try:
        tables = [r["name"] for r in store.rows("SELECT name FROM system.tables WHERE database = currentDatabase()")]
        assert "rejections" in tables
        return {t: leaks(repr(store.rows(f"SELECT {readable(store, t)} FROM {t}")).encode(), planted) for t in tables}
    finally:
        store.close()


def read_rejections(bootstrap: str, codec) -> dict[str, dict]:
    consumer = KafkaConsumer("loan.defaults.rejected", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=3000)
    try:
        return {r["loan_id"]: r for r in (codec.decode(m.value, expect="LoanDefaultRejected")[1] for m in consumer)}
    finally:
        consumer.close()
