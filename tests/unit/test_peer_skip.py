"""triage counts the case events its decision ignores without decoding them (services/triage/worker.py READS, found
by ``Codec.case_event_type``): the set must be exactly the types ``on_case_event`` may act on."""
from __future__ import annotations

import pytest

from services.triage.decide import on_case_event
from services.triage.worker import READS

STATES = (None, {"debtor_ref": None, "withdrawn": False, "forwarded": False},
          {"debtor_ref": "D1", "withdrawn": True, "forwarded": False},
          {"debtor_ref": "D1", "withdrawn": False, "forwarded": True})


def union_types(codec) -> list[str]:
    union = next(f["type"] for f in codec.current["CaseEvent"].raw["fields"] if f["name"] == "event")
    return [branch["name"] for branch in union]


def test_every_type_triage_skips_is_one_its_decision_ignores_in_any_state(codec):
    skipped = [t for t in union_types(codec) if t not in READS]
    assert len(skipped) >= 30
    for type_ in skipped:
        for state in STATES:
            event = {"type": type_, "event": {}, "case_id": "C1", "lender_id": "L1", "event_id": "E1"}
            step = on_case_event(state, event)
            assert (step.state, step.outcome, step.internal) == (None, "ignored", []), (type_, state)


@pytest.mark.parametrize("type_", sorted(READS))
def test_every_type_triage_reads_is_a_case_event_type(codec, type_):
    assert type_ in union_types(codec)
