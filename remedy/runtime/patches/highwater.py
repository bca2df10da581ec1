"""True end offsets for faust's table recovery, whatever the broker answers.

faust rebuilds a table by reading its changelog up to the partition's end offset, which it asks
the broker for (ListOffsets). Tansu's in-memory engine answers the *first* offset of the last
record batch + 1, not the last offset + 1 as Kafka does: after batches of 10 and 5 records it
answers 11, not 15. Recovery then stops after the last batch's first record and silently forgets
the rest of it (tests/broker/test_intake_service.py caught it after a crash).

``install()`` makes faust's consumer check the answer: it reads the partition from the reported
end offset - 1 and takes the offset after the last record it finds. On Kafka that record is the
last one, so the answer is unchanged; the cost is one short fetch per changelog partition at
recovery.

Guarded (``remedy.runtime.patches.guard``): ``GUARD`` records the faust version and the sha256 of the
``_highwaters`` it wraps; with another faust the worker refuses to start. This is a correctness fix, not a speed
one: ``tests/broker/test_highwater.py`` shows the short answer on a real Tansu and the corrected one.
Without it (``REMEDY_FAUST_PATCHES`` leaving out ``highwater``) faust's own end offsets are used: right
on Apache Kafka, but on Tansu a table recovered after a restart silently loses every record of its
changelog's last batch after the first.
"""
from __future__ import annotations

import asyncio
import time

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from kafka import KafkaConsumer, TopicPartition

from remedy.runtime.clients import process_security
from remedy.runtime.patches.guard import Guard, original, replace, restore

GUARD = Guard(
    module=__name__, patch="highwater", use="wraps",
    target="faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._highwaters",
    kind="coroutine method", distribution="faust-streaming", versions=("0.15.3",),
    sha256="a7f4f97d9f32aca2777713e22671d70eae4b3ae51541bb09a90448ce83acefce",
    without="faust's own end offsets are used: on Tansu a table recovered after a restart silently loses "
            "the rest of its changelog's last record batch")

_reported_end_offsets = original(AIOKafkaConsumerThread, "_highwaters")


def last_offsets_after(bootstrap: list[str], reported: dict, timeout: float = 10.0) -> dict:
    """``reported`` end offsets, each moved past the last record actually found from there on. Keyed as given: any
    client's partitions (faust's, aiokafka's, kafka-python's) with ``topic`` and ``partition``."""
    found = {TopicPartition(tp.topic, tp.partition): end for tp, end in reported.items()}
    pending = {tp for tp, end in found.items() if end}
    if pending:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                 max_poll_records=1_000_000, **process_security())
        try:
            consumer.assign(list(pending))
            for tp in pending:
                consumer.seek(tp, found[tp] - 1)
            deadline = time.monotonic() + timeout
            while pending and time.monotonic() < deadline:
                for tp, records in consumer.poll(timeout_ms=200).items():
                    found[tp] = max(found[tp], records[-1].offset + 1)
                    pending.discard(tp)
        finally:
            consumer.close()
    return {tp: found[TopicPartition(tp.topic, tp.partition)] for tp in reported}


async def _checked_end_offsets(self, partitions):
    reported = await _reported_end_offsets(self, partitions)
    if self.consumer.in_transaction:
        return reported
    bootstrap = [f"{url.host}:{url.port}" for url in self.app.conf.broker]
    found = await asyncio.to_thread(last_offsets_after, bootstrap, {tp: end for tp, end in reported.items() if end is not None})
    return {tp: found.get(tp, end) for tp, end in reported.items()}


def install() -> None:
    replace(AIOKafkaConsumerThread, "_highwaters", _checked_end_offsets)


def uninstall() -> None:
    restore(AIOKafkaConsumerThread, "_highwaters")
