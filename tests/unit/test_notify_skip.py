"""notify counts the case events no notice needs without decoding them (``plan.reads``, told by
``Codec.case_event_type``): every type it skips must be one ``plan.react`` ignores whatever the case memory."""
from __future__ import annotations

import pytest

from services.notify import plan
from services.notify.catalogue import Catalogue

CATALOGUE = Catalogue.load()
MEMORIES = (None, {"debtor_ref": "D1", "lender_id": "L1", "loan_id": "LN1", "principal_cents": 100, "interest_cents": 0,
                   "penalty_cents": 0, "sealed": ""})


def union_types(codec) -> list[str]:
    union = next(f["type"] for f in codec.current["CaseEvent"].raw["fields"] if f["name"] == "event")
    return [branch["name"] for branch in union]


def test_every_type_notify_skips_is_one_react_ignores_with_any_memory(codec):
    skipped = [t for t in union_types(codec) if t not in plan.reads(CATALOGUE)]
    assert len(skipped) >= 15
    for type_ in skipped:
        for memory in MEMORIES:
            envelope = {"type": type_, "event": {}, "case_id": "C1", "lender_id": "L1", "event_id": "E1"}
            decision = plan.react(memory, envelope, CATALOGUE)
            assert (decision.state, decision.outcome, decision.internal) == (memory, "ignored", []), type_


@pytest.mark.parametrize("type_", sorted(plan.reads(CATALOGUE)))
def test_every_type_notify_reads_is_a_case_event_type(codec, type_):
    assert type_ in union_types(codec)


def test_notify_reads_what_it_remembers_and_every_type_a_notice_is_sent_on():
    reads = plan.reads(CATALOGUE)
    assert {"CaseOpened", "CaseAmended", "CaseTriaged", "MediationSettled", "CaseHeld", "CaseReleased", "CaseClosed"} <= reads
    assert {kind.on for kind in CATALOGUE.kinds.values()} <= reads
