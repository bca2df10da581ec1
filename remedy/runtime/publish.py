"""Publishing records to Kafka with kafka-python, Avro single-object encoded and, on a signed topic, signed
(what lenders and the other outside parties do: docs/security.md)."""
from __future__ import annotations

from typing import Iterable

from kafka import KafkaProducer

from remedy.contract.codec import Codec
from remedy.contract.signers import DevParties, signed_topics
from remedy.contract.signing import Signer, read_key_file
from remedy.kernel.settings import Settings, SettingsError
from remedy.runtime.clients import kafka_python_security

# What REMEDY_PRODUCER_COMPRESSION may name: codecs both aiokafka (cramjam) and kafka-python (lz4, zstandard) have
# here. snappy would need python-snappy for kafka-python.
CODECS = ("zstd", "lz4", "gzip", "none")


def compression_type(name: str) -> str | None:
    """A ``producer_compression`` setting as Kafka clients take it (``none`` is None)."""
    name = name.strip().lower()
    if name not in CODECS:
        raise ValueError(f"REMEDY_PRODUCER_COMPRESSION={name!r}: expected one of {', '.join(CODECS)}")
    return None if name == "none" else name


def signer_from_settings(settings: Settings, codec: Codec) -> Signer:
    """``REMEDY_SIGNING_KEY``'s party; without it, in dev, every party's development key (``DevParties``)."""
    if settings.signing_key:
        return read_key_file(settings.signing_key)
    if not settings.dev:
        raise SettingsError("REMEDY_SIGNING_KEY: outside dev (REMEDY_ENV) records are signed with the party's own key "
                            "file; development keys are refused")
    return DevParties(codec)


class Publisher:
    def __init__(self, bootstrap: str, codec: Codec, compression: str | None = None, signer: Signer | None = None):
        """``compression``: a codec name (``CODECS``); by default the ``producer_compression`` setting. ``signer``
        signs what goes to a signed topic; by default ``signer_from_settings``."""
        self.codec = codec
        settings = Settings.from_env()
        compression = settings.producer_compression if compression is None else compression
        self.signer = signer if signer is not None else signer_from_settings(settings, codec)
        self._producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), linger_ms=10, acks="all",
                                       batch_size=256 * 1024, client_id="remedy-publisher",
                                       compression_type=compression_type(compression), **kafka_python_security(settings))

    def send(self, topic: str, key: str, schema: str, record: dict) -> None:
        self.send_raw(topic, key.encode(), self.codec.encode(schema, record), record)

    def send_raw(self, topic: str, key: bytes | None, value: bytes, record: dict | None = None) -> None:
        """Signed when ``topic`` is (``record``, when given, saves decoding ``value`` to find its party)."""
        headers = self.signer.sign(topic, key, value, record) if topic in signed_topics() else None
        self._producer.send(topic, key=key, value=value, headers=headers or None)

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
