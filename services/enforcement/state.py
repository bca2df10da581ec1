"""What enforcement remembers per case. Pure; its deadlines follow remedy.kernel.deadlines (paused while held).

A ``CaseFile`` holds only JSON-friendly values so it round-trips through a faust table.
Instants are epoch milliseconds, dates ISO strings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from remedy.kernel.deadlines import CaseFileRecord


@dataclass
class CaseFile(CaseFileRecord):
    case_id: str
    lender_id: str
    principal_cents: int
    interest_cents: int
    penalty_cents: int
    evidence: list = field(default_factory=list)   # the default's evidence (CaseOpened/CaseAmended facts)
    uploaded: list = field(default_factory=list)   # files the lender uploaded (lender.updates EVIDENCE_ADDED)
    is_student: bool = False
    region_code: str = ""
    agreed_jurisdiction: str | None = None
    court: str | None = None              # from CaseTriaged, or the confirming court
    plan_total_cents: int | None = None   # from a settlement or relief plan
    plan_paid_cents: int = 0              # instalments paid under it
    plan_outstanding_cents: int | None = None  # from the last InstalmentMissed
    handover: dict | None = None          # {"to", "from_stage", "cause"}: mediation's CaseEscalated, not yet acted on
    filing_refused: bool = False          # a litigation handover with no evidence: refused once, filed once amended
    stage: str | None = None              # None (not ours yet) | FILED | ACCEPTED | REJECTED | JUDGMENT | ENFORCEMENT
                                          # | RECOVERED | TERMINATED (终本: resumable) | PERFORMED
                                          # (ENDED: a termination before resumption existed; such cases were closed)
    basis: str | None = None              # JUDGMENT | CONFIRMED_SETTLEMENT
    court_case_no: str = ""
    basis_cents: int = 0                  # the authoritative amount owed: claim filed, award, or enforced claim
    paid_cents: int = 0                   # payments since basis_cents was set
    recovered_cents: int = 0              # recovered by enforcement (court results)
    payment_refs: list = field(default_factory=list)
    listing_decided: bool = False         # the dishonest-list proposal was made (or withheld: a student), once
    resume: dict | None = None            # {"reason", "cause"}: a terminated enforcement to resume, not yet resumed
    deadlines: dict = field(default_factory=dict)  # name -> {"at": ms, "set": ms}
    cause: str = ""                       # causation id of the fact the next move follows from
    held_since: int | None = None
    closed: bool = False
    seen: list = field(default_factory=list)

    @property
    def outstanding_cents(self) -> int:
        return self.basis_cents - self.paid_cents - self.recovered_cents

    @property
    def all_evidence(self) -> list:
        """The default's evidence with the uploaded files merged in by URI (an upload supplies a declared item's hash)."""
        merged = {e["uri"]: dict(e) for e in self.evidence}
        for e in self.uploaded:
            merged[e["uri"]] = {"doc_type": merged.get(e["uri"], e)["doc_type"], "uri": e["uri"], "sha256": e["sha256"]}
        return list(merged.values())

    @property
    def facts_total_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.penalty_cents
