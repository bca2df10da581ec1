"""The subscriptions every webhooks instance knows: routing sends a party an intent only for an event one of its
live subscriptions wants, by the same rule the party's own agent applies."""
from __future__ import annotations

from datetime import datetime, timezone

from services.webhooks.subscribers import Subscribers

AT = datetime(2026, 12, 1, tzinfo=timezone.utc)


def record(sid: str, kind: str = "COURT", pid: str = "CT-1", types=(), status: str = "ACTIVE") -> dict:
    return {"subscription_id": sid, "party_kind": kind, "party_id": pid, "status": status, "url": "https://x.example/h",
            "event_types": list(types), "changed_at": AT, "sealed_secret": b"sealed" if status == "ACTIVE" else None}


def test_a_party_without_a_subscription_wants_nothing():
    assert not Subscribers().wants("COURT:CT-1", "CaseTriaged")


def test_a_subscription_without_types_wants_every_event_of_its_party_only():
    view = Subscribers()
    view.apply(record("whs_1"))
    assert view.wants("COURT:CT-1", "CaseTriaged") and view.wants("COURT:CT-1", "CourtDocument")
    assert not view.wants("COURT:CT-2", "CaseTriaged") and not view.wants("LENDER:CT-1", "CaseTriaged")


def test_typed_subscriptions_want_their_types_and_a_deleted_one_nothing():
    view = Subscribers()
    view.apply(record("whs_1", types=["CaseTriaged"]))
    view.apply(record("whs_2", types=["CaseClosed"]))
    assert view.wants("COURT:CT-1", "CaseTriaged") and view.wants("COURT:CT-1", "CaseClosed")
    assert not view.wants("COURT:CT-1", "CaseHeld")
    view.apply(record("whs_1", status="DELETED"))
    assert not view.wants("COURT:CT-1", "CaseTriaged") and view.wants("COURT:CT-1", "CaseClosed")
    view.apply(record("whs_2", status="DELETED"))
    assert not view.wants("COURT:CT-1", "CaseClosed") and view.parties == {}, "a party with no subscription left is forgotten"


def test_anyone_wants_follows_every_partys_subscriptions():
    view = Subscribers()
    assert not view.anyone_wants("CaseHeld")
    view.apply(record("whs_1", types=["CaseTriaged"]))
    assert view.anyone_wants("CaseTriaged") and not view.anyone_wants("CaseHeld")
    view.apply(record("whs_2", kind="LENDER", pid="LENDER-A"))
    assert view.anyone_wants("CaseHeld"), "a subscription without types wants every type"
    view.apply(record("whs_2", kind="LENDER", pid="LENDER-A", status="DELETED"))
    assert not view.anyone_wants("CaseHeld") and view.anyone_wants("CaseTriaged")
