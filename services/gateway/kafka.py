"""The gateway's Kafka side: an aiokafka producer for the input topics, and the reader that keeps the read
model (projection.py, on disk) up to date with case.events, loan.defaults.rejected, loan.batches, payments and mediation.roster,
and keeps the audit trail (audit.py): the records of the input topics and notice.log, per case.

The reader has no consumer group: every gateway instance is assigned every partition of those topics and
keeps its own copy of the read model, so any instance answers any question. Each chunk of records is
applied and committed to the store together with the offset reached on each partition (store.py), so a
restarted gateway reads each partition from where its store stops, not from offset 0. Before it trusts
those offsets it reads the record just before each one: a partition that no longer holds it (a broker
that lost or recreated its topics: Tansu keeps them in memory), or holds another record there, means
the store describes another log, and the store is discarded (one warning line) and rebuilt from 0.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from remedy.contract.partykeys import Refused
from remedy.contract.codec import Codec, CodecError
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.signed import Verifier
from remedy.runtime.publish import compression_type
from remedy.kernel.ids import message_id
from services.gateway import roster_view
from services.gateway.audit import INPUT_TOPICS
from services.gateway.projection import Projection

log = logging.getLogger("remedy.gateway")
READ_TOPICS = {"case.events": "CaseEvent", "loan.defaults.rejected": "LoanDefaultRejected",
               "loan.batches": "BatchReport", "notice.log": "NoticeLogEntry", "mediation.roster": "RosterUpdate",
               **INPUT_TOPICS, "webhooks.subscriptions": "WebhookSubscription", "webhooks.log": "WebhookDelivery",
               "court.documents": "CourtDocument"}
CHUNK = 2000                 # records applied and committed at once
REASSIGN_SECONDS = 30.0      # how often the reader looks for partitions it does not read yet
CHECK_SECONDS = 10.0         # the longest the check of the stored offsets waits for the broker


async def start_producer(bootstrap: str, compression: str = "none", attempts: int = 60,
                         security: dict | None = None) -> AIOKafkaProducer:
    """The producer of the input topics; ``compression`` is a ``REMEDY_PRODUCER_COMPRESSION`` codec name,
    ``security`` how it authenticates (``remedy.runtime.clients.aiokafka_security``)."""
    for n in range(attempts):
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=10, acks="all",
                                    max_batch_size=256 * 1024, client_id="remedy-gateway",
                                    compression_type=compression_type(compression), **(security or {}))
        try:
            await producer.start()
            return producer
        except KafkaError:
            await producer.stop()
            if n == attempts - 1:
                raise
            await asyncio.sleep(1)
    raise RuntimeError("unreachable")


def fingerprint(value: bytes | None) -> str:
    return hashlib.blake2b(value or b"", digest_size=8).hexdigest()


class Replayer:
    """Reads every partition of READ_TOPICS into the projection, from the offsets its store holds."""

    def __init__(self, bootstrap: str, codec: Codec, projection: Projection, metrics: ServiceMetrics,
                 security: dict | None = None, verifier: Verifier | None = None):
        """``verifier``: checks the signed inputs (remedy.runtime.signed); a refused one is counted and not read."""
        self.bootstrap, self.codec, self.projection, self.metrics = bootstrap, codec, projection, metrics
        self.security = security or {}  # remedy.runtime.clients.aiokafka_security
        self.verifier = verifier
        self.consumer: AIOKafkaConsumer | None = None
        self.admin: AIOKafkaAdminClient | None = None  # where the partitions of READ_TOPICS are learnt
        self.undecodable = 0
        self.assigned: frozenset[TopicPartition] = frozenset()
        self.ends: dict[TopicPartition, int] = {}      # per partition: its end offset when it was assigned
        self.position: dict[TopicPartition, int] = {}  # per partition: the offset read next
        self.caught_up = False
        self._assigned_at = 0.0

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(bootstrap_servers=self.bootstrap.split(","), group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False, max_partition_fetch_bytes=4 * 1024 ** 2,
                                client_id="remedy-gateway-reader", **self.security)

    async def start(self) -> None:
        self.admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap.split(","), client_id="remedy-gateway-reader",
                                         **self.security)
        await self.admin.start()
        stored = self.projection.store.offsets()
        if stored:
            problem = await self.check(stored)
            if problem:
                self.projection.store.discard(problem)
            else:
                log.info("read model resumed at %s", ", ".join(f"{t}[{p}]@{o['next']}" for (t, p), o in sorted(stored.items())))
        self.consumer = self._consumer()
        await self.consumer.start()
        await self.assign()

    async def check(self, stored: dict[tuple[str, int], dict]) -> str | None:
        """Why the stored offsets cannot be trusted (the broker's log is not the one they describe), or None."""
        wanted = {TopicPartition(t, p): o for (t, p), o in stored.items() if o["next"] > 0}
        if not wanted:
            return None
        known = await self._partitions()
        for tp, reached in wanted.items():
            if tp not in known:
                return f"holds offsets up to {reached['next']} of {tp.topic}[{tp.partition}], which the broker does not have"
        probe = self._consumer()  # its own: the reader's consumer then starts with every partition at once
        await probe.start()
        try:
            return await self._compare(probe, wanted)
        finally:
            await probe.stop()

    @staticmethod
    async def _compare(probe: AIOKafkaConsumer, wanted: dict[TopicPartition, dict]) -> str | None:
        """Read the record before each stored offset: it must be there, and be the one the store last applied."""
        beyond = "holds offsets up to {} of {}[{}], beyond the broker's (the broker lost or recreated it)"
        for tp, end in (await probe.end_offsets(list(wanted))).items():
            if end == 0:
                return beyond.format(wanted[tp]["next"], tp.topic, tp.partition)
        probe.assign(list(wanted))
        for tp, reached in wanted.items():
            probe.seek(tp, reached["next"] - 1)
        pending, deadline = set(wanted), time.monotonic() + CHECK_SECONDS
        while pending and time.monotonic() < deadline:
            for tp, records in (await probe.getmany(*pending, timeout_ms=200)).items():
                first, at = records[0], wanted[tp]["next"] - 1
                pending.discard(tp)
                if first.offset < at:  # the offset was out of range: read again from the start
                    return beyond.format(at + 1, tp.topic, tp.partition)
                if first.offset == at and fingerprint(first.value) != wanted[tp]["last"]:
                    return f"differs from {tp.topic}[{tp.partition}] at offset {at} (it describes another log)"
        if pending:
            tp = min(pending)
            return beyond.format(wanted[tp]["next"], tp.topic, tp.partition)
        return None

    async def _partitions(self) -> set[TopicPartition]:
        """Every partition of READ_TOPICS the broker has now (asked afresh: the consumer's own metadata covers
        only the partitions it is assigned)."""
        found = set()
        for topic in await self.admin.describe_topics(list(READ_TOPICS)):
            if topic.get("error_code", 0) == 0:
                name = topic.get("topic", topic.get("name"))
                found |= {TopicPartition(name, p.get("partition", p.get("partition_index"))) for p in topic["partitions"]}
        return found

    async def assign(self) -> None:
        """Read every partition of READ_TOPICS, each from the offset the store holds for it (0 if none)."""
        self._assigned_at = time.monotonic()
        partitions = frozenset(await self._partitions())
        if partitions == self.assigned:
            return
        # the ends first: asked while a fetch waits at the end of a partition, the answer waits behind it
        self.ends = await self.consumer.end_offsets(list(partitions)) if partitions else {}
        self.consumer.assign(list(partitions))
        stored = self.projection.store.offsets()
        self.position = {tp: stored.get((tp.topic, tp.partition), {}).get("next", 0) for tp in partitions}
        for tp, offset in self.position.items():
            self.consumer.seek(tp, offset)
        self.assigned = partitions
        self.caught_up = self.caught_up or all(self.position[tp] >= end for tp, end in self.ends.items())

    async def run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=CHUNK)
            self.apply_chunk(batches)
            if not self.caught_up and self.assigned:
                self.caught_up = not batches or all(self.position[tp] >= end for tp, end in self.ends.items())
            if time.monotonic() - self._assigned_at > REASSIGN_SECONDS or len(self.assigned) == 0:
                await self.assign()

    def apply_chunk(self, batches: dict) -> None:
        """Apply a chunk and commit it with the offsets it reached: at once, with no await in between, so
        an HTTP answer never sees half a chunk."""
        reached = {}
        for tp, records in batches.items():
            for msg in records:
                if self.refused(msg):
                    continue
                self.apply(msg.topic, msg.value, message_id(msg.topic, msg.partition, msg.offset))
            last = records[-1]
            reached[(tp.topic, tp.partition)] = {"next": last.offset + 1, "last": fingerprint(last.value)}
            self.position[tp] = last.offset + 1
        self.projection.commit(reached)

    def refused(self, msg) -> bool:
        """Whether a record of a signed topic is not its party's (counted in ``records_refused``, logged)."""
        if self.verifier is None:
            return False
        try:
            self.verifier.check(msg.topic, msg.key, msg.value, msg.headers)
        except Refused as exc:
            log.warning("refused %s/%s/%s: %s", msg.topic, msg.partition, msg.offset, exc)
            return True
        return False

    def apply(self, topic: str, value: bytes, ref: str = "") -> None:
        try:
            _, record = self.codec.decode(value, expect=READ_TOPICS[topic])
        except CodecError as exc:
            self.undecodable += 1
            log.warning("undecodable record on %s: %s", topic, type(exc).__name__)
            return
        self.metrics.consumed.labels(topic).inc()
        if topic == "case.events":
            self.projection.apply_event(record)
        elif topic == "loan.defaults.rejected":
            self.projection.apply_rejected(record)
        elif topic == "loan.batches":
            self.projection.apply_batch_report(record)
        elif topic == "notice.log":
            self.projection.apply_notice(record)
        elif topic == "mediation.roster":
            roster_view.apply(self.projection.store, record, ref)
        elif topic == "webhooks.subscriptions":
            self.projection.webhooks.apply_subscription(record)
        elif topic == "webhooks.log":
            self.projection.webhooks.apply_delivery(record)
        elif topic == "court.documents":
            self.projection.documents.apply(record)
        else:
            if topic == "payments":
                self.projection.apply_payment(record)
            elif topic == "lender.updates":
                self.projection.evidence.apply(record)
            self.projection.apply_input(topic, ref, record)

    async def stop(self) -> None:
        if self.admin is not None:
            await self.admin.close()
        if self.consumer is not None:
            await self.consumer.stop()
