"""Publishing records to Kafka with kafka-python, Avro single-object encoded (what lenders and the gateway do)."""
from __future__ import annotations

from typing import Iterable

from kafka import KafkaProducer

from remedy.contract.codec import Codec
from remedy.kernel.settings import Settings

# What REMEDY_PRODUCER_COMPRESSION may name: codecs both aiokafka (cramjam) and kafka-python (lz4, zstandard) have
# here. snappy would need python-snappy for kafka-python.
CODECS = ("zstd", "lz4", "gzip", "none")


def compression_type(name: str) -> str | None:
    """A ``producer_compression`` setting as Kafka clients take it (``none`` is None)."""
    name = name.strip().lower()
    if name not in CODECS:
        raise ValueError(f"REMEDY_PRODUCER_COMPRESSION={name!r}: expected one of {', '.join(CODECS)}")
    return None if name == "none" else name


class Publisher:
    def __init__(self, bootstrap: str, codec: Codec, compression: str | None = None):
        """``compression``: a codec name (``CODECS``); by default the ``producer_compression`` setting."""
        self.codec = codec
        compression = Settings.from_env().producer_compression if compression is None else compression
        self._producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=10, acks="all",
                                       batch_size=256 * 1024, client_id="remedy-publisher",
                                       compression_type=compression_type(compression))

    def send(self, topic: str, key: str, schema: str, record: dict) -> None:
        self.send_raw(topic, key.encode(), self.codec.encode(schema, record))

    def send_raw(self, topic: str, key: bytes | None, value: bytes) -> None:
        self._producer.send(topic, key=key, value=value)

    def publish_defaults(self, defaults: Iterable[dict]) -> int:
        n = 0
        for d in defaults:
            self.send("loan.defaults", f"{d['lender_id']}:{d['loan_id']}", "LoanDefault", d)
            n += 1
        self.flush()
        return n

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()
