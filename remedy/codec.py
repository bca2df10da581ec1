"""Avro single-object encoding, exactly as the Avro spec and DESIGN.md state.

    C3 01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's
    parsing canonical form | Avro binary datum

Any Avro implementation can decode these bytes from ``schemas/`` alone. Decoding looks the
writer schema up by fingerprint among *every* version kept in ``schemas/<Name>/v*.avsc`` and
resolves it into the newest version (the reader schema).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

MAGIC = b"\xc3\x01"
HEADER_LEN = 10
EVENTS_NS = "remedy.events."


class CodecError(Exception):
    """Bytes that cannot become a record. Subclasses say why."""


class UnknownFingerprint(CodecError):
    pass


class CorruptMessage(CodecError):
    pass


class WrongSchema(CodecError):
    """Well-formed bytes of another record type than the topic carries."""


class EncodeError(CodecError):
    pass


@dataclass(frozen=True)
class SchemaVersion:
    name: str
    version: int
    raw: dict
    parsed: Any
    fingerprint: bytes
    path: Path


def schema_fingerprint(raw: dict) -> bytes:
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(raw), "CRC-64-AVRO"))


def load_versions(schemas_dir: str | Path) -> dict[str, list[SchemaVersion]]:
    """Every ``<Name>/vN.avsc`` under the directory, oldest first."""
    found: dict[str, list[SchemaVersion]] = {}
    for path in sorted(Path(schemas_dir).glob("*/v*.avsc")):
        match = re.fullmatch(r"v(\d+)\.avsc", path.name)
        if not match:
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        parsed = fastavro.parse_schema(raw, named_schemas={})
        found.setdefault(path.parent.name, []).append(
            SchemaVersion(path.parent.name, int(match.group(1)), raw, parsed, schema_fingerprint(raw), path))
    for versions in found.values():
        versions.sort(key=lambda v: v.version)
    return found


class Codec:
    def __init__(self, schemas_dir: str | Path):
        self.versions = load_versions(schemas_dir)
        self.current = {name: vs[-1] for name, vs in self.versions.items()}
        self._by_fp = {v.fingerprint: v for vs in self.versions.values() for v in vs}
        self._headers = {name: MAGIC + v.fingerprint for name, v in self.current.items()}

    def encode(self, name: str, record: dict) -> bytes:
        schema = self.current[name]
        if name == "CaseEvent":
            envelope = dict(record)
            envelope["event"] = (EVENTS_NS + envelope.pop("type"), record["event"])
            record = envelope
        out = io.BytesIO()
        out.write(self._headers[name])
        try:
            fastavro.schemaless_writer(out, schema.parsed, record, strict_allow_default=True)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise EncodeError(f"{name}: {exc}") from exc
        return out.getvalue()

    def decode(self, data: bytes, expect: str | None = None) -> tuple[str, dict]:
        """Bytes → (record name, record). Raises a CodecError subclass on anything wrong."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < HEADER_LEN:
            raise CorruptMessage(f"too short for single-object encoding ({0 if data is None else len(data)} bytes)")
        if data[:2] != MAGIC:
            raise CorruptMessage(f"bad magic {bytes(data[:2]).hex()} (want c301)")
        writer = self._by_fp.get(bytes(data[2:HEADER_LEN]))
        if writer is None:
            raise UnknownFingerprint(f"no schema in schemas/ has fingerprint {bytes(data[2:HEADER_LEN]).hex()}")
        if expect is not None and writer.name != expect:
            raise WrongSchema(f"expected {expect}, got {writer.name} v{writer.version}")
        reader = self.current[writer.name]
        body = io.BytesIO(data)
        body.seek(HEADER_LEN)
        try:
            record = fastavro.schemaless_reader(
                body, writer.parsed, None if reader is writer else reader.parsed,
                return_record_name=True, return_record_name_override=True)
        except Exception as exc:  # fastavro raises many types on garbage: EOFError, ValueError, UnicodeDecodeError...
            raise CorruptMessage(f"{writer.name} v{writer.version}: {type(exc).__name__}: {exc}") from exc
        if body.tell() != len(data):
            raise CorruptMessage(f"{writer.name} v{writer.version}: {len(data) - body.tell()} trailing bytes")
        if writer.name == "CaseEvent":
            full_name, event = record["event"]
            record["type"], record["event"] = full_name.rsplit(".", 1)[-1], event
        return writer.name, record
