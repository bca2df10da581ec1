"""Signed records (docs/security.md): what a signature covers, each reason a record is refused, key rotation,
and the one check every host runs before a stage sees a record of a signed topic."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from remedy.contract.codec import Codec
from remedy.contract.partykeys import DevKeyRing, FileKeyRing, Refused, RegistryFileError, check
from remedy.contract.paths import SCHEMAS_DIR
from remedy.contract.signers import DevParties, Unsigned
from remedy.contract.signing import HEADER, PartyKey, dev_key, new_key_file, parse_header, signed_bytes
from remedy.contract.topics import load_registry
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import Settings, SettingsError
from remedy.runtime.memory import MemoryBus, MemoryHost
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.signed import Verifier, party_keys

NOW = datetime(2026, 12, 5, 12, tzinfo=timezone.utc)
POLICIES = {name: t.policy for name, t in load_registry().items() if t.policy is not None}
KEY, VALUE = b"C-1", b"\xc3\x01value"


def fields(**record):
    return lambda name: record.get(name)


def verify(topic: str, headers, keys=None, key=KEY, value=VALUE, now=NOW, **record):
    return check(POLICIES[topic], keys or DevKeyRing(), key, value, headers, fields(**record), now)


def reason(topic: str, headers, **kw) -> str:
    with pytest.raises(Refused) as refused:
        verify(topic, headers, **kw)
    return refused.value.reason


def test_a_signature_covers_signer_topic_key_and_value_unambiguously():
    base = signed_bytes("lender", "L-A", "k1", "lender.updates", b"C-1", b"v")
    others = [signed_bytes("lender", "L-A", "k1", "loan.defaults", b"C-1", b"v"),
              signed_bytes("lender", "L-A", "k1", "lender.updates", b"C-2", b"v"),
              signed_bytes("lender", "L-A", "k1", "lender.updates", b"C-1", b"w"),
              signed_bytes("lender", "L-A", "k1", "lender.updates", None, b"v"),
              signed_bytes("lender", "L-A", "k1", "lender.updates", b"", b"v"),
              signed_bytes("lender", "L-A", "k1", "lender.updates", b"C-1v", b""),
              signed_bytes("lender", "L-B", "k1", "lender.updates", b"C-1", b"v")]
    assert base not in others and len(set(others)) == len(others)


def test_a_properly_signed_record_names_its_signer():
    headers = dev_key("lender", "L-A").sign("lender.updates", KEY, VALUE)
    assert verify("lender.updates", headers, lender_id="L-A").signer == "lender:L-A"
    assert parse_header(headers[0][1]).key_id == "dev"


def test_every_refusal_has_its_reason():
    good = dev_key("lender", "L-A").sign("lender.updates", KEY, VALUE)
    assert reason("lender.updates", [], lender_id="L-A") == "UNSIGNED"
    assert reason("lender.updates", [(HEADER, b"lender:L-A:dev")], lender_id="L-A") == "BAD_SIGNATURE"
    assert reason("lender.updates", good, value=VALUE + b"x", lender_id="L-A") == "BAD_SIGNATURE"
    assert reason("lender.updates", good, key=b"C-2", lender_id="L-A") == "BAD_SIGNATURE"   # replayed on another case
    assert reason("lender.updates", good, keys=FileKeyRing({}), lender_id="L-A") == "UNKNOWN_KEY"
    other = dev_key("lender", "L-B").sign("lender.updates", KEY, VALUE)
    assert reason("lender.updates", other, lender_id="L-A") == "SIGNER_MISMATCH"             # another lender's case
    mediator = dev_key("mediator", "M-1").sign("lender.updates", KEY, VALUE)
    assert reason("lender.updates", mediator, lender_id="M-1") == "SIGNER_MISMATCH"          # the wrong kind of party


def test_a_signature_altered_in_any_bit_or_made_by_another_key_is_refused():
    good = dev_key("lender", "L-A").sign("lender.updates", KEY, VALUE)
    kind, party, key_id, encoded = good[0][1].decode().split(":")
    signature = base64.b64decode(encoded)
    for bit in (0, 7, 255, 256, 511):          # in R and in S
        altered = bytearray(signature)
        altered[bit // 8] ^= 1 << (bit % 8)
        header = f"{kind}:{party}:{key_id}:{base64.b64encode(bytes(altered)).decode()}".encode()
        assert reason("lender.updates", [(HEADER, header)], lender_id="L-A") == "BAD_SIGNATURE"
    forged = dev_key("lender", "L-B").sign("lender.updates", KEY, VALUE)[0][1].decode().rsplit(":", 1)[1]
    header = f"{kind}:{party}:{key_id}:{forged}".encode()    # L-B's signature presented as L-A's
    assert reason("lender.updates", [(HEADER, header)], lender_id="L-A") == "BAD_SIGNATURE"


def test_a_record_signed_for_one_topic_is_refused_on_another():
    headers = dev_key("lender", "L-A").sign("lender.updates", KEY, VALUE)
    assert reason("loan.defaults", headers, lender_id="L-A") == "BAD_SIGNATURE"


def test_the_gateway_signs_for_any_party_where_it_is_a_producer_and_only_the_bureau_writes_the_roster_itself():
    for topic in ("loan.defaults", "lender.updates", "mediation.outcomes", "court.decisions", "payments", "debtor.requests"):
        headers = dev_key("gateway", "gateway").sign(topic, KEY, VALUE)
        assert verify(topic, headers, lender_id="L-A", mediator_id="M-1", court="CT-1").kind == "gateway"
    roster = dev_key("mediator", "M-1").sign("mediation.roster", KEY, VALUE)
    assert reason("mediation.roster", roster) == "SIGNER_MISMATCH"
    assert verify("mediation.roster", dev_key("gateway", "gateway").sign("mediation.roster", KEY, VALUE)).kind == "gateway"
    assert verify("mediation.roster", dev_key("bureau", "BUREAU-1").sign("mediation.roster", KEY, VALUE)).kind == "bureau"


def registry(*entries) -> FileKeyRing:
    return FileKeyRing.parse(json.dumps({"parties": list(entries)}))


def real_key(kind: str, party: str, key_id: str, not_after: str | None = None) -> tuple[PartyKey, dict]:
    private, entry = new_key_file(kind, party, key_id)
    key = PartyKey(kind, party, key_id, Ed25519PrivateKey.from_private_bytes(base64.b64decode(private["private_key"])))
    return key, {**entry, **({"not_after": not_after} if not_after else {})}


def test_a_rotated_key_verifies_beside_the_new_one_until_its_end():
    old, old_entry = real_key("mediator", "M-1", "2026-06", not_after="2026-12-31T00:00:00+08:00")
    new, new_entry = real_key("mediator", "M-1", "2026-12")
    keys = registry(old_entry, new_entry)
    for key in (old, new):
        assert verify("mediation.outcomes", key.sign("mediation.outcomes", KEY, VALUE), keys, mediator_id="M-1")
    later = NOW + timedelta(days=30)
    assert reason("mediation.outcomes", old.sign("mediation.outcomes", KEY, VALUE), keys=keys, now=later,
                  mediator_id="M-1") == "KEY_EXPIRED"
    assert verify("mediation.outcomes", new.sign("mediation.outcomes", KEY, VALUE), keys, now=later, mediator_id="M-1")
    dev = dev_key("mediator", "M-1").sign("mediation.outcomes", KEY, VALUE)
    assert reason("mediation.outcomes", dev, keys=keys, mediator_id="M-1") == "UNKNOWN_KEY"  # no dev key in a registry


def test_a_registry_entry_that_is_not_a_key_is_refused_at_start():
    _, entry = real_key("lender", "L-A", "k1")
    for broken in ({**entry, "kind": "debtor"}, {**entry, "public_key": "not base64!"}, {**entry, "key_id": "a:b"},
                   {**entry, "not_after": "2027-01-01T00:00:00"}):
        with pytest.raises(RegistryFileError):
            registry(broken)


def test_outside_dev_the_development_keys_are_refused():
    with pytest.raises(SettingsError, match="REMEDY_PARTY_KEYS"):
        party_keys(Settings.from_env({"REMEDY_ENV": "production"}))
    assert isinstance(party_keys(Settings.from_env({})), DevKeyRing)


def test_dev_parties_sign_as_the_party_each_record_names():
    signer, codec = DevParties(Codec(SCHEMAS_DIR)), Codec(SCHEMAS_DIR)
    update = {"update_id": "U1", "case_id": "C-1", "lender_id": "L-A", "kind": "WITHDRAWN", "amount_cents": 0,
              "note": "", "reported_at": NOW}
    value = codec.encode("LenderUpdate", update)
    assert parse_header(signer.sign("lender.updates", KEY, value)[0][1]).party == "L-A"       # read from the bytes
    request = {"kind": "OBJECTION"}
    assert parse_header(signer.sign("debtor.requests", KEY, VALUE, request)[0][1]).kind == "gateway"
    assert parse_header(signer.sign("debtor.requests", KEY, VALUE, {"kind": "OBJECTION_DECISION"})[0][1]).kind == "reviewer"
    answer = parse_header(signer.sign("debtor.requests", KEY, VALUE, {"kind": "COMPLAINT_ANSWER", "department_id": "D-1"})[0][1])
    assert (answer.kind, answer.party) == ("department", "D-1")
    assert signer.sign("case.events", KEY, VALUE) == [] and Unsigned().sign("lender.updates", KEY, VALUE) == []


def withdrawn(lender: str) -> dict:
    return {"update_id": "U1", "case_id": "C-1", "lender_id": lender, "kind": "WITHDRAWN", "amount_cents": 0,
            "note": "张三 13800000000", "reported_at": NOW}


def test_the_gateways_read_model_leaves_a_refused_record_out():
    from types import SimpleNamespace

    from services.gateway.kafka import Replayer

    codec = Codec(SCHEMAS_DIR)
    replayer = Replayer("127.0.0.1:1", codec, None, ServiceMetrics("gateway"),
                        verifier=Verifier(DevKeyRing(), codec, FrozenClock(NOW), ServiceMetrics("gateway")))
    value = codec.encode("LenderUpdate", withdrawn("L-A"))
    msg = lambda headers: SimpleNamespace(topic="lender.updates", partition=0, offset=1, key=KEY, value=value,  # noqa: E731
                                          headers=headers)
    assert replayer.refused(msg([])) and replayer.refused(msg(dev_key("lender", "L-B").sign("lender.updates", KEY, value)))
    assert not replayer.refused(msg(dev_key("gateway", "gateway").sign("lender.updates", KEY, value)))


async def test_a_refused_record_is_dead_lettered_with_its_reason_counted_and_never_handled():
    codec, bus = Codec(SCHEMAS_DIR), MemoryBus()
    host = MemoryHost(bus, "objections", codec, FrozenClock(NOW))
    handled = []

    async def handle(record):
        handled.append(record.offset)

    host.agent("lender.updates", handle)
    value = codec.encode("LenderUpdate", withdrawn("L-A"))
    bus.produce("lender.updates", KEY, value)                                                         # unsigned
    bus.produce("lender.updates", KEY, value, headers=dev_key("lender", "L-B").sign("lender.updates", KEY, value))
    bus.produce("lender.updates", KEY, value, headers=dev_key("lender", "L-A").sign("lender.updates", KEY, value))
    await host.poll()
    assert handled == [2]
    letters = [codec.decode(r.value, expect="DeadLetter")[1] for r in bus.records("objections.dlq")]
    assert [(x["error_type"], x["error"].split(":")[0], x["value"]) for x in letters] == [
        ("Refused", "UNSIGNED", None), ("Refused", "SIGNER_MISMATCH", None)]   # personal_data: the value is not echoed
    assert "张三" not in json.dumps([x["error"] for x in letters], ensure_ascii=False)
    refused = {s.labels["reason"]: s.value for m in host.metrics.registry.collect() if m.name == "remedy_objections_records_refused"
               for s in m.samples if s.name.endswith("_total")}
    assert refused == {"UNSIGNED": 1.0, "SIGNER_MISMATCH": 1.0}
