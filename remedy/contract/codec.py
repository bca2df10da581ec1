"""Avro single-object encoding, exactly as the Avro spec and docs/schemas.md state.

    C3 01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's
    parsing canonical form | Avro binary datum

Any Avro implementation can decode these bytes from ``schemas/`` alone. Decoding looks the
writer schema up by fingerprint among *every* version kept in ``schemas/<Name>/v*.avsc`` and
resolves it into the newest version (the reader schema). A version is known by every fingerprint that Avro
implementations compute for it (``fingerprints.py``: the official Python library's differs from the spec's);
Remedy writes the spec's.

Encoding and decoding use cavro: decoding LoanDefault is ~1.4x faster than fastavro
(``bench/bench_codec.py``), encoding a CaseEvent ~2x (its event union is 30 records wide). fastavro
parses the schemas for tooling (canonical form, JSON examples). cavro reads one datum and ignores bytes
after it, so a datum followed by junk decodes; Kafka's record CRC already guards the bytes in transit.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cavro
import fastavro

from remedy.contract.fingerprints import SPEC, accepted_fingerprints

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


class IncompatibleWriter(CodecError):
    """Bytes written with a schema version the current version cannot read (schemas-check forbids it)."""


CAVRO_OPTIONS = cavro.Options(record_decodes_to_dict=True,
                              union_decodes_to=cavro.UnionDecodeOption.TYPE_TUPLE_IF_RECORD_AMBIGUOUS,
                              # encoding: a missing field takes its schema default (none: an error), and a
                              # union branch may be named with a (full name, value) tuple
                              record_encode_use_defaults=True, allow_tuple_notation=True)


@dataclass(frozen=True)
class SchemaVersion:
    name: str
    version: int
    raw: dict
    parsed: Any        # fastavro, for tooling
    decoder: Any       # cavro, for encoding and decoding
    fingerprint: bytes   # the spec's, which Remedy writes
    path: Path
    known_as: dict[str, bytes]  # every fingerprint read as this version, by implementation family (fingerprints.py)

    @property
    def accepted(self) -> tuple[bytes, ...]:
        """Every fingerprint read as this version, once each, ``fingerprint`` first."""
        return tuple(dict.fromkeys(self.known_as.values()))


def load_versions(schemas_dir: str | Path) -> dict[str, list[SchemaVersion]]:
    """Every ``<Name>/vN.avsc`` under the directory, oldest first."""
    found: dict[str, list[SchemaVersion]] = {}
    for path in sorted(Path(schemas_dir).glob("*/v*.avsc")):
        match = re.fullmatch(r"v(\d+)\.avsc", path.name)
        if not match:
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        parsed = fastavro.parse_schema(raw, named_schemas={})
        decoder = cavro.Schema(json.dumps(raw), options=CAVRO_OPTIONS)
        known = accepted_fingerprints(raw)
        found.setdefault(path.parent.name, []).append(
            SchemaVersion(path.parent.name, int(match.group(1)), raw, parsed, decoder, known[SPEC], path, known))
    for versions in found.values():
        versions.sort(key=lambda v: v.version)
    return found


class Codec:
    def __init__(self, schemas_dir: str | Path):
        self.versions = load_versions(schemas_dir)
        self.current = {name: vs[-1] for name, vs in self.versions.items()}
        every = [v for vs in self.versions.values() for v in vs]
        self._by_fp = {v.fingerprint: v for v in every}
        for v in every:  # an alternate never displaces a version's own fingerprint
            for fp in v.accepted:
                self._by_fp.setdefault(fp, v)
        self._headers = {name: MAGIC + v.fingerprint for name, v in self.current.items()}
        # Per writer version, what reads its bytes into the current schema (built on first use, so an
        # incompatible old version is reported by schemas-check rather than breaking start-up).
        self._readers = {v.fingerprint: v.decoder for v in self.current.values()}
        self._peeks: dict[bytes, tuple[tuple[str, ...], tuple[str, ...]] | None] = {}  # see case_event_type

    def encode(self, name: str, record: dict) -> bytes:
        schema = self.current[name]
        if name == "CaseEvent":
            envelope = dict(record)
            envelope["event"] = (EVENTS_NS + envelope.pop("type"), record["event"])
            record = envelope
        try:
            return self._headers[name] + schema.decoder.binary_encode(record)
        except Exception as exc:  # cavro.InvalidValue, or anything a malformed value raises inside it
            raise EncodeError(f"{name}: {exc}") from exc

    def _resolver(self, writer: SchemaVersion):
        try:
            reader = self.current[writer.name].decoder.reader_for_writer(writer.decoder)
        except Exception as exc:  # cavro: the current schema cannot read this version
            raise IncompatibleWriter(f"{writer.name} v{writer.version} cannot be read as "
                                     f"v{self.current[writer.name].version}: {exc}") from exc
        self._readers[writer.fingerprint] = reader
        return reader

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
        reader = self._readers.get(writer.fingerprint) or self._resolver(writer)
        try:
            record = reader.binary_decode(bytes(data[HEADER_LEN:]))
        except Exception as exc:  # cavro raises EOFError, ValueError, UnicodeDecodeError... on garbage
            raise CorruptMessage(f"{writer.name} v{writer.version}: {type(exc).__name__}: {exc}") from exc
        if writer.name == "CaseEvent":
            full_name, event = record["event"]
            record["type"], record["event"] = full_name.rsplit(".", 1)[-1], event
        return writer.name, record

    def case_event_type(self, data: bytes) -> str:
        """The event type of a CaseEvent's bytes (``"CaseOpened"``…), read without decoding the record: for a stage
        that acts on a few types and only counts the rest. Checks the header as ``decode`` does (same errors), then
        skips the envelope's leading fields to the event union's branch index in the writer's schema: a few bytes
        read, where ``decode`` builds the whole record (a CaseOpened's facts). The datum after the index is not
        read, so damage there surfaces only where the event is decoded. A writer version whose envelope has
        fields before the union other than strings, bytes, ints and longs is decoded whole."""
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < HEADER_LEN:
            raise CorruptMessage(f"too short for single-object encoding ({0 if data is None else len(data)} bytes)")
        if data[:2] != MAGIC:
            raise CorruptMessage(f"bad magic {bytes(data[:2]).hex()} (want c301)")
        fp = bytes(data[2:HEADER_LEN])
        plan = self._peeks[fp] if fp in self._peeks else self._peek_plan(fp)
        if plan is None:
            return self.decode(data, expect="CaseEvent")[1]["type"]
        skips, branches = plan
        try:
            pos = HEADER_LEN
            for kind in skips:
                byte = data[pos]
                if byte < 0x80:  # one byte: a string shorter than 64, most of them
                    value, pos = (byte >> 1) ^ -(byte & 1), pos + 1
                else:
                    value, pos = _varint(data, pos)
                if kind == "s":  # a string or bytes: its length, then the bytes
                    if value < 0:
                        raise IndexError(f"negative length {value}")
                    pos += value
            index, pos = _varint(data, pos)
            if pos > len(data) or not 0 <= index < len(branches):
                raise IndexError(index)
        except IndexError as exc:
            raise CorruptMessage(f"CaseEvent: no event type where the envelope puts it ({exc!r})") from None
        return branches[index]

    def _peek_plan(self, fp: bytes) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """For a CaseEvent writer version: the kind of each field before ``event`` ("s" length-prefixed, "v" a
        varint) and the union's branch names; None when another kind of field comes first."""
        writer = self._by_fp.get(fp)
        if writer is None:
            raise UnknownFingerprint(f"no schema in schemas/ has fingerprint {fp.hex()}")
        if writer.name != "CaseEvent":
            raise WrongSchema(f"expected CaseEvent, got {writer.name} v{writer.version}")
        skips, plan = [], None
        for field in writer.raw["fields"]:
            kind = field["type"]["type"] if isinstance(field["type"], dict) else field["type"]
            if field["name"] == "event":
                plan = (tuple(skips), tuple((b["name"] if isinstance(b, dict) else b).rsplit(".", 1)[-1] for b in kind))
                break
            if not isinstance(kind, str) or kind not in _SKIPPABLE:
                break
            skips.append(_SKIPPABLE[kind])
        self._peeks[fp] = plan
        return plan


_SKIPPABLE = {"string": "s", "bytes": "s", "int": "v", "long": "v"}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """An Avro int or long (zig-zag varint) at ``pos``: (value, the position after it). IndexError past the end."""
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7
        if shift > 63:
            raise IndexError("varint longer than 10 bytes")
