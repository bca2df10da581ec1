"""Writing a faust table on the hot path.

``table[key] = value`` sends its changelog record through faust's ``Topic.send_soon`` (a
FutureMessage, the producer buffer, a callback per record), measured at ~0.3 ms per write here:
more than the whole decision in most stages. ``put`` writes the same bytes to the same changelog
partition through the service's outbox (``Runtime.send``), then the local store. Recovery reads them like any other
changelog record. faust flushes the producer before it commits input offsets, so a change reaches
the changelog before the input that caused it is committed (at-least-once holds).

The local store depends on the table store (``remedy.runtime.stores``):

- ``memory://``: the change is written to faust's in-memory store at once (it dies with the worker).
- RocksDB (``RocksDBStore``): the change waits in memory (``Pending``; ``get`` and ``items`` read it
  from there) until the broker has acknowledged its changelog record, then goes to RocksDB with its
  changelog offset. A worker killed mid-batch therefore never restarts on a change whose changelog
  record — and whose outputs, written in the same outbox batch — never left: it would take the
  redelivered input for a duplicate and its outputs would be lost. Acknowledgements arrive per
  record batch (``Runtime.sent_listeners``), with the offset of the batch's first record, and are
  taken in the order the batches were handed to the producer (the order of the changes per partition). If any write to the broker fails, the local store stops following (the
  changes stay readable in memory) until the worker restarts and reads the changelog on from the
  last offset it wrote.

Matching acknowledgements to changes relies on two facts about the outbox (``remedy.runtime.outbox``,
pinned by tests/unit/test_tables.py): each flush swaps its ``pending`` list for a new one under its
lock before handing the old one's records to the producer, and it calls its ``on_sent`` while doing
so. A change is tagged with the outbox generation (``pending`` list) it was written into; a record
batch handed while generation g+1 is ``pending`` holds changes of generation g. An acknowledged
batch must then find exactly its changes at the head of its partition's queue: changes of an older
generation there were lost by a flush that failed or was cancelled (a worker stopping), and the
local store stops following rather than write a change under another change's offset.

Every write to a table must go through ``put``: mixing it with ``table[key] = value`` could reorder
two writes of one key on the changelog.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

import faust
from faust.utils import json as faust_json

from remedy.runtime.stores import RocksDBStore
from remedy.runtime.table_pending import Pending, changelog_partition

if TYPE_CHECKING:
    from remedy.runtime.app import Runtime

log = logging.getLogger("remedy.runtime.tables")

def _dumps(table: faust.Table, key: Any, value: Any) -> tuple[bytes, bytes | None]:
    if table.key_serializer == table.value_serializer == "json":  # every Remedy table: skip faust's codec registry
        return faust_json.dumps(key), None if value is None else faust_json.dumps(value)
    topic = table.changelog_topic
    return topic.prepare_key(key, None)[0], None if value is None else topic.prepare_value(value, None)[0]


class Deliveries:
    """A service's ``Pending`` tables, told by its outbox what it hands to the producer and what the broker
    has acknowledged (see the module's docstring)."""

    def __init__(self, rt: "Runtime"):
        self.outbox = rt.outbox
        self.tables: dict[str, Pending] = {}
        self._generation: list | None = None  # the outbox's pending list a change was last written into
        self._seq = 0
        self._ledger: deque = deque()  # (delivery future, records, generation) in the order handed to the producer
        rt.sent_listeners.append(self.on_sent)

    @classmethod
    def of(cls, rt: "Runtime") -> "Deliveries":
        deliveries = rt.__dict__.get("_table_deliveries")
        if deliveries is None:
            deliveries = rt.__dict__["_table_deliveries"] = cls(rt)
        return deliveries

    def pending_for(self, table: faust.Table) -> Pending:
        topic = table.changelog_topic.get_topic_name()
        pending = self.tables.get(topic)
        if pending is None:
            pending = self.tables[topic] = Pending(table, table.data)
        return pending

    def generation(self) -> int:
        """The outbox generation a record written now goes into."""
        current = self.outbox.pending
        if current is not self._generation:
            self._generation = current
            self._seq += 1
        return self._seq

    def on_sent(self, sent: asyncio.Future, records: int) -> None:
        """Called by the outbox for each record batch it hands to the producer, with its delivery future."""
        if self._generation is None:
            return
        handed = self._seq - 1 if self.outbox.pending is self._generation else self._seq
        self._ledger.append((sent, records, handed))
        sent.add_done_callback(self._drain)

    def _drain(self, _: asyncio.Future) -> None:
        """Acknowledgements, taken in the order their batches were handed to the producer: their futures may
        resolve out of that order (aiokafka shields a batch's future, so it completes a loop turn after the
        futures of records that joined the batch later)."""
        ledger = self._ledger
        while ledger and ledger[0][0].done():
            done, records, generation = ledger.popleft()
            self.on_delivered(done, records, generation)

    def on_delivered(self, done: asyncio.Future, records: int, generation: int) -> None:
        if done.cancelled() or done.exception() is not None:
            why = "a write to the broker failed" + ("" if done.cancelled() else f": {done.exception()!r}")
            for pending in self.tables.values():  # which partition it was is unknown: no table can trust its order now
                pending.stop_following(why)
            return
        metadata = done.result()
        pending = self.tables.get(metadata.topic) if metadata is not None else None
        if pending is not None:
            pending.delivered(metadata.partition, metadata.offset, records, generation)


def pending_for(rt: "Runtime", table: faust.Table) -> Pending | None:
    """The table's ``Pending`` if its store is Remedy's RocksDB store; None for the in-memory store."""
    if not isinstance(table.data, RocksDBStore):
        return None
    return Deliveries.of(rt).pending_for(table)


_LOOK_UP: Any = object()


async def put(rt: "Runtime", table: faust.Table, key: Any, value: Any, pending: Pending | None = _LOOK_UP) -> None:
    """``table[key] = value``; a value of None is written as a tombstone and removes the key.
    Written through ``rt.send``, so a changelog record the producer fails to write is counted and logged.
    ``pending``: the table's ``pending_for`` (looked up when not given)."""
    raw_key, raw_value = _dumps(table, key, value)
    if pending is _LOOK_UP:
        pending = pending_for(rt, table)
    if pending is None:  # the in-memory store
        partition, _ = await changelog_partition(table, key, raw_key, None)
        await rt.send(table.changelog_topic.get_topic_name(), raw_key, raw_value, partition)
        if value is None:
            table.data.pop(key, None)
        else:
            table.data[key] = value
        return
    partition = await pending.partition_for(key, raw_key)
    # Queued in the same step as the outbox takes the record (nothing awaits in between): the same order.
    pending.add(Deliveries.of(rt).generation(), key, value, partition, raw_key, raw_value)
    try:
        await rt.send(pending.topic, raw_key, raw_value, partition)
    except asyncio.CancelledError:
        pending.stop_following("the worker is stopping", logging.INFO)
        raise
    except Exception as exc:
        pending.stop_following(f"the changelog record could not be written: {exc!r}")
        raise
