"""A case's whole history (``GET /v1/cases/{case_id}/audit``, ``remedy case``): the case log in log order, each
event with the input record that caused it, the triage rule that decided it, and the notices sent after it.
Pure: the gateway's route answers with ``case_audit``'s result and the CLI prints it.

How the join is made, on what the records carry:
- An event's ``causation_id`` is an input record's ``topic/partition/offset`` or another event's id. The
  gateway keeps every record of INPUT_TOPICS under that reference (projection.py), so the record is shown.
  ``loan.defaults`` is never kept (the debtor's PII travels there in the clear): CaseOpened and CaseAmended
  name it by reference only (``withheld``). The services' own work topics (``*.ticks``, ``mediation.desk``,
  ``notify.intents``) are not kept: their causes are named, not shown (``not_kept``).
- A notice log entry names no event (NoticeLogEntry has no causation id): each notice, with every entry
  notify logged for it, is placed after the last event that occurred at or before its first entry.
- The rule: CaseTriaged and CaseRejected carry triage's ``rule_version`` and ``rule_hash``; no other stage
  records a rule version, so their events have none.
"""
from __future__ import annotations

INPUT_TOPICS = {"mediation.outcomes": "MediationOutcome", "court.decisions": "CourtDecision", "payments": "Payment",
                "debtor.requests": "DebtorRequest", "lender.updates": "LenderUpdate"}
WITHHELD = frozenset({"loan.defaults"})
RULED = frozenset({"CaseTriaged", "CaseRejected"})
NOTICE_FIELDS = ("notice_id", "kind", "occasion", "channel", "status", "rule", "language", "document_no", "content_hash",
                 "deferred_until", "detail", "at")
AUDITOR_ONLY = ("debtor_ref",)
PRIVATE_TEXT = frozenset({"COMPLAINT", "COMPLAINT_ANSWER"})   # debtor.requests kinds whose text a lender never reads   # a pseudonym: shown to auditors, never to a lender (it links a debtor across lenders)


def for_lender(inputs: dict[str, dict]) -> dict[str, dict]:
    """The input records a lender may read: a complaint's text and a department's answer to it are the debtor's and
    that department's (the complaint may be about the lender), so their ``detail`` is withheld."""
    return {ref: {**r, "detail": None} if r.get("kind") in PRIVATE_TEXT else r for ref, r in inputs.items()}


def cause_of(ref: str, inputs: dict[str, dict], seq_of: dict[str, int]) -> dict:
    """What ``ref`` (a causation id) points at, and the record itself when the gateway keeps it."""
    if ref in seq_of:
        return {"ref": ref, "kind": "event", "event_seq": seq_of[ref]}
    parts = ref.rsplit("/", 2)
    if parts[0] in WITHHELD:
        return {"ref": ref, "kind": "withheld", "topic": parts[0]}
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return {"ref": ref, "kind": "unknown"}
    topic = parts[0]
    out = {"ref": ref, "topic": topic, "partition": int(parts[1]), "offset": int(parts[2])}
    if ref in inputs:
        return {**out, "kind": "input", "record": inputs[ref]}
    return {**out, "kind": "not_kept" if topic not in INPUT_TOPICS else "missing"}


def notices_by_id(entries: list[dict], *, auditor: bool) -> list[dict]:
    """notice.log entries grouped per notice, oldest first; ``history`` holds every entry's status."""
    grouped: dict[str, dict] = {}
    for e in sorted(entries, key=lambda x: x["at"]):
        n = grouped.setdefault(e["notice_id"], {"notice_id": e["notice_id"], "kind": e["kind"], "occasion": e["occasion"],
                                                "first_at": e["at"], "history": []})
        if auditor:
            n.update({k: e[k] for k in AUDITOR_ONLY if k in e})
        n["history"].append({k: e.get(k) for k in NOTICE_FIELDS if k not in ("notice_id", "kind", "occasion")})
        n.update(status=e["status"], document_no=e.get("document_no") or n.get("document_no"),
                 content_hash=e.get("content_hash") or n.get("content_hash"))
    return list(grouped.values())


def case_audit(case: dict, timeline: list[dict], inputs: dict[str, dict], notice_entries: list[dict], *,
               auditor: bool) -> dict:
    """The audit of one case. ``case``: its summary; ``timeline``: its events as the read model keeps them (log
    order, each with ``causation_id``); ``inputs``: kept input records by reference; ``notice_entries``: its
    notice.log entries (``at`` in epoch ms)."""
    seq_of = {t["event_id"]: n for n, t in enumerate(timeline)}
    events = []
    for n, t in enumerate(timeline):
        entry = {"seq": n, **{k: t.get(k) for k in ("event_id", "type", "occurred_at_ms", "producer", "stage_after", "detail")}}
        ref = t.get("causation_id")
        entry["cause"] = cause_of(ref, inputs, seq_of) if ref else {"ref": None, "kind": "unrecorded"}
        detail = t.get("detail") or {}
        entry["rule"] = {"rule_version": detail.get("rule_version"), "rule_hash": detail.get("rule_hash") or None} \
            if t["type"] in RULED else None
        entry["notices"] = []
        events.append(entry)
    unplaced = []
    for notice in notices_by_id(notice_entries, auditor=auditor):
        after = [e for e in events if e["occurred_at_ms"] <= notice["first_at"]]
        (after[-1]["notices"] if after else unplaced).append(notice)
    return {"case_id": case["case_id"], "lender_id": case["lender_id"], "stage": case["stage"], "events": events,
            "notices_before_any_event": unplaced}
