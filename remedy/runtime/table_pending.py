"""A table's changes on their way to its changelog (``Pending``, see ``remedy.runtime.tables``), and the changelog
partition a change goes to."""
from __future__ import annotations

import logging
from collections import deque
from typing import Any, Iterator, NamedTuple

import faust
from faust.types import TP

from remedy.runtime.patches.guard import Guard
from remedy.runtime.stores import RocksDBStore

log = logging.getLogger("remedy.runtime.tables")

# A use_partitioner table's changelog partitions, asked once of faust's aiokafka producer (private in faust; the
# outbox writes through the same producer).
GUARDS = (
    Guard(module=__name__, use="calls", target="faust.transport.drivers.aiokafka:Producer._ensure_producer",
          kind="method", distribution="faust-streaming", versions=("0.15.3",)),
)


class _Message(NamedTuple):
    """What faust's ``Store.apply_changelog_batch`` reads of a changelog record."""
    tp: TP
    partition: int
    offset: int
    key: bytes
    value: bytes | None


class _Event(NamedTuple):
    message: _Message


class Pending:
    """One table's changes on their way to the changelog: readable here until the broker has them, then
    written to the local store (RocksDB) with their changelog offsets."""

    def __init__(self, table: faust.Table, store: RocksDBStore):
        self.table, self.store = table, store
        self.topic = table.changelog_topic.get_topic_name()
        self.partitions: list[int] | None = None  # the changelog's partitions, for use_partitioner tables
        self.values: dict[Any, list] = {}   # key -> [latest value (None: removed), its records not yet acknowledged]
        self.queues: dict[int, deque] = {}  # partition -> [generation, key, raw key, raw value], in written order
        self.latest: dict[tuple[int, Any], list] = {}  # (partition, key) -> its queued change of ``latest_generation``
        self.latest_generation = -1
        self.broken = ""

    async def partition_for(self, key: Any, raw_key: bytes) -> int:
        partition, self.partitions = await changelog_partition(self.table, key, raw_key, self.partitions)
        return partition

    def add(self, generation: int, key: Any, value: Any, partition: int, raw_key: bytes, raw_value: bytes | None) -> None:
        if generation != self.latest_generation:
            self.latest, self.latest_generation = {}, generation
        waiting = self.latest.get((partition, key))
        if waiting is not None:   # the outbox replaces that record's value (remedy.runtime.outbox): so does the queue
            waiting[3] = raw_value
            self.values[key][0] = value
            return
        entry = self.values.get(key)
        if entry is None:
            self.values[key] = [value, 1]
        else:
            entry[0] = value
            entry[1] += 1
        queue = self.queues.get(partition)
        if queue is None:
            queue = self.queues[partition] = deque()
        change = self.latest[(partition, key)] = [generation, key, raw_key, raw_value]
        queue.append(change)

    def get(self, key: Any) -> list | None:
        """``[value, n]`` if a change of ``key`` is on its way (value None: removed), else None."""
        return self.values.get(key)

    def merged(self, items: Iterator[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
        """The local store's items (an iterator over RocksDB, read as it goes: a whole table is never held in
        memory) with the changes on their way applied, as they were when iteration began."""
        waiting = {key: value for key, (value, _) in self.values.items()}
        for key, value in items:
            if key in waiting:
                value = waiting.pop(key)
                if value is None:
                    continue
            yield key, value
        for key, value in waiting.items():
            if value is not None:
                yield key, value

    def delivered(self, partition: int, offset: int, count: int, generation: int) -> None:
        """The broker has ``count`` records of ``generation`` written to ``partition``, from ``offset`` on."""
        if self.broken:
            return
        queue = self.queues.get(partition) or deque()
        lost = 0
        while queue and queue[0][0] < generation:
            queue.popleft()
            lost += 1
        if lost:
            self.stop_following(f"{lost} change(s) of partition {partition} never reached the broker")
            return
        if len(queue) < count or queue[count - 1][0] != generation:
            self.stop_following(f"{count} record(s) acknowledged on partition {partition} at offset {offset}, "
                                f"not the changes waiting")
            return
        written = [queue.popleft() for _ in range(count)]
        if self.store.accepts(partition):  # not once the partition is revoked or the store stopped: its next owner replays
            tp = TP(self.topic, partition)
            try:
                self.table.apply_changelog_batch([_Event(_Message(tp, partition, offset + i, raw_key, raw_value))
                                                  for i, (_, _, raw_key, raw_value) in enumerate(written)])
            except Exception as exc:  # noqa: BLE001 - a disk error: keep serving from memory, and say so
                self.stop_following(f"writing to RocksDB failed: {exc!r}")
                return
        values = self.values
        for _, key, _, _ in written:
            entry = values[key]
            entry[1] -= 1
            if not entry[1]:
                del values[key]

    def stop_following(self, why: str, level: int = logging.ERROR) -> None:
        if not self.broken:
            self.broken = why
            log.log(level, "table %s: the local store no longer follows the changelog (%s); changes are kept in memory "
                    "until the worker restarts, which reads the changelog on from the last offset written", self.topic, why)


async def changelog_partition(table: faust.Table, key: Any, raw_key: bytes,
                              partitions: list[int] | None) -> tuple[int, list[int] | None]:
    """The changelog partition of a change, and the changelog's partitions (``partitions`` if known, else
    asked once of the producer): the input's (faust's ``partition_for_key``), or for a ``use_partitioner``
    table the partition of the inputs keyed by this key (a case id as its plain bytes, not its JSON form),
    so the instance that reads those inputs recovers it (mediation's desk changelog has one partition)."""
    partition = table.partition_for_key(key)
    if partition is not None:
        return partition, partitions
    if partitions is None:
        producer = table.app.producer._ensure_producer()
        partitions = sorted(await producer.partitions_for(table.changelog_topic.get_topic_name()))
    input_key = key.encode() if isinstance(key, str) else raw_key
    return table.app.conf.producer_partitioner(input_key, partitions, partitions), partitions
