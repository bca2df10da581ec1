"""The contract's own tests: what `make schemas-check` runs, plus proof that it catches breakage."""
import json
import shutil

from remedy.contract.schemacheck import check, incompatibility
from remedy.kernel.settings import REPO_ROOT
from remedy.contract.topics import load_registry

SCHEMAS = REPO_ROOT / "schemas"


def test_every_example_round_trips_and_every_version_is_compatible():
    assert check(SCHEMAS) == []


def test_every_registry_topic_names_a_schema_that_exists():
    names = {p.name for p in SCHEMAS.iterdir() if p.is_dir()}
    for topic in load_registry().values():
        assert topic.internal or topic.schema in names, topic.name


def test_a_breaking_change_is_caught(tmp_path):
    shutil.copytree(SCHEMAS / "Payment", tmp_path / "Payment")
    v1 = json.loads((tmp_path / "Payment/v1.avsc").read_text())
    v2 = {**v1, "fields": v1["fields"] + [{"name": "payer_account", "type": "string"}]}  # no default
    (tmp_path / "Payment/v2.avsc").write_text(json.dumps(v2))
    problems = check(tmp_path, ref=None)
    assert any("Payment: v2 cannot read v1 data: payer_account" in p for p in problems), problems


def test_compatible_evolution_passes():
    v1 = json.loads((SCHEMAS / "Payment/v1.avsc").read_text())
    v2 = {**v1, "fields": v1["fields"] + [{"name": "payer_account", "type": ["null", "string"], "default": None}]}
    assert incompatibility(v2, v1) is None
    assert incompatibility({**v1, "fields": v1["fields"][1:]}, v1) is None  # dropping a field is fine for readers
    changed = [dict(f, type="int") if f["name"] == "amount_cents" else f for f in v1["fields"]]
    assert incompatibility({**v1, "fields": changed}, v1) is not None


def test_every_schema_version_is_in_the_fingerprint_lock():
    """A new version must be locked (`make schemas-lock`) so that editing it in place later is caught."""
    lock = json.loads((SCHEMAS / "fingerprints.lock").read_text())
    from remedy.contract.codec import Codec
    for name, versions in Codec(SCHEMAS).versions.items():
        for v in versions:
            assert lock.get(name, {}).get(str(v.version)) == v.fingerprint.hex(), f"{name} v{v.version} not locked"


def test_editing_a_released_version_in_place_is_caught(tmp_path):
    shutil.copytree(SCHEMAS / "Payment", tmp_path / "Payment")
    (tmp_path / "fingerprints.lock").write_text((SCHEMAS / "fingerprints.lock").read_text())
    v1 = json.loads((tmp_path / "Payment/v1.avsc").read_text())
    v1["fields"].append({"name": "note", "type": ["null", "string"], "default": None})  # compatible, but in place
    (tmp_path / "Payment/v1.avsc").write_text(json.dumps(v1))
    assert any("released v1 was edited in place" in p for p in check(tmp_path, ref=None))


def test_every_fingerprint_a_version_accepts_is_in_the_accepted_lock():
    """Lenders' writers send these (the official avro library's among them): `make schemas-lock` records them."""
    lock = json.loads((SCHEMAS / "accepted-fingerprints.lock").read_text())
    from remedy.contract.codec import Codec
    for name, versions in Codec(SCHEMAS).versions.items():
        for v in versions:
            locked = lock.get(name, {}).get(str(v.version), {})
            assert locked == {k: fp.hex() for k, fp in v.known_as.items()}, f"{name} v{v.version} not locked"
            assert set(locked) >= {"spec", "avro-python"}, f"{name} v{v.version}"


def test_a_locked_fingerprint_no_longer_accepted_is_caught(tmp_path):
    shutil.copytree(SCHEMAS / "Payment", tmp_path / "Payment")
    lock = json.loads((SCHEMAS / "accepted-fingerprints.lock").read_text())
    lock["Payment"]["1"]["avro-python"] = "0123456789abcdef"  # as if an avro upgrade computed another one
    (tmp_path / "accepted-fingerprints.lock").write_text(json.dumps({"Payment": lock["Payment"]}))
    problems = check(tmp_path, ref=None)
    assert problems == ["Payment: v1 written by avro-python (fingerprint 0123456789abcdef) is no longer read; "
                        "lenders' writers still send it"]
