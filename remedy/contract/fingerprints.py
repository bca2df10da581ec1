"""The CRC-64-AVRO fingerprints a schema version is known by, one per way Avro implementations compute it.

The Avro spec's parsing canonical form reduces a primitive that carries a logical type,
``{"type": "int", "logicalType": "date"}``, to ``"int"``; fastavro, Java and JavaScript's avsc do so, and Remedy
writes that fingerprint. The official Python library (``avro`` 1.12) drops ``logicalType`` but keeps the wrapper,
``{"type":"int"}``, so every schema with a date or timestamp gets another fingerprint there. A lender may write
with any of them: the codec accepts each of these fingerprints as the same version (docs/schemas.md).
"""
from __future__ import annotations

import json

import avro.errors
import avro.schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

SPEC = "spec"                # fastavro, Java, avsc: the canonical form of the Avro specification; Remedy writes it
AVRO_PYTHON = "avro-python"  # the official Apache avro package for Python: logical types keep a {"type": ...} wrapper


def schema_fingerprint(raw: dict | str) -> bytes:
    """The spec's fingerprint: CRC-64-AVRO of the parsing canonical form, little-endian as on the wire."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(raw), "CRC-64-AVRO"))


def accepted_fingerprints(raw: dict) -> dict[str, bytes]:
    """Every fingerprint a correct implementation computes for the schema, by implementation family, the spec's
    first. A schema the official library cannot parse has no fingerprint there (its users cannot write it)."""
    found = {SPEC: schema_fingerprint(raw)}
    try:
        found[AVRO_PYTHON] = avro.schema.parse(json.dumps(raw)).fingerprint("CRC-64-AVRO")
    except avro.errors.AvroException:
        pass
    return found
