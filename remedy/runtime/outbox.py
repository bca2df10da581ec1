"""A service's outputs, sent as one record batch per topic-partition instead of a send per record.

aiokafka's ``send`` costs ~30 µs a record here (a coroutine, a future, the accumulator's
bookkeeping); ``send_batch`` hands it a whole ``BatchBuilder`` at once. While an agent handles a
batch of inputs its outputs and changelog records are only appended here; the agent flushes when
the batch is handled, before faust may acknowledge (and later commit) the inputs. A record sent
from anywhere else (a timer, a background task, a web handler) is flushed at once.

aiokafka queues a second batch for a partition only once the first has been drained to the broker
(a produce round trip, linger included): a partition that already has a batch on its way gets its
records by plain ``send``, which appends them to that batch. Without that a timer writing one record
at a time to one partition waited a round trip per record.

One outbox per service, one lock for flushing, records kept in the order they were written: two
writes of one key — a changelog record from two agents, say — reach their partition in the order
they were made, which per-agent batches would not guarantee.

Outputs go first: when a flush holds both, the table changelog records are handed over only once the
broker has the outputs. A worker killed between the two otherwise left a changelog saying an input
was handled while its outputs never arrived, and after the restart the input was a duplicate: lost.

Changelog records are coalesced: a table write of a key whose record of the same changelog partition still
waits here replaces that record's value in place (its place in the order is the first write's), so a key
changed by many inputs of one batch costs the broker one record, not one per input. Only the latest state
of a key was ever read back, and the outputs of the batch still leave before any of its changelog records.
``remedy.runtime.table_pending.Pending`` applies the same rule to the changes it matches acknowledgements
against (same ``pending`` list, same partition, same key).

Whether a partition has a batch on its way is read from aiokafka's accumulator
(``producer._message_accumulator._batches``: batches not yet drained to the broker); aiokafka has no
public way to ask, and the futures ``send_batch`` returns resolve only when the broker answers, a
round trip later than the drain. ``GUARDS`` checks both private names at start-up
(``remedy.runtime.patches.guard``). A topic's partitions come from aiokafka's public
``partitions_for`` (which waits for metadata when the topic is not known yet).
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
from typing import Callable

from aiokafka.structs import TopicPartition

from remedy.runtime.partitioner import KeyPartitioner
from remedy.runtime.patches.guard import Guard

CHANGELOG = "-changelog"   # a faust table's changelog topic

GUARDS = (
    Guard(module=__name__, use="reads", target="aiokafka.producer.producer:AIOKafkaProducer._message_accumulator",
          kind="attribute", distribution="aiokafka", versions=("0.14.0",)),
    Guard(module=__name__, use="reads", target="aiokafka.producer.message_accumulator:MessageAccumulator._batches",
          kind="attribute", distribution="aiokafka", versions=("0.14.0",)),
)


class BatchScope:
    """Marks the records written while one agent batch is being handled (a context variable, so a
    task the agent starts inherits it, and finds it closed once the batch is done)."""

    __slots__ = ("open",)

    def __init__(self):
        self.open = True


current_scope: contextvars.ContextVar[BatchScope | None] = contextvars.ContextVar("remedy_batch_scope", default=None)


class Outbox:
    def __init__(self, producer: Callable[[], object], partitioner: KeyPartitioner, on_sent: Callable):
        """``producer()`` returns the started aiokafka producer; ``on_sent(future, records)`` is called
        with each batch's delivery future and how many records it holds."""
        self._producer, self._partitioner, self._on_sent = producer, partitioner, on_sent
        self.pending: list[tuple[str, bytes | None, bytes | None, int | None]] = []
        self._latest: dict[tuple[str, int, bytes | None], int] = {}  # a changelog record's place in ``pending``
        self.coalesced = 0   # changelog records replaced by a later write of their key before they left
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def batch(self):
        """Records written inside (by this task, or tasks it starts meanwhile) wait, and leave together
        at the end: an agent's batch of inputs, or a timer's sweep."""
        scope = BatchScope()
        token = current_scope.set(scope)
        try:
            yield
        finally:
            scope.open = False
            current_scope.reset(token)
        await self.flush()

    async def send(self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None) -> None:
        at = None
        if partition is not None and topic.endswith(CHANGELOG):
            slot = (topic, partition, key)
            at = self._latest.get(slot)
            if at is None:
                self._latest[slot] = len(self.pending)
        if at is None:
            self.pending.append((topic, key, value, partition))
        else:   # the key's record still waits: it leaves with this value (see the module's docstring)
            self.pending[at] = (topic, key, value, partition)
            self.coalesced += 1
        scope = current_scope.get()
        if scope is None or not scope.open:
            await self.flush()

    async def flush(self) -> None:
        """Hand every pending record to the producer, grouped per topic-partition, in written order."""
        if not self.pending:
            return
        async with self._lock:
            records, self.pending, self._latest = self.pending, [], {}
            if not records:
                return
            producer = self._producer()
            groups = await self._grouped(producer, records)
            sent = []
            for (topic, partition), pairs in groups.items():
                if not topic.endswith(CHANGELOG):
                    sent += await self._send_group(producer, topic, partition, pairs)
            changelogs = [(tp, pairs) for tp, pairs in groups.items() if tp[0].endswith(CHANGELOG)]
            if changelogs and sent:
                # The outputs are on the broker before the state that says they were made: a worker killed
                # in between then repeats them after its restart instead of taking the input as done.
                await asyncio.gather(*sent)
            for (topic, partition), pairs in changelogs:
                await self._send_group(producer, topic, partition, pairs)

    async def send_acknowledged(self, records: list[tuple[str, bytes | None, bytes | None, int | None]]) -> None:
        """Hands ``records`` (topic, key, value, partition; no changelog records) to the producer at once and
        returns when the broker has every one: for a task whose next write says these were made. Two writes
        handed over one after the other can reach the broker in the other order (a partition waiting for its
        batch in flight holds its records back, another partition's leave at once), so a worker killed in
        between kept the second and lost the first."""
        async with self._lock:
            producer = self._producer()
            futures = []
            for (topic, partition), pairs in (await self._grouped(producer, records)).items():
                futures += await self._send_group(producer, topic, partition, pairs)
        await asyncio.gather(*futures)

    async def _grouped(self, producer, records) -> dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]]:
        """Records per topic-partition (a key's partition as Kafka's partitioner picks it), in written order."""
        groups: dict[tuple[str, int], list[tuple[bytes | None, bytes | None]]] = {}
        for topic, key, value, partition in records:
            if partition is None:
                partition = self._partitioner(key, await self._partitions(producer, topic), [])
            groups.setdefault((topic, partition), []).append((key, value))
        return groups

    @staticmethod
    async def _partitions(producer, topic: str) -> list[int]:
        known = producer.client.cluster.partitions_for_topic(topic)  # no coroutine when the topic is known
        if not known:
            known = await producer.partitions_for(topic)
        return sorted(known)

    async def _send_group(self, producer, topic: str, partition: int, pairs: list) -> list:
        """Hand one topic-partition's records to the producer; their delivery futures."""
        futures = []

        def handed(future, count: int) -> None:
            self._on_sent(future, count)
            futures.append(future)

        if producer._message_accumulator._batches.get(TopicPartition(topic, partition)):
            for key, value in pairs:  # a batch is on its way: join it (see the module's docstring)
                handed(await producer.send(topic, value, key=key, partition=partition), 1)
            return futures
        builder, count = producer.create_batch(), 0
        for key, value in pairs:
            if builder.append(timestamp=None, key=key, value=value) is None:
                if count:  # full: send it and start the next one
                    handed(await producer.send_batch(builder, topic, partition=partition), count)
                    builder, count = producer.create_batch(), 0
                if builder.append(timestamp=None, key=key, value=value) is None:  # larger than a batch
                    handed(await producer.send(topic, value, key=key, partition=partition), 1)
                    continue
            count += 1
        if count:
            handed(await producer.send_batch(builder, topic, partition=partition), count)
        return futures
