"""Checking a RocksDB table partition before faust opens it (``RocksDBStore.on_rebalance``; the rules are in
``remedy.runtime.stores``' docstring): open it read-only, read its changelog offset, compare its last record
with the changelog's record at that offset, and move aside what cannot be trusted."""
from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import rocksdict
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from kafka import KafkaConsumer, TopicPartition

from remedy.runtime.clients import process_security
from remedy.runtime.patches.guard import replaced
from remedy.runtime.patches.highwater import last_offsets_after

if TYPE_CHECKING:
    from remedy.runtime.stores import RocksDBStore

log = logging.getLogger("remedy.runtime.stores")

DISCARDED_SUFFIX = ".discarded"


@dataclass
class LocalPartition:
    """What a table partition's directory holds, read before faust opens it."""

    partition: int
    path: Path
    offset: int | None = None     # the changelog offset it holds up to
    problem: str = ""             # why it cannot be trusted ("" = nothing wrong found yet)
    locked: bool = False          # open elsewhere: left to faust
    db: Any = None



def check_partitions(store: "RocksDBStore", topic: str, partitions: Iterable[int]) -> None:
    """Move aside every partition directory that cannot be trusted (see the module's docstring)."""
    local = [inspect(store, p) for p in partitions]
    try:
        present = [lp for lp in local if lp.db is not None and lp.offset is not None and not lp.problem]
        if present:
            compare_with_changelog(store, topic, present)
    finally:
        for lp in local:
            if lp.db is not None:
                lp.db.close()
                lp.db = None
    for lp in local:
        name = f"{store.service}: table {store.table_name!r} partition {lp.partition}"
        if lp.problem:
            aside = lp.path.with_name(lp.path.name + DISCARDED_SUFFIX)
            shutil.rmtree(aside, ignore_errors=True)
            lp.path.rename(aside)
            log.warning("%s: local RocksDB store %s; moved aside to %s, rebuilding it from the changelog %s",
                        name, lp.problem, aside, topic)
        elif lp.locked:
            log.info("%s: local RocksDB store open elsewhere; faust will retry", name)
        elif lp.offset is None:  # no directory, or an empty database
            log.info("%s: no local RocksDB store, building it from the changelog %s", name, topic)
        else:
            log.info("%s: local RocksDB store kept, up to changelog offset %d; reading the changelog from there",
                     name, lp.offset)

def inspect(store: "RocksDBStore", partition: int) -> LocalPartition:
    lp = LocalPartition(partition, store.partition_path(partition))
    if not lp.path.exists():
        return lp
    try:
        lp.db = rocksdict.Rdict(str(lp.path), options=store.rocksdb_options.as_options(),
                                access_type=rocksdict.AccessType.read_only(False))
    except Exception as exc:  # noqa: BLE001 - rocksdict raises plain Exception
        lp.problem = f"cannot be opened ({str(exc).splitlines()[0][:200]})"
        return lp
    try:
        raw = lp.db.get(store.offset_key)
        if raw is not None:
            lp.offset = int(raw)
        elif any(key != store.offset_key for key in _first_keys(lp.db, 2)):
            lp.problem = "holds data but no changelog offset"
    except Exception as exc:  # noqa: BLE001
        lp.problem = f"cannot be read ({str(exc).splitlines()[0][:200]})"
    return lp

def compare_with_changelog(store: "RocksDBStore", topic: str, local: list[LocalPartition]) -> None:
    bootstrap = [f"{url.host}:{url.port}" for url in store.app.conf.broker]
    wanted = {TopicPartition(topic, lp.partition): lp.offset for lp in local}
    try:
        found = changelog_at(bootstrap, wanted)
    except Exception as exc:  # noqa: BLE001 - kept: it opened and has its offset; recovery will tell
        log.warning("%s: table %r: could not compare the local RocksDB store with the changelog (%r); keeping it",
                    store.service, store.table_name, exc)
        return
    true_ends = replaced(AIOKafkaConsumerThread, "_highwaters")  # the highwater patch is installed
    for lp in local:
        reported, end, record = found[TopicPartition(topic, lp.partition)]
        if lp.offset >= end:
            lp.problem = (f"holds changelog offsets up to {lp.offset} but the changelog ends before {end} "
                          "(the broker lost or recreated it)")
        elif record is not None and lp.db.get(record[0]) != record[1]:
            lp.problem = f"differs from the changelog's record at offset {lp.offset} (another log's state)"
        elif not true_ends and lp.offset >= reported:
            # faust would stop with a ConsistencyError (stored offset above the highwater) at every start
            lp.problem = (f"holds changelog offsets up to {lp.offset}, beyond the end the broker reports ({reported}; "
                          "Tansu answers ListOffsets short and REMEDY_FAUST_PATCHES leaves out highwater)")


def _first_keys(db: rocksdict.Rdict, n: int) -> list[bytes]:
    keys = []
    for key in db.keys():
        keys.append(key)
        if len(keys) >= n:
            break
    return keys


def changelog_at(bootstrap: list[str], offsets: Mapping[TopicPartition, int],
                 timeout: float = 10.0) -> dict[TopicPartition, tuple[int, int, tuple[bytes, bytes | None] | None]]:
    """For each partition: the end offset the broker reports, the true one (``highwater.last_offsets_after``),
    and the (key, value) of the record at ``offsets[tp]`` if it is there (None if compacted away or beyond the end)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             max_poll_records=len(offsets) * 4 + 16, **process_security())
    try:
        reported = consumer.end_offsets(list(offsets))
        ends = last_offsets_after(bootstrap, reported, timeout)
        pending = {tp for tp, offset in offsets.items() if offset < ends[tp]}
        records: dict[TopicPartition, tuple[bytes, bytes | None] | None] = dict.fromkeys(offsets)
        if pending:
            consumer.assign(list(pending))
            for tp in pending:
                consumer.seek(tp, offsets[tp])
            deadline = time.monotonic() + timeout
            while pending and time.monotonic() < deadline:
                for tp, batch in consumer.poll(timeout_ms=200).items():
                    if tp in pending and batch:
                        first = batch[0]
                        records[tp] = (first.key, first.value) if first.offset == offsets[tp] else None
                        pending.discard(tp)
            if pending:
                raise TimeoutError(f"no record read from {sorted(map(str, pending))} in {timeout:.0f}s")
    finally:
        consumer.close()
    return {tp: (reported[tp], ends[tp], records[tp]) for tp in offsets}
