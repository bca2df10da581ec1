"""Case ids outsiders cannot compute: keyed by REMEDY_CASE_ID_KEY, refused at its development default outside dev
mode; intake keeps a case's id when the key changes; a lender finds its case by its own loan id."""
from __future__ import annotations

import random
import re

import pytest

from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id, legacy_case_id
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import Settings, SettingsError, refuse_development_defaults
from services.gateway.projection import Projection
from services.intake.decide import Keys, Memory, decide
from sim.defaults import utc, valid_default
from tests.broker.funnel_helpers import opened

NOW = utc(2026, 11, 28, 4)


def keys(case_key: str) -> Keys:
    return Keys(Pseudonymiser(Settings().pseudonym_key), ContactSealer(Settings().pii_key), case_key)


def test_a_case_id_is_keyed_deterministic_and_keeps_its_shape():
    known = case_id("LENDER-A", "L00000042", key=DEV_CASE_ID_KEY)
    assert known == case_id("LENDER-A", "L00000042", key=DEV_CASE_ID_KEY), "redelivery gives the same id"
    assert re.fullmatch(r"C[0-9a-f]{24}", known)
    assert known != legacy_case_id("LENDER-A", "L00000042"), "the unkeyed formula anyone could compute no longer gives it"
    assert case_id("LENDER-A", "L00000042", key="another-key") != known, "without the key, no way to the id"
    assert case_id("LENDER-A", "L00000043", key=DEV_CASE_ID_KEY) != known
    with pytest.raises(TypeError):
        case_id("LENDER-A", "L00000042")   # the key is never optional


def test_outside_dev_the_development_case_id_key_is_refused_by_name():
    with pytest.raises(SettingsError, match="REMEDY_CASE_ID_KEY holds its development default"):
        refuse_development_defaults(Settings.from_env({"REMEDY_ENV": "production"}))
    assert Settings().case_id_key == DEV_CASE_ID_KEY


def test_intake_names_new_cases_with_the_key_and_amends_existing_ones_under_their_own_id():
    default = valid_default(random.Random(5), "LENDER-A", 42, "B1", 1, NOW)
    opened = decide(None, default, (0, 1), "c1", NOW, keys("key-1"))
    assert opened.emits[0].key == case_id("LENDER-A", "L00000042", key="key-1") == opened.state.case_id
    changed = {**default, "principal_cents": default["principal_cents"] + 100}
    amended = decide(Memory.from_json(opened.state.to_json()), changed, (0, 2), "c2", NOW, keys("key-2"))
    assert (amended.outcome, amended.emits[0].key) == ("amended", opened.state.case_id), "a new key leaves the case's id"
    before_keys = Memory(opened.state.content_hash, True, opened.state.snapshot)   # remembered before ids were keyed
    legacy = decide(before_keys, changed, (0, 3), "c3", NOW, keys("key-2"))
    assert legacy.emits[0].key == legacy_case_id("LENDER-A", "L00000042")


def test_a_lender_finds_its_case_by_loan_id_and_no_other_lender_does():
    projection = Projection()
    case = opened("LENDER-A", "L-7", "D-7", NOW)
    cid = case["case_id"]
    projection.apply_event(case)
    assert projection.lender_loan_case("LENDER-A", "L-7") == cid
    assert projection.lender_loan_case("LENDER-B", "L-7") is None and projection.lender_loan_case("LENDER-A", "L-8") is None
