import io
import json
import shutil

import avro.io
import avro.schema
import pytest

from remedy.contract.codec import Codec, CorruptMessage, UnknownFingerprint, WrongSchema
from remedy.contract.fingerprints import schema_fingerprint
from remedy.kernel.settings import REPO_ROOT
from sim.defaults import batch, utc

NOW = utc(2026, 11, 28)


@pytest.fixture(scope="module")
def defaults():
    return batch("L1", "B1", 20, 0, NOW)[0]


def test_round_trip(codec, defaults):
    for d in defaults:
        assert codec.decode(codec.encode("LoanDefault", d), expect="LoanDefault") == ("LoanDefault", d)


def test_bytes_are_avro_single_object_encoding_readable_by_another_implementation(codec, defaults):
    data = codec.encode("LoanDefault", defaults[0])
    raw = json.loads((REPO_ROOT / "schemas/LoanDefault/v1.avsc").read_text())
    assert data[:2] == b"\xc3\x01"
    assert data[2:10] == schema_fingerprint(raw)
    # Decode the datum with the Apache avro library from the .avsc file alone.
    reader = avro.io.DatumReader(avro.schema.parse(json.dumps(raw)))
    record = reader.read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))
    assert record["loan_id"] == defaults[0]["loan_id"]
    assert record["principal_cents"] == defaults[0]["principal_cents"]
    assert record["debtor"]["national_id"] == defaults[0]["debtor"]["national_id"]


def test_fingerprint_is_crc64_avro_little_endian_of_the_canonical_form():
    # Avro spec test vector: the canonical form '"int"' has fingerprint 0x7275d51a3f395c8f (CRC-64-AVRO).
    assert schema_fingerprint("int") == (0x7275D51A3F395C8F).to_bytes(8, "little")


def test_v2_reader_reads_v1_bytes(tmp_path, defaults):
    shutil.copytree(REPO_ROOT / "schemas/LoanDefault", tmp_path / "LoanDefault")
    v1_codec = Codec(tmp_path)
    v1_bytes = v1_codec.encode("LoanDefault", defaults[0])
    v2 = json.loads((tmp_path / "LoanDefault/v1.avsc").read_text())
    v2["fields"].append({"name": "collateral", "type": ["null", "string"], "default": None})
    (tmp_path / "LoanDefault/v2.avsc").write_text(json.dumps(v2))
    v2_codec = Codec(tmp_path)
    name, record = v2_codec.decode(v1_bytes)
    assert name == "LoanDefault" and record == {**defaults[0], "collateral": None}
    assert v2_codec.decode(v2_codec.encode("LoanDefault", {**defaults[0], "collateral": "car"}))[1]["collateral"] == "car"


def test_unknown_fingerprint_truncated_and_garbage_raise_typed_errors(codec, defaults):
    data = codec.encode("LoanDefault", defaults[0])
    with pytest.raises(UnknownFingerprint):
        codec.decode(data[:2] + b"\x00" * 8 + data[10:])
    with pytest.raises(CorruptMessage):
        codec.decode(data[:-7])
    with pytest.raises(CorruptMessage):
        codec.decode(b"\x00\x01" + data[2:])
    with pytest.raises(CorruptMessage):
        codec.decode(b"")
    with pytest.raises(WrongSchema):
        codec.decode(data, expect="Payment")


def test_a_complete_datum_followed_by_junk_still_decodes_to_the_datum(codec, defaults):
    # Documented trade-off (remedy/contract/codec.py): the decoder reads one datum; Kafka's CRC guards transit.
    data = codec.encode("LoanDefault", defaults[0])
    assert codec.decode(data + b"\x00")[1] == defaults[0]


def test_case_event_union_round_trips_with_its_type_name(codec):
    event = {"event_id": "E1", "case_id": "C1", "lender_id": "L1", "occurred_at": NOW, "producer": "mediation",
             "causation_id": "x", "type": "MediationFailed", "event": {"tier": "PEOPLES", "reason": "DEADLINE"}}
    assert codec.decode(codec.encode("CaseEvent", event)) == ("CaseEvent", event)


def test_encoding_writes_the_same_bytes_as_fastavro_for_every_example(codec):
    # The encoder moved from fastavro to cavro for speed: the bytes on the wire must not change.
    import fastavro

    from remedy.contract.examples import load_example

    checked = 0
    for name, schema in codec.current.items():
        for path in sorted((REPO_ROOT / "schemas" / name / "examples").glob("*.json")):
            record = load_example(path, schema)
            datum = io.BytesIO()
            fastavro.schemaless_writer(datum, schema.parsed, _as_written(name, record), strict_allow_default=True)
            assert codec.encode(name, record)[10:] == datum.getvalue(), path
            checked += 1
    assert checked >= len(codec.current)  # schemacheck requires an example per schema


def _as_written(name: str, record: dict) -> dict:
    """A CaseEvent's ``type`` names its event's union branch, as fastavro's tuple notation."""
    if name != "CaseEvent":
        return record
    envelope = dict(record)
    envelope["event"] = ("remedy.events." + envelope.pop("type"), record["event"])
    return envelope


def test_a_record_that_does_not_fit_its_schema_raises_encode_error(codec, defaults):
    from remedy.contract.codec import EncodeError

    broken = {k: v for k, v in defaults[0].items() if k != "loan_id"}
    with pytest.raises(EncodeError, match="LoanDefault"):
        codec.encode("LoanDefault", broken)
    with pytest.raises(EncodeError):
        codec.encode("LoanDefault", {**defaults[0], "principal_cents": "a lot"})


# ---- case_event_type: a CaseEvent's type read from its bytes without decoding the record ----------------------


def _sample(schema, named: dict):
    """A value for any Avro type (the first branch of a union, the first symbol of an enum), for encoding."""
    if isinstance(schema, list):
        return _sample(schema[0], named)
    if isinstance(schema, str):
        if schema in named:
            return _sample(named[schema], named)
        return {"null": None, "boolean": False, "int": 0, "long": 0, "float": 0.0, "double": 0.0,
                "bytes": b"", "string": "s"}[schema]
    kind, logical = schema["type"], schema.get("logicalType")
    if "name" in schema:
        named[schema["name"]] = named[f"{schema.get('namespace', 'remedy')}.{schema['name']}"] = schema
    if logical == "date":
        return NOW.date()
    if logical in ("timestamp-millis", "timestamp-micros"):
        return NOW
    if kind == "record":
        return {f["name"]: _sample(f["type"], named) for f in schema["fields"]}
    if kind == "enum":
        return schema["symbols"][0]
    if kind in ("array", "map"):
        return [] if kind == "array" else {}
    return _sample(kind, named)


def test_case_event_type_reads_every_type_of_the_union_as_decode_does(codec):
    union = next(f["type"] for f in codec.current["CaseEvent"].raw["fields"] if f["name"] == "event")
    assert len(union) >= 38
    named: dict = {}
    long_id = "E" + "x" * 300  # lengths of two varint bytes
    for branch in union:
        body = _sample(branch, named)
        event = {"event_id": long_id, "case_id": "C" * 70, "lender_id": "", "occurred_at": utc(1969, 1, 1),
                 "producer": "p", "causation_id": "c" * 64, "type": branch["name"], "event": body}
        data = codec.encode("CaseEvent", event)
        assert codec.case_event_type(data) == codec.decode(data)[1]["type"] == branch["name"]
        assert codec.case_event_type(memoryview(data)) == branch["name"]


def test_case_event_type_raises_as_decode_does_on_bytes_that_are_not_a_case_event(codec, defaults):
    event = {"event_id": "E1", "case_id": "C1", "lender_id": "L1", "occurred_at": NOW, "producer": "mediation",
             "causation_id": "x", "type": "MediationFailed", "event": {"tier": "PEOPLES", "reason": "DEADLINE"}}
    data = codec.encode("CaseEvent", event)
    with pytest.raises(WrongSchema):
        codec.case_event_type(codec.encode("LoanDefault", defaults[0]))
    with pytest.raises(UnknownFingerprint):
        codec.case_event_type(data[:2] + b"\x00" * 8 + data[10:])
    for broken in (b"", b"\x00\x01" + data[2:], data[:12], data[:10] + b"\x7f"):  # header, magic, truncated envelope
        with pytest.raises(CorruptMessage):
            codec.case_event_type(broken)
    with pytest.raises(CorruptMessage):  # a negative string length
        codec.case_event_type(data[:10] + b"\x03" + data[11:])
    at = len(data) - len(b"\x0ePEOPLES\x10DEADLINE") - 1  # the union's branch index, before the body
    assert data[at] == 2 * 9  # MediationFailed, the tenth branch
    for index in (b"\x7e", b"\x01"):  # 63, past the last branch; -1
        with pytest.raises(CorruptMessage):
            codec.case_event_type(data[:at] + index + data[at + 1:])


def test_case_event_type_decodes_a_writer_version_whose_envelope_it_cannot_skip(tmp_path):
    shutil.copytree(REPO_ROOT / "schemas/CaseEvent", tmp_path / "CaseEvent")
    newest = max(int(p.stem[1:]) for p in (tmp_path / "CaseEvent").glob("v*.avsc"))
    traced = json.loads((tmp_path / f"CaseEvent/v{newest}.avsc").read_text())
    traced["fields"].insert(0, {"name": "trace", "type": ["null", "string"], "default": None})
    (tmp_path / f"CaseEvent/v{newest + 1}.avsc").write_text(json.dumps(traced))
    codec = Codec(tmp_path)
    event = {"event_id": "E1", "case_id": "C1", "lender_id": "L1", "occurred_at": NOW, "producer": "mediation",
             "causation_id": "x", "type": "MediationFailed", "event": {"tier": "PEOPLES", "reason": "DEADLINE"}}
    v2_bytes = codec.encode("CaseEvent", {**event, "trace": "t"})
    assert codec.case_event_type(v2_bytes) == "MediationFailed"
    assert codec._peeks[v2_bytes[2:10]] is None  # decoded whole
    v1 = codec.versions["CaseEvent"][0]
    v1_bytes = b"\xc3\x01" + v1.fingerprint + v1.decoder.binary_encode(
        {**{k: v for k, v in event.items() if k != "type"}, "event": ("remedy.events.MediationFailed", event["event"])})
    assert codec.case_event_type(v1_bytes) == "MediationFailed"
    assert codec._peeks[v1.fingerprint] is not None  # skipped to the union
