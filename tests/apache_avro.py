"""Records as a lender writes them with the official Apache ``avro`` package for Python (1.12). It has no
single-object encoder, so the lender builds the header itself: ``C3 01``, the fingerprint that library computes
(``Schema.fingerprint``: CRC-64-AVRO of its canonical form, little-endian), then the datum its ``DatumWriter``
writes."""
from __future__ import annotations

import io

import avro.io
import avro.schema

from remedy.kernel.settings import REPO_ROOT


def apache_avro_schema(name: str, version: int = 1) -> avro.schema.Schema:
    return avro.schema.parse((REPO_ROOT / "schemas" / name / f"v{version}.avsc").read_text(encoding="utf-8"))


def encode_with_apache_avro(name: str, record: dict, version: int = 1) -> bytes:
    schema = apache_avro_schema(name, version)
    body = io.BytesIO()
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(body))
    return b"\xc3\x01" + schema.fingerprint("CRC-64-AVRO") + body.getvalue()
