"""Proof of delivery for the notices a stage waits for: the catalogue's kinds marked ``proof`` (the
pre-report notice: 征信业管理条例 art. 15, the debtor is told before negative information is reported).
Pure: a notice and what became of it → the CaseEvent that says so, for case.events (keyed by case).

Delivered: a DELIVERED entry (the debtor's mail server accepted the e-mail, or the SMS provider's
receipt) or a letter posted (SENT on LETTER). An SMS only handed to the provider (SENT) proves nothing
yet: its receipt decides. Failed: every channel failed, the provider reported the SMS undelivered, or
the guard suppressed the notice (opted out of every channel, a contact that is not the debtor's).
The event's cause is the case event the notice was sent on, so deciding it again yields the same id.
"""
from __future__ import annotations

from remedy.kernel.emit import Emit
from remedy.kernel.events import case_event

PRODUCER = "notify"


def delivered(notice: dict, entries: list[dict]) -> list[Emit]:
    """The proof of delivery among a proof notice's log entries ([] if none proves it)."""
    if not notice.get("proof"):
        return []
    for e in entries:
        if e["status"] == "DELIVERED" or (e["status"] == "SENT" and e["channel"] == "LETTER"):
            body = {"notice_id": notice["notice_id"], "notice_kind": notice["kind"], "channel": e["channel"],
                    "delivered_at": e["at"], "document_no": e.get("document_no"), "content_hash": e.get("content_hash")}
            return [_event(notice, "RequiredNoticeDelivered", body, e["at"])]
    return []


def failed(notice: dict, entry: dict) -> list[Emit]:
    """A proof notice that will not reach the debtor, its last log entry (FAILED or SUPPRESSED) saying why."""
    if not notice.get("proof"):
        return []
    body = {"notice_id": notice["notice_id"], "notice_kind": notice["kind"], "status": entry["status"],
            "rule": entry.get("rule")}
    return [_event(notice, "RequiredNoticeFailed", body, entry["at"])]


def settled(notice: dict, status: str, entries: list[dict]) -> list[Emit]:
    """What sending a notice ended as (``dispatch``'s final status and entries), as proof or its absence."""
    if status in ("FAILED", "SUPPRESSED") and entries:
        return failed(notice, entries[-1])
    return delivered(notice, entries)


def receipt(notice: dict, entry: dict) -> list[Emit]:
    """The SMS provider's receipt (DELIVERED or FAILED) for a proof notice: notify falls back to no other channel."""
    return delivered(notice, [entry]) if entry["status"] == "DELIVERED" else failed(notice, entry)


def _event(notice: dict, type_: str, body: dict, now) -> Emit:
    record = case_event(PRODUCER, type_, body, case_id=notice["case_id"], lender_id=notice["lender_id"],
                        causation_id=notice["event_id"], now=now)
    return Emit("case.events", notice["case_id"], "CaseEvent", record)
