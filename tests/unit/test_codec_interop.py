"""A lender may write Remedy's records with any correct Avro implementation: the codec reads what fastavro, the
official Apache ``avro`` package and JavaScript's avsc write, each with the fingerprint that library computes."""
from __future__ import annotations

import io
import json
import shutil
import subprocess

import fastavro
import pytest

from remedy.contract.codec import UnknownFingerprint
from remedy.contract.examples import load_example
from remedy.kernel.settings import REPO_ROOT
from tests.apache_avro import apache_avro_schema, encode_with_apache_avro

SCHEMAS = REPO_ROOT / "schemas"
EXAMPLE = SCHEMAS / "LoanDefault" / "examples" / "consumer_loan.json"
AVSC = REPO_ROOT / ".node" / "node_modules" / "avsc"


@pytest.fixture(scope="module")
def loan_default(codec):
    return load_example(EXAMPLE, codec.current["LoanDefault"])


def test_a_record_written_with_the_official_avro_library_decodes(codec, loan_default):
    data = encode_with_apache_avro("LoanDefault", loan_default)
    assert data[2:10] != codec.current["LoanDefault"].fingerprint  # that library's own fingerprint, not Remedy's
    assert codec.decode(data, expect="LoanDefault") == ("LoanDefault", loan_default)


def test_every_schema_version_accepts_the_official_avro_library_fingerprint(codec):
    for name, versions in codec.versions.items():
        for v in versions:
            assert apache_avro_schema(name, v.version).fingerprint("CRC-64-AVRO") in v.accepted, f"{name} v{v.version}"


def test_a_record_written_with_fastavro_decodes(codec, loan_default):
    schema = codec.current["LoanDefault"]
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema.parsed, loan_default)
    header = b"\xc3\x01" + bytes.fromhex(fastavro.schema.fingerprint(
        fastavro.schema.to_parsing_canonical_form(schema.raw), "CRC-64-AVRO"))
    assert codec.decode(header + body.getvalue(), expect="LoanDefault") == ("LoanDefault", loan_default)


def test_remedy_keeps_writing_its_own_fingerprint(codec, loan_default):
    assert codec.encode("LoanDefault", loan_default)[:10] == bytes.fromhex("c3011f6940182ef06e46")


def test_an_unknown_fingerprint_still_raises(codec, loan_default):
    body = encode_with_apache_avro("LoanDefault", loan_default)[10:]
    with pytest.raises(UnknownFingerprint):
        codec.decode(b"\xc3\x01" + bytes.fromhex("0123456789abcdef") + body)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the avsc writer cannot run")
def test_a_record_written_with_javascript_avsc_decodes(codec, loan_default):
    assert AVSC.is_dir(), "avsc is not installed in .node/: run `make node-deps` (npm ci --prefix .node)"
    run = subprocess.run(["node", str(REPO_ROOT / "tests/js/encode_avsc.js"), str(SCHEMAS), "LoanDefault", "1",
                          str(EXAMPLE)], capture_output=True, text=True, timeout=60, check=True)
    written = json.loads(run.stdout)
    assert codec.decode(bytes.fromhex(written["record"]), expect="LoanDefault") == ("LoanDefault", loan_default)
    for name, versions in codec.versions.items():
        for v in versions:
            assert bytes.fromhex(written["fingerprints"][f"{name}/v{v.version}"]) in v.accepted, f"{name} v{v.version}"
