"""What repair remembers per case. Pure, JSON-friendly; its deadlines follow remedy.kernel.deadlines (paused while held)."""
from __future__ import annotations

from dataclasses import dataclass, field

from remedy.kernel.deadlines import CaseFileRecord


@dataclass
class RepairFile(CaseFileRecord):
    case_id: str
    lender_id: str
    overdue_cents: int = 0              # principal + interest + penalty at default (the single overdue amount)
    loan_due_date: str = ""             # ISO date
    listed: bool = False                # proposed for the dishonest-debtor list
    enforced_cause: str | None = None   # an EnforcementApplied: negative information is to be reported
    negative: dict | None = None        # {"report_after", "notice_ref", "filed", "proof", "failed", "withheld", "due", "filed_ref"}
    handover: dict | None = None        # {"reason", "cause", "performed_on"}: the full performance repair acts on
    requested: dict | None = None       # {"due_by", "cause"}
    correction: dict | None = None      # {"on", "reason", "behaviour_end", "done"}: the record stops being shown
    deadlines: dict = field(default_factory=dict)  # name -> {"at": ms, "set": ms}
    held_since: int | None = None
    closed: bool = False
    seen: list = field(default_factory=list)
