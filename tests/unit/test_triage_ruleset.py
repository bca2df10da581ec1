"""The triage rule set bound to its content: a version names one content hash, held in a committed lock."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from remedy.kernel.settings import REPO_ROOT
from services.triage.decide import triage
from services.triage.ruleset import LOCK_PATH, RulesError, load_locked_rules, load_rules, main, rules_hash

RULES_DIR = REPO_ROOT / "services" / "triage" / "rules"
V1 = RULES_DIR / "v1.json"
HARDSHIP = {k: False for k in ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")}
FACTS = {"debtor_ref": "Dabc", "region_code": "350502", "lender_region_code": "350502", "agreed_jurisdiction": None,
         "product": "consumer_loan", "principal_cents": 1_000_000, "interest_cents": 100_000, "penalty_cents": 20_000,
         "due_date": "2026-06-01", "last_payment_date": None, "hardship": HARDSHIP}


def v1_raw() -> dict:
    return json.loads(V1.read_text(encoding="utf-8"))


def test_the_hash_is_of_the_content_not_its_layout_nor_its_comments():
    raw = v1_raw()
    reordered = dict(reversed(list(raw.items())))
    assert rules_hash(reordered) == rules_hash(raw)
    assert rules_hash({**raw, "_doc": "a rewritten comment"}) == rules_hash(raw)
    assert rules_hash({**raw, "floor_cents": raw["floor_cents"] + 1}) != rules_hash(raw)
    assert len(rules_hash(raw)) == 64


def test_every_shipped_rule_file_is_locked_with_its_hash():
    lock = json.loads(LOCK_PATH.read_text(encoding="utf-8"))
    for path in sorted(RULES_DIR.glob("v*.json")):
        rules = load_locked_rules(path)
        assert lock[rules.version] == rules.hash == rules_hash(json.loads(path.read_text(encoding="utf-8")))


def test_a_rule_file_edited_in_place_refuses_naming_file_version_and_both_hashes(tmp_path):
    tampered = tmp_path / "v1.json"
    tampered.write_text(json.dumps({**v1_raw(), "floor_cents": 10}), encoding="utf-8")
    locked = json.loads(LOCK_PATH.read_text(encoding="utf-8"))["triage-rules-v1"]
    with pytest.raises(RulesError) as refused:
        load_locked_rules(tampered)
    message = str(refused.value)
    assert str(tampered) in message and "triage-rules-v1" in message
    assert locked in message and rules_hash(json.loads(tampered.read_text())) in message
    assert "new version" in message


def test_a_version_missing_from_the_lock_refuses_and_says_how_to_lock_it(tmp_path):
    new = tmp_path / "v2.json"
    new.write_text(json.dumps({**v1_raw(), "version": "triage-rules-v2"}), encoding="utf-8")
    with pytest.raises(RulesError, match="triage-rules-v2.*not locked.*--lock"):
        load_locked_rules(new)


def test_lock_adds_a_new_version_and_refuses_to_relock_a_version_with_other_content(tmp_path, capsys):
    lock = tmp_path / "rules.lock"
    shutil.copy(LOCK_PATH, lock)
    new = tmp_path / "v2.json"
    new.write_text(json.dumps({**v1_raw(), "version": "triage-rules-v2", "floor_cents": 60_000}), encoding="utf-8")
    assert main(["--lock", str(new), "--lock-file", str(lock)]) == 0
    assert json.loads(lock.read_text())["triage-rules-v2"] == load_rules(new).hash
    assert load_locked_rules(new, lock).version == "triage-rules-v2"
    assert main(["--lock", str(new), "--lock-file", str(lock)]) == 0, "locking the same content again is a no-op"

    new.write_text(json.dumps({**v1_raw(), "version": "triage-rules-v2", "floor_cents": 70_000}), encoding="utf-8")
    before = lock.read_text()
    assert main(["--lock", str(new), "--lock-file", str(lock)]) == 1
    assert "triage-rules-v2" in capsys.readouterr().err
    assert lock.read_text() == before, "a refused re-lock leaves the lock as it was"


def test_check_without_lock_reports_every_rule_file(tmp_path, capsys):
    assert main([]) == 0
    assert "triage-rules-v1" in capsys.readouterr().out


def test_every_decision_carries_the_rule_hash():
    rules = load_locked_rules(V1)
    kind, body = triage(FACTS, False, False, rules, date(2026, 11, 28))
    assert kind == "CaseTriaged" and body["rule_hash"] == rules.hash
    kind, body = triage(FACTS, True, False, rules, date(2026, 11, 28))
    assert kind == "CaseRejected" and body["rule_hash"] == rules.hash
