"""Tables on the RocksDB store (the default, remedy/runtime/stores.py) across crashes, on a real Tansu.

intake is the simplest witness: its ``seen`` table makes a re-published default a no-op, so a table that
survived (or was rebuilt from its changelog) shows as no new ``CaseOpened``, and a lost table as
duplicates. Each test SIGKILLs intake and restarts it on the same REMEDY_DATA_DIR.
"""
from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from remedy.ops.procs import ServiceProcess
from remedy.runtime.broker import free_port, provision, start_tansu
from remedy.runtime.publish import Publisher
from remedy.runtime.store_check import changelog_at
from sim.defaults import batch, utc
from tests.conftest import read_topic, wait_for_metric

pytestmark = pytest.mark.broker
NOW = utc(2026, 11, 28, 4)
CLOCK = {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_TABLE_STORE": "rocksdb://"}
N = 2_000


def tables_dir(tmp_path: Path) -> Path:
    return tmp_path / "intake" / "faust" / "v1" / "tables"   # the services fixture's REMEDY_DATA_DIR for intake


def seen_dirs(tmp_path: Path) -> list[Path]:
    return sorted(p for p in tables_dir(tmp_path).glob("seen-*.db") if p.is_dir())


def log_since(proc: ServiceProcess, mark: int) -> str:
    return proc.log_path.read_text(errors="replace")[mark:]


def follows(proc: ServiceProcess) -> bool:
    """No table of the worker stopped following its changelog (an ERROR line: remedy/runtime/tables.py)."""
    return not any("[ERROR]" in line and "no longer follows" in line for line in proc.log_path.read_text().splitlines())


def log_size(proc: ServiceProcess) -> int:
    return len(proc.log_path.read_text(errors="replace")) if proc.log_path.exists() else 0


def open_batch_then_kill(broker, services, codec, tmp_path, seed: int = 7):
    """intake opens N cases; once their inputs are committed it is SIGKILLed. Returns the defaults."""
    intake = services("intake", **CLOCK)
    defaults, _ = batch("LENDER-R", "B-ROCKS", N, 0, NOW, seed=seed)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)
    pub.close()
    assert len(read_topic(broker, "case.events", codec, until=N, idle=1)) == N
    wait_for_metric(intake, "remedy_intake_consumed_total", N)
    time.sleep(3)  # past a commit of the inputs (REMEDY_COMMIT_INTERVAL_SECONDS)
    intake.kill()
    assert len(seen_dirs(tmp_path)) == 4
    return defaults, intake


def republish_changes_nothing(broker, services, codec, defaults, intake) -> str:
    """Restart intake on its data dir, publish the same defaults again: every one is a duplicate. Returns the
    restarted worker's log."""
    mark = log_size(intake)
    intake = services("intake", **CLOCK)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)
    pub.close()
    wait_for_metric(intake, "remedy_intake_duplicates_total", N, timeout=45)
    events = [e for _, e in read_topic(broker, "case.events", codec, idle=1.5)]
    assert Counter(e["type"] for e in events) == {"CaseOpened": N}, "a re-published default opened a second case"
    assert follows(intake)
    return log_since(intake, mark)


def test_after_a_sigkill_the_table_is_kept_on_disk_and_only_its_tail_replayed(broker, services, codec, tmp_path):
    defaults, intake = open_batch_then_kill(broker, services, codec, tmp_path)
    log = republish_changes_nothing(broker, services, codec, defaults, intake)
    kept = [line for line in log.splitlines() if "table 'seen'" in line and "local RocksDB store kept" in line]
    assert len(kept) == 4, "each partition of seen reused from disk, not rebuilt:\n" + log[-3000:]
    assert "moved aside" not in log


def test_with_its_data_dir_deleted_the_table_is_rebuilt_from_the_changelog(broker, services, codec, tmp_path):
    defaults, intake = open_batch_then_kill(broker, services, codec, tmp_path)
    shutil.rmtree(tmp_path / "intake")
    log = republish_changes_nothing(broker, services, codec, defaults, intake)
    assert log.count("no local RocksDB store, building it from the changelog intake-seen-changelog") == 4, log[-3000:]
    assert len(seen_dirs(tmp_path)) == 4


def test_with_its_files_corrupted_the_table_is_moved_aside_and_rebuilt(broker, services, codec, tmp_path):
    defaults, intake = open_batch_then_kill(broker, services, codec, tmp_path)
    for db in seen_dirs(tmp_path):
        for f in db.iterdir():
            if f.is_file() and f.name != "LOCK":
                f.write_bytes(os.urandom(max(f.stat().st_size, 64)))
    log = republish_changes_nothing(broker, services, codec, defaults, intake)
    aside = [line for line in log.splitlines() if "table 'seen'" in line and "cannot be opened" in line
             and "moved aside" in line and "rebuilding it from the changelog" in line]
    assert len(aside) == 4, log[-3000:]
    assert len(list(tables_dir(tmp_path).glob("seen-*.db.discarded"))) == 4


def test_a_store_from_another_broker_is_not_trusted(broker, services, codec, tmp_path):
    """Tansu keeps topics in memory: a worker restarted on its data dir against a fresh broker (``remedy run``
    again) finds a store whose changelog is gone, and must not take the new batch's loans for duplicates."""
    defaults, intake = open_batch_then_kill(broker, services, codec, tmp_path)
    port = free_port()
    tansu = start_tansu(port, log_path=str(tmp_path / "tansu2.log"))
    fresh = f"127.0.0.1:{port}"
    try:
        provision(fresh)
        env = {**intake.env, "REMEDY_KAFKA_BOOTSTRAP": fresh}
        restarted = ServiceProcess("intake", env, tmp_path / "logs")
        restarted.port = intake.port
        mark = log_size(intake)
        restarted.start().wait_ready()
        try:
            pub = Publisher(fresh, codec)
            pub.publish_defaults(defaults)
            pub.close()
            events = read_topic(fresh, "case.events", codec, until=N, idle=1.5)
            assert Counter(e["type"] for _, e in events) == {"CaseOpened": N}
        finally:
            restarted.stop()
        log = log_since(restarted, mark)
        aside = [line for line in log.splitlines() if "table 'seen'" in line and "moved aside" in line
                 and "the broker lost or recreated it" in line]
        assert len(aside) == 4, log[-3000:]
    finally:
        tansu.kill()
        tansu.wait(10)


def test_killed_mid_batch_no_case_is_lost(broker, services, codec):
    """A change is written to RocksDB only once the broker has its changelog record (remedy/runtime/tables.py): a
    worker killed while it works through a burst never restarts on a ``seen`` entry whose CaseOpened never left."""
    n = 12_000
    intake = services("intake", **CLOCK)
    defaults, _ = batch("LENDER-K", "B-KILL", n, 0, NOW, seed=11)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)
    pub.close()
    read_topic(broker, "case.events", codec, until=n // 4, idle=0)
    intake.kill()
    intake = services("intake", **CLOCK)
    opened = read_topic(broker, "case.events", codec, until=n, timeout=60, idle=2)
    assert len({e["case_id"] for _, e in opened}) == n, "a case was never opened"
    assert follows(intake)
    kept = [line for line in log_since(intake, 0).splitlines() if "table 'seen'" in line and "store kept" in line]
    assert len(kept) == 4, "restarted on its RocksDB store, not rebuilt"


def test_the_changelog_is_read_to_its_true_end_and_at_the_stored_offset(broker):
    """Tansu answers ListOffsets with the start of the last record batch (remedy/runtime/patches/highwater.py): a store
    holding the whole changelog must not look as if it were ahead of it."""
    admin = KafkaAdminClient(bootstrap_servers=broker)
    admin.create_topics([NewTopic("t-changelog", 2, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=broker, linger_ms=60_000)   # nothing sent before flush: one batch each
    for size in (10, 5):  # two record batches on partition 0; partition 1 stays empty
        for i in range(size):
            producer.send("t-changelog", key=b"k%d" % i, value=b"v%d-%d" % (size, i), partition=0)
        producer.flush()
    producer.close()
    p0, p1 = TopicPartition("t-changelog", 0), TopicPartition("t-changelog", 1)
    found = changelog_at([broker], {p0: 14, p1: 3})
    assert found[p0] == (11, 15, (b"k4", b"v5-4")), "reported 11 (Tansu), truly 15, and the record at 14"
    assert found[p1] == (0, 0, None)
    assert changelog_at([broker], {p0: 12})[p0] == (11, 15, (b"k2", b"v5-2"))


def test_without_the_highwater_patch_a_restart_rebuilds_instead_of_crash_looping(broker, services, codec, tmp_path):
    """faust stops with a ConsistencyError when a stored offset lies beyond the end Tansu reports: without the highwater
    patch such a partition is moved aside and rebuilt (losing the rest of the last batch, as documented)."""
    no_highwater = {**CLOCK, "REMEDY_FAUST_PATCHES": "fastpath,nomonitor"}
    intake = services("intake", **no_highwater)
    defaults, _ = batch("LENDER-H", "B-HW", N, 0, NOW)
    pub = Publisher(broker, codec)
    pub.publish_defaults(defaults)
    pub.close()
    read_topic(broker, "case.events", codec, until=N, idle=1)
    wait_for_metric(intake, "remedy_intake_consumed_total", N)
    time.sleep(3)
    intake.kill()
    mark = log_size(intake)
    intake = services("intake", **no_highwater)   # ready: recovery did not crash
    time.sleep(2)
    assert intake.proc.poll() is None
    log = log_since(intake, mark)
    assert "beyond the end the broker reports" in log and "ConsistencyError" not in log, log[-3000:]
