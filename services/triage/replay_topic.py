"""Reading ``case.events`` once, from the beginning to its end at start, for ``remedy replay``.

Every partition is assigned by hand (no consumer group, nothing committed). Tansu reports a
partition's end offset as the start of its last batch, not last + 1 (docs/architecture.md), so a partition is
read to its end when the position is past that offset, or at it when a poll of every partition still
being read returns nothing.
Undecodable records are counted by error type, never fatal.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from remedy.contract.codec import Codec, CodecError
from remedy.runtime.clients import process_security

TOPIC = "case.events"


class ReadError(RuntimeError):
    """The topic could not be read to its end."""


@dataclass
class TopicRead:
    events: list[dict] = field(default_factory=list)        # per partition in offset order
    undecodable: Counter = field(default_factory=Counter)    # error type → records
    first_bad: list[str] = field(default_factory=list)      # "partition/offset: error" of the first few


def read_case_events(bootstrap: str, codec: Codec, *, timeout: float = 300.0, idle_ms: int = 1000,
                     connect_timeout_ms: int = 10_000) -> TopicRead:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             client_id="remedy-replay", max_partition_fetch_bytes=4 * 1024 * 1024,
                             bootstrap_timeout_ms=connect_timeout_ms, **process_security())
    try:
        deadline = time.monotonic() + 15
        while not (partitions := consumer.partitions_for_topic(TOPIC)):
            if time.monotonic() > deadline:
                raise ReadError(f"topic {TOPIC} not found at {bootstrap}")
            time.sleep(0.3)
        tps = [TopicPartition(TOPIC, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        out = TopicRead()
        pending = set(tps)
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise ReadError(f"{TOPIC} not read to its end in {timeout:.0f}s")
            batch = consumer.poll(timeout_ms=idle_ms, max_records=5000)
            for tp, records in batch.items():
                for record in records:
                    _decode(codec, record, out)
            for tp in list(pending):
                position = consumer.position(tp)
                if position > ends[tp] or (position == ends[tp] and not batch):
                    pending.discard(tp)
                    consumer.pause(tp)
        return out
    finally:
        consumer.close()


def _decode(codec: Codec, record, out: TopicRead) -> None:
    try:
        out.events.append(codec.decode(record.value, expect="CaseEvent")[1])
    except CodecError as exc:
        out.undecodable[type(exc).__name__] += 1
        if len(out.first_bad) < 5:
            out.first_bad.append(f"{record.partition}/{record.offset}: {exc}")
