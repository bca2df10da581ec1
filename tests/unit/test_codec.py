import io
import json
import shutil

import avro.io
import avro.schema
import pytest

from remedy.contract.codec import Codec, CorruptMessage, UnknownFingerprint, WrongSchema, schema_fingerprint
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
