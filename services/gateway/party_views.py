"""What a court and a mediation centre see of their cases, from the read model. Pure over the store.

Indexes, kept by the projection as cases change (NUL-separated keys, values empty):

| key | value |
|---|---|
| ``k/<court>/<case_id>`` | the case is before that court (triage placed it there, or it was filed there) |
| ``q/<centre>/<case_id>`` | triage sent the case to that mediation centre |

A court's view groups its open cases by what the court owes them: a confirmation to decide, a filing or
a hearing, a judgment to see performed, an enforcement. A centre's queue lists its cases in mediation
that wait for a mediator of their tier, in the order the mediation desk serves them (best score first,
then longest waiting: docs/rules.md M4), each with its position, then the cases a mediator holds.
"""
from __future__ import annotations

from remedy.kernel.lifecycle import (CONFIRMATION, ENFORCEMENT, JUDGMENT, LITIGATION, MEDIATION, ON_HOLD, STAGE_TIER,
                                     TERMINAL)
from services.gateway.model import Case
from services.gateway.store import key

COURT_WORK = {CONFIRMATION: "confirmations", LITIGATION: "filings", JUDGMENT: "judgments", ENFORCEMENT: "enforcements"}



def reindex(store, case: Case, court_before: str | None, centre_before: str) -> None:
    """Keep ``k/`` and ``q/`` in step with the case's court and centre (called after each event is applied)."""
    for prefix, before, now in (("k", court_before, case.court), ("q", centre_before, case.centre)):
        if now == before:
            continue
        if before:
            store.delete(key(prefix, before, case.case_id))
        if now:
            store.put(key(prefix, now, case.case_id), b"")


def _case_ids(store, prefix: str, party: str) -> list[str]:
    return [k.rsplit(b"\x00", 1)[1].decode() for k, _ in store.scan(key(prefix, party) + b"\x00")]


def court_view(store, load, court: str, now_ms: int, documents=lambda case_id: []) -> dict:
    """A court's open cases by what it owes them, each with its next deadline and the documents sent to the
    court for it (``documents(case_id)``: kind, number, sha256)."""
    groups: dict[str, list] = {name: [] for name in COURT_WORK.values()}
    for case in filter(None, map(load, _case_ids(store, "k", court))):
        stage = case.resume_stage if case.stage == ON_HOLD else case.stage
        if stage == LITIGATION and (case.filing or {}).get("status") == "WITHHELD":
            continue   # not filed for want of evidence (rules.md E8): nothing before the court yet
        if stage in COURT_WORK and case.stage not in TERMINAL:
            groups[COURT_WORK[stage]].append({"case_id": case.case_id, "lender_id": case.lender_id, "stage": case.stage,
                                              "since_ms": case.stage_since, "total_due_cents": case.total_due_cents,
                                              "next_deadline": case.next_deadline(now_ms),
                                              "documents": documents(case.case_id)})
    for rows in groups.values():
        rows.sort(key=lambda r: ((r["next_deadline"] or {}).get("at_ms", 2 ** 62), r["case_id"]))
    return {"court": court, "counts": {k: len(v) for k, v in groups.items()}, **groups}


def _waiting(case: Case) -> bool:
    """In mediation with no mediator of the stage's tier yet (a case escalated to court mediation waits again)."""
    return case.stage in MEDIATION and (case.mediator_id is None or case.tier != STAGE_TIER[case.stage])


def centre_queue(store, load, centre: str, now_ms: int) -> dict:
    """The centre's cases in mediation: those waiting for a mediator in the desk's order, then those assigned."""
    cases = [c for c in map(load, _case_ids(store, "q", centre)) if c is not None and c.stage in MEDIATION]
    waiting = sorted((c for c in cases if _waiting(c)), key=lambda c: (-c.score, c.stage_since, c.case_id))
    return {"centre": centre,
            "waiting": [{"position": n, "case_id": c.case_id, "tier": STAGE_TIER[c.stage], "score": c.score,
                         "waiting_since_ms": c.stage_since, "waited_ms": max(0, now_ms - c.stage_since)}
                        for n, c in enumerate(waiting, 1)],
            "assigned": [{"case_id": c.case_id, "tier": c.tier, "mediator_id": c.mediator_id,
                          "sessions": c.sessions, "next_deadline": c.next_deadline(now_ms)}
                         for c in sorted(cases, key=lambda c: c.case_id) if not _waiting(c)]}
