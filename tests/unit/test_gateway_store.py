"""The gateway's read model on disk: a restart resumes from the offsets stored with the changes, redelivered
events stay ignored across restarts, and a missing, damaged, foreign-layout or discarded store is rebuilt
from offset 0 with one warning line, never started empty unawares; a store open elsewhere is left alone."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from services.gateway.projection import Projection
from services.gateway.store import LAYOUT_KEY, Store, StoreInUse
from sim.defaults import utc
from tests.broker.funnel_helpers import opened
from tests.gateway_helpers import event
from tests.unit.test_gateway_projection import roundtrip

NOW = utc(2026, 11, 28, 4)


def assigned(cid: str, mediator: str, hours: int) -> dict:
    return roundtrip(event("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": mediator, "queue_wait_ms": 0}, cid,
                           "LENDER-A", NOW + timedelta(hours=hours), cause=f"assign-{mediator}"))


def written(path, n_cases: int = 3, offsets=None) -> list[str]:
    """A store at ``path`` holding ``n_cases`` cases of LENDER-A, committed with ``offsets``; their ids."""
    p = Projection(Store(path))
    ids = []
    for n in range(n_cases):
        e = roundtrip(opened("LENDER-A", f"L-{n}", f"D-{n}", NOW + timedelta(minutes=n)))
        p.apply_event(e)
        ids.append(e["case_id"])
    p.commit(offsets or {("case.events", 0): {"next": n_cases, "last": "f"}})
    p.close()
    return ids


def test_a_reopened_store_answers_at_once_and_resumes_from_the_stored_offsets(tmp_path, caplog):
    ids = written(tmp_path / "rm", offsets={("case.events", 0): {"next": 2, "last": "a"}, ("payments", 3): {"next": 7, "last": "b"}})
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="remedy.gateway"):
        p = Projection(Store(tmp_path / "rm"))
    assert not caplog.records, "a sound store is kept without a warning"
    assert p.store.offsets() == {("case.events", 0): {"next": 2, "last": "a"}, ("payments", 3): {"next": 7, "last": "b"}}
    assert len(p.cases) == 3 and [c.case_id for c in p.lender_cases("LENDER-A")] == ids
    assert p.cases[ids[1]].loan_id == "L-1" and p.timeline(ids[1])[0]["type"] == "CaseOpened"


def test_changes_not_committed_are_not_on_disk_and_neither_is_their_offset(tmp_path):
    path = tmp_path / "rm"
    ids = written(path, 1)
    p = Projection(Store(path))
    p.apply_event(roundtrip(opened("LENDER-A", "L-9", "D-9", NOW)))
    p.apply_event(assigned(ids[0], "M1", 1))
    p.close()  # killed before the chunk's commit
    p = Projection(Store(path))
    assert len(p.cases) == 1 and p.cases[ids[0]].mediator_id is None
    assert p.store.offsets() == {("case.events", 0): {"next": 1, "last": "f"}}, "the offset still points at what is left"


def test_a_redelivered_event_changes_nothing_after_a_restart(tmp_path):
    path = tmp_path / "rm"
    (cid,) = written(path, 1)
    p = Projection(Store(path))
    assert p.apply_event(assigned(cid, "M1", 1))
    p.commit({("case.events", 0): {"next": 2, "last": "x"}})
    p.close()
    p = Projection(Store(path))
    assert not p.apply_event(roundtrip(opened("LENDER-A", "L-0", "D-0", NOW))), "the opening again"
    assert not p.apply_event(assigned(cid, "M1", 1))
    p.commit()
    assert len(p.timeline(cid)) == 2 and len(p.cases) == 1
    assert p.batch_view("LENDER-A", p.cases[cid].batch_id).view()["accepted"] == 1


def test_a_reassigned_case_leaves_its_former_mediators_list(tmp_path):
    p = Projection(Store(tmp_path / "rm"))
    e = roundtrip(opened("LENDER-A", "L-1", "D-1", NOW))
    p.apply_event(e)
    p.apply_event(assigned(e["case_id"], "M1", 1))
    assert [c.case_id for c in p.mediator_cases("M1")] == [e["case_id"]]
    p.apply_event(assigned(e["case_id"], "M2", 2))
    assert p.mediator_cases("M1") == [] and [c.mediator_id for c in p.mediator_cases("M2")] == ["M2"]


def test_a_missing_store_is_built_from_offset_0_and_says_so(tmp_path, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="remedy.gateway"):
        p = Projection(Store(tmp_path / "gateway" / "rm"))
    assert p.store.offsets() == {} and len(p.cases) == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"no read model at {tmp_path / 'gateway' / 'rm'}: building it from offset 0 of the topics it reads"]


def test_a_damaged_store_is_moved_aside_and_rebuilt_with_one_warning(tmp_path, caplog):
    path = tmp_path / "rm"
    written(path)
    for f in path.iterdir():
        if f.name.startswith("MANIFEST") or f.name == "CURRENT":
            f.write_bytes(b"garbage")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="remedy.gateway"):
        p = Projection(Store(path))
    (line,) = [r.getMessage() for r in caplog.records]
    assert "cannot be opened" in line and "rebuilding it from offset 0" in line and str(path) in line
    assert p.store.offsets() == {} and len(p.cases) == 0, "read again from offset 0, not trusted"
    assert (tmp_path / "rm.discarded" / "CURRENT").read_bytes() == b"garbage", "kept aside for a look"
    p.close()
    assert Projection(Store(path)).store.offsets() == {}, "the rebuilt store opens cleanly"


def test_a_store_of_another_layout_is_rebuilt(tmp_path, caplog):
    path = tmp_path / "rm"
    written(path)
    s = Store(path)
    s.write_now(LAYOUT_KEY, b"gateway-read-model/0")
    s.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="remedy.gateway"):
        p = Projection(Store(path))
    (line,) = [r.getMessage() for r in caplog.records]
    assert "layout gateway-read-model/0" in line and "rebuilding it from offset 0" in line
    assert p.store.offsets() == {} and len(p.cases) == 0


def test_a_store_the_broker_no_longer_matches_is_discarded_with_the_reason(tmp_path, caplog):
    path = tmp_path / "rm"
    written(path)
    p = Projection(Store(path))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="remedy.gateway"):
        p.store.discard("holds offsets up to 3 of case.events[0], beyond the broker's")
    assert "beyond the broker's" in caplog.records[0].getMessage() and len(p.cases) == 0 and p.store.offsets() == {}


def test_a_store_open_in_another_process_is_refused_not_discarded(tmp_path):
    path = tmp_path / "rm"
    ids = written(path)
    first = Projection(Store(path))
    with pytest.raises(StoreInUse, match="its own REMEDY_GATEWAY_READ_MODEL_DIR"):
        Store(path)
    assert first.cases[ids[0]].loan_id == "L-0" and not (tmp_path / "rm.discarded").exists()


def test_payment_references_are_remembered_across_restarts(tmp_path):
    p = Projection(Store(tmp_path / "rm"))
    p.remember_payment("P-1", "C-1", 500)
    p.apply_payment({"payment_ref": "P-2", "case_id": "C-2", "amount_cents": 700, "paid_at": NOW, "channel": "x"})
    p.apply_payment({"payment_ref": "P-1", "case_id": "C-9", "amount_cents": 1, "paid_at": NOW, "channel": "x"})
    p.commit()
    p.close()
    p = Projection(Store(tmp_path / "rm"))
    assert p.payment("P-1") == {"case_id": "C-1", "amount_cents": 500}, "the first record of a reference stays"
    assert p.payment("P-2") == {"case_id": "C-2", "amount_cents": 700} and p.payment("P-3") is None
