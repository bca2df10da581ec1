"""``remedy acls``: every principal gets exactly what ``schemas/topics.json`` says, and nothing more; and the
key files ``remedy party-key`` writes sign records the registry entry it prints verifies."""
from __future__ import annotations

import json
from collections import defaultdict

from remedy.contract.partykeys import FileKeyRing, check
from remedy.contract.signing import read_key_file
from remedy.contract.topics import load_registry, parties
from remedy.ops.acls import acls, main
from remedy.ops.partykey import write_key

TOPICS = load_registry()
PARTIES = parties()
SERVICES = {"intake", "triage", "mediation", "enforcement", "repair", "objections", "notify", "analytics", "gateway",
            "webhooks"}


def granted(found) -> dict[str, set[tuple[str, str, str]]]:
    out = defaultdict(set)
    for acl in found:
        out[acl.principal].add((acl.operation, acl.resource_type, acl.resource))
    return out


def expected_for(name: str) -> set[tuple[str, str, str]]:
    """From the registry alone: what the entry ``name`` (a service, ``operators`` or a party) may do."""
    want = set()
    for t in TOPICS.values():
        if any(p == name or p.startswith(name + " (") for p in t.producers):
            want.add(("Write", "topic", t.name))
        if name in t.consumers:
            want.add(("Read", "topic", t.name))
            if name in SERVICES - {"gateway"}:
                want.add(("Read", "group", name))
    return want


def test_every_principal_gets_exactly_what_the_registry_says():
    by_principal = granted(acls(TOPICS, PARTIES))
    named = {n for t in TOPICS.values() for n in (*t.producers, *t.consumers)}
    listed = {n.split(" (")[0] for n in named}
    assert listed == SERVICES | set(PARTIES.values()) | {"operators"}, "a producer or consumer the ACLs do not know"
    assert set(by_principal) == {f"User:{s}" for s in SERVICES | {"operators"}} | {f"User:{k}" for k in PARTIES}
    for service in SERVICES | {"operators"}:
        assert by_principal[f"User:{service}"] == expected_for(service), service
    for kind, listed_as in PARTIES.items():
        assert by_principal[f"User:{kind}"] == expected_for(listed_as), kind
        assert all(op == "Write" for op, _, _ in by_principal[f"User:{kind}"]), "an outside party reads nothing"


def test_a_lender_may_write_only_its_inputs_and_the_bureau_only_the_roster():
    by_principal = granted(acls(TOPICS, PARTIES))
    assert by_principal["User:lender"] == {("Write", "topic", "loan.defaults"), ("Write", "topic", "lender.updates")}
    assert by_principal["User:bureau"] == {("Write", "topic", "mediation.roster")}
    assert by_principal["User:department"] == {("Write", "topic", "debtor.requests")}
    assert ("Write", "topic", "case.events") not in by_principal["User:gateway"]


def test_with_the_key_registry_each_party_is_its_own_principal(tmp_path, capsys):
    registry = {"parties": [write_key("lender", "L-A", "k1", tmp_path / "a.json"),
                            write_key("lender", "L-B", "k1", tmp_path / "b.json")]}
    (tmp_path / "parties.json").write_text(json.dumps(registry))
    by_principal = granted(acls(TOPICS, PARTIES, registry))
    assert by_principal["User:lender.L-A"] == by_principal["User:lender.L-B"] == expected_for("lenders")
    assert "User:lender" not in by_principal
    assert main(["--format", "commands", "--parties", str(tmp_path / "parties.json")]) == 0
    assert "--allow-principal User:lender.L-A --operation Write --topic loan.defaults" in capsys.readouterr().out


def test_a_key_file_signs_what_its_registry_entry_verifies(tmp_path):
    entry = write_key("court", "CT-1", "2026-12", tmp_path / "court.json")
    assert (tmp_path / "court.json").stat().st_mode & 0o777 == 0o600
    key = read_key_file(tmp_path / "court.json")
    headers = key.sign("court.decisions", b"C-1", b"v")
    policy = TOPICS["court.decisions"].policy
    found = check(policy, FileKeyRing.parse(json.dumps({"parties": [entry]})), b"C-1", b"v", headers,
                  lambda field: "CT-1", None)
    assert found.signer == "court:CT-1"
