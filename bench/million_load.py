"""The 1M benchmark's input: valid defaults from a dozen lenders, encoded before the clock starts, and the
publishers that send them.

The defaults are ``sim.defaults.realistic_default`` (the books of ``remedy run``: each lender's products,
amounts, dates and regions; uneven book sizes as in ``demo_batch``, one batch per lender), generated lender by
lender and kept only as (key, Avro bytes), so a million of them take about 0.6 GB rather than several GB of
dicts; then shuffled, as lenders' uploads interleave.
"""
from __future__ import annotations

import random
import threading
import time
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from remedy.contract.codec import Codec
from remedy.runtime.publish import Publisher
from sim.defaults import LENDERS, realistic_default

TOPIC = "loan.defaults"
Record = tuple[bytes, bytes]


def book_sizes(n: int, lenders: int) -> list[int]:
    """``n`` split over ``lenders`` uneven books (weights 1 / (k + 1)^0.6, as ``demo_batch``)."""
    weights = [1 / (k + 1) ** 0.6 for k in range(lenders)]
    sizes = [int(n * w / sum(weights)) for w in weights]
    sizes[0] += n - sum(sizes)
    return sizes


def encode_defaults(codec: Codec, n: int, lenders: int, now: datetime, seed: int = 2026,
                    first_loan: int = 0, batch_tag: str = "") -> list[Record]:
    """``n`` valid defaults from ``lenders`` lenders as (key, value) records of ``loan.defaults``, shuffled."""
    if not 1 <= lenders <= len(LENDERS):
        raise ValueError(f"--lenders {lenders}: between 1 and {len(LENDERS)} (sim.defaults.LENDERS)")
    rng = random.Random(seed)
    out: list[Record] = []
    loan_no = first_loan
    for lender, size in zip(LENDERS[:lenders], book_sizes(n, lenders)):
        batch_id = f"B-{lender[0][7:]}-{now:%Y%m}{batch_tag}"
        for _ in range(size):
            d = realistic_default(rng, lender, loan_no, batch_id, size, now)
            out.append((f"{d['lender_id']}:{d['loan_id']}".encode(), codec.encode("LoanDefault", d)))
            loan_no += 1
    rng.shuffle(out)
    return out


class Feed(threading.Thread):
    """Publishes every record as fast as the producer and the broker take them, then flushes."""

    def __init__(self, bootstrap: str, codec: Codec, records: list[Record]):
        super().__init__(name="bench-feed", daemon=True)
        self.bootstrap, self.codec, self.records = bootstrap, codec, records
        self.sent = 0
        self.seconds: float | None = None   # from the first send to the flush's end
        self.error: BaseException | None = None

    def run(self) -> None:
        started = time.monotonic()
        try:
            pub = Publisher(self.bootstrap, self.codec)
            try:
                for key, value in self.records:
                    pub.send_raw(TOPIC, key, value)
                    self.sent += 1
                pub.flush()
            finally:
                pub.close()
            self.seconds = time.monotonic() - started
        except BaseException as exc:  # noqa: BLE001 - reported by the benchmark
            self.error = exc


class Trickle(threading.Thread):
    """Waves of ``wave`` records every ``every`` seconds until stopped (so a restarted worker has input)."""

    def __init__(self, bootstrap: str, codec: Codec, records: list[Record], wave: int = 40, every: float = 0.25):
        super().__init__(name="bench-trickle", daemon=True)
        self.bootstrap, self.codec, self.records, self.wave, self.every = bootstrap, codec, records, wave, every
        self.stopping = threading.Event()
        self.sent = 0

    def run(self) -> None:
        pub = Publisher(self.bootstrap, self.codec)
        try:
            while not self.stopping.is_set() and self.sent < len(self.records):
                for key, value in self.records[self.sent:self.sent + self.wave]:
                    pub.send_raw(TOPIC, key, value)
                self.sent = min(len(self.records), self.sent + self.wave)
                pub.flush()
                self.stopping.wait(self.every)
        finally:
            pub.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(15)


def topic_records(bootstrap: str) -> dict[str, int]:
    """Records per topic on the broker (end offsets summed over partitions; on Tansu short by at most a batch
    per partition), largest first: where the dev broker's memory goes."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        parts = [TopicPartition(topic, p) for topic in consumer.topics()
                 for p in consumer.partitions_for_topic(topic) or ()]
        out: dict[str, int] = {}
        for tp, end in consumer.end_offsets(parts).items():
            out[tp.topic] = out.get(tp.topic, 0) + (end or 0)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))
    finally:
        consumer.close()


def topic_bytes(bootstrap: str, per_topic: int = 200_000) -> dict[str, tuple[int, int]]:
    """(records read, bytes of keys, values and headers) per topic, largest first: what the dev broker holds
    before its own overhead. Reads at most ``per_topic`` records of each topic (scale by ``topic_records``)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             max_partition_fetch_bytes=8 << 20)
    try:
        out: dict[str, tuple[int, int]] = {}
        for topic in sorted(consumer.topics()):
            parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
            ends = {tp: end for tp, end in consumer.end_offsets(parts).items() if end}
            if not ends:
                continue
            consumer.assign(list(ends))
            consumer.seek_to_beginning(*ends)
            n = size = 0
            while n < per_topic and any(consumer.position(tp) < end for tp, end in ends.items()):
                got = consumer.poll(timeout_ms=2_000, max_records=5_000)
                if not got:
                    break
                for batch in got.values():
                    n += len(batch)
                    size += sum(len(r.key or b"") + len(r.value or b"") +
                                sum(len(k) + len(v or b"") for k, v in r.headers or ()) for r in batch)
            out[topic] = (n, size)
        return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))
    finally:
        consumer.close()
