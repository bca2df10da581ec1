"""The gateway's Kafka side: an aiokafka producer for the input topics and a group-less consumer
that replays case.events, loan.defaults.rejected, loan.batches and payments into the projection."""
from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from remedy.contract.codec import Codec, CodecError
from remedy.runtime.metrics import ServiceMetrics
from services.gateway.projection import Projection

log = logging.getLogger("remedy.gateway")
READ_TOPICS = {"case.events": "CaseEvent", "loan.defaults.rejected": "LoanDefaultRejected",
               "loan.batches": "BatchReport", "payments": "Payment"}


async def start_producer(bootstrap: str, attempts: int = 60) -> AIOKafkaProducer:
    for n in range(attempts):
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=10, acks="all",
                                    max_batch_size=256 * 1024, client_id="remedy-gateway")
        try:
            await producer.start()
            return producer
        except KafkaError:
            await producer.stop()
            if n == attempts - 1:
                raise
            await asyncio.sleep(1)
    raise RuntimeError("unreachable")


class Replayer:
    """Feeds the projection from the beginning of every topic it reads; never commits offsets."""

    def __init__(self, bootstrap: str, codec: Codec, projection: Projection, metrics: ServiceMetrics):
        self.bootstrap, self.codec, self.projection, self.metrics = bootstrap, codec, projection, metrics
        self.consumer: AIOKafkaConsumer | None = None
        self.undecodable = 0

    async def start(self) -> None:
        self.consumer = AIOKafkaConsumer(*READ_TOPICS, bootstrap_servers=self.bootstrap.split(","), group_id=None,
                                         auto_offset_reset="earliest", enable_auto_commit=False,
                                         client_id="remedy-gateway-reader")
        await self.consumer.start()

    async def run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=500, max_records=2000)
            for records in batches.values():
                for msg in records:
                    self.apply(msg.topic, msg.value)

    def apply(self, topic: str, value: bytes) -> None:
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
        else:
            self.projection.apply_payment(record)

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()
