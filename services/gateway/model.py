"""What the gateway's read model holds about a case and a batch, and how a CaseEvent changes a case. Pure:
no I/O; the projection (projection.py) loads and stores these records (store.py).

A case's stage follows the lifecycle (``remedy.kernel.lifecycle.follow``): while it is ON_HOLD,
moves are remembered as the stage to resume; CLOSED is final.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from remedy.kernel.deadlines import ms, start_of_china_day_ms
from remedy.kernel.lifecycle import CLOSED, ON_HOLD, OPENED, STAGES, follow

__all__ = ["STAGES", "Case", "Batch", "apply_event", "MAX_REJECTIONS_KEPT"]

# event type -> (field holding a deadline, label)
DEADLINES = {"ConfirmationRequested": ("due_by", "CONFIRMATION_DUE"), "ObjectionFiled": ("answer_by", "OBJECTION_ANSWER_DUE"),
             "InstalmentDue": ("due_date", "INSTALMENT_DUE"), "JudgmentEntered": ("performance_due", "PERFORMANCE_DUE"),
             "TierExtended": ("new_deadline", "MEDIATION_DEADLINE"), "SessionScheduled": ("scheduled_at", "SESSION"),
             "CreditRepairRequested": ("due_by", "CREDIT_REPAIR_DUE"), "NegativeReportPlanned": ("report_after", "NEGATIVE_REPORT_AFTER")}
DONE_DEADLINES = {"InstalmentPaid": "INSTALMENT_DUE", "ConfirmationGranted": "CONFIRMATION_DUE",
                  "ConfirmationDenied": "CONFIRMATION_DUE", "ObjectionResolved": "OBJECTION_ANSWER_DUE",
                  "CreditRepairDone": "CREDIT_REPAIR_DUE", "NegativeReportFiled": "NEGATIVE_REPORT_AFTER",
                  "NegativeReportWithheld": "NEGATIVE_REPORT_AFTER",
                  "EnforcementApplied": "PERFORMANCE_DUE"}
COMPLAINT_EVENTS = ("ComplaintRouted", "ComplaintAnswered", "ComplaintOverdue")
FILING = {"FilingWithheld": "WITHHELD", "LitigationFiled": "FILED"}   # the lender's filing status (rules.md E8)
OFFER_ENDS = frozenset({"MediationSettled", "ReliefGranted", "MediationFailed", "CaseEscalated", "CaseClosed"})
MAX_REJECTIONS_KEPT = 100_000  # per batch: intake's rejections listed in the batch's status
# event type -> the state of the debtor's credit record it leaves (the portal shows it), with the body's date field
CREDIT = {"NegativeReportPlanned": ("REPORT_PLANNED", "report_after"), "NegativeReportFiled": ("REPORTED", "reported_on"),
          "NegativeReportWithheld": ("REPORT_WITHHELD", "report_after"),
          "NegativeRecordCorrected": ("CORRECTED", "corrected_on")}


def to_ms(value) -> int:
    """An instant, a China calendar day (its start) or epoch ms, as epoch ms."""
    if isinstance(value, datetime):
        return ms(value)
    if isinstance(value, date):
        return start_of_china_day_ms(value)
    return int(value)


def as_json(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


@dataclass
class Case:
    case_id: str
    lender_id: str
    loan_id: str = ""
    batch_id: str = ""
    region_code: str = ""
    product: str = ""
    principal_cents: int = 0
    interest_cents: int = 0
    penalty_cents: int = 0
    opened_at: int = 0
    stage: str = OPENED
    resume_stage: str | None = None
    mediator_id: str | None = None
    court: str | None = None
    centre: str = ""            # the mediation centre triage named (CaseTriaged.mediation_centre)
    score: int = 0              # triage's score: the mediation desk serves the best first
    stage_since: int = 0        # epoch ms the case entered its stage
    tier: str | None = None
    sessions: list = field(default_factory=list)
    offer: dict | None = None   # the mediator's offer (SettlementOffered): {source, tier, plan, expires_at_ms}
    plan: dict | None = None    # the plan agreed: {source (MediationSettled | ReliefGranted), plan}
    complaints: dict = field(default_factory=dict)  # complaint_id -> its status (COMPLAINT_EVENTS), no text
    deadlines: dict = field(default_factory=dict)  # label -> epoch ms
    paid_cents: int = 0
    evidence: list = field(default_factory=list)  # the default's evidence refs: {doc_type, uri, sha256}
    filing: dict | None = None  # the lender's view of its filing: {status WITHHELD | FILED, court, reason | bundle_id, at_ms}
    credit: dict | None = None  # the credit record: {"status", "on" (epoch ms), "reason"} (CREDIT)
    events: int = 0  # entries in the case's timeline (each stored under its own key)

    @property
    def total_due_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.penalty_cents

    def next_deadline(self, now_ms: int) -> dict | None:
        future = sorted((at, label) for label, at in self.deadlines.items() if at >= now_ms)
        return {"kind": future[0][1], "at_ms": future[0][0]} if future else None

    def open_offer(self, now_ms: int) -> dict | None:
        """The offer the debtor may still accept, or None (none made, taken, or lapsed)."""
        return self.offer if self.offer and self.offer.get("expires_at_ms", 0) > now_ms else None

    def summary(self) -> dict:
        return {"case_id": self.case_id, "lender_id": self.lender_id, "loan_id": self.loan_id, "batch_id": self.batch_id,
                "stage": self.stage, "region_code": self.region_code, "product": self.product,
                "principal_cents": self.principal_cents, "interest_cents": self.interest_cents,
                "penalty_cents": self.penalty_cents, "total_due_cents": self.total_due_cents,
                "paid_cents": self.paid_cents, "opened_at_ms": self.opened_at, "mediator_id": self.mediator_id}


@dataclass
class Batch:
    """A lender's batch as its status page shows it: what intake answered (from the topics, on every gateway
    instance) and, when the upload came through this instance, what the gateway published and refused."""
    lender_id: str
    batch_id: str
    published: int = 0  # rows the gateway put on loan.defaults (0 for batches not uploaded here)
    refused: list = field(default_factory=list)  # rows the gateway could not read: {line, message}
    refused_count: int = 0
    upload_done: bool = False
    broken_off: bool = False  # the upload stopped before its end (its rows so far kept): the id may be sent again
    uploaded_here: bool = False  # this instance took the upload (published, refused, upload_done are its own)
    accepted: int = 0  # loans of the batch that opened a case
    rejected: int = 0  # intake's rejections kept (at most MAX_REJECTIONS_KEPT)
    rejections: dict = field(default_factory=dict)  # loan_id -> {reason_codes, message, problems}, for the view
    report: dict | None = None

    def view(self) -> dict:
        accepted, rejected = self.accepted, max(self.rejected, len(self.rejections))
        published, upload_done = self.published, self.upload_done
        if self.report is not None:
            accepted, rejected = max(accepted, self.report["accepted"]), max(rejected, self.report["rejected"])
            if not self.uploaded_here:  # uploaded elsewhere (another instance, or straight to Kafka): intake's count
                published, upload_done = self.report["declared_size"], True
        complete = upload_done and accepted + rejected >= published
        return {"batch_id": self.batch_id, "lender_id": self.lender_id, "published": published,
                "upload_complete": upload_done, "upload_broken_off": self.broken_off, "accepted": accepted,
                "rejected": rejected, "complete": complete,
                "refused_at_gateway": self.refused_count, "refused": self.refused,
                "rejections": [{"loan_id": k, **v} for k, v in sorted(self.rejections.items())],
                "report": as_json(self.report)}


def apply_event(case: Case, env: dict) -> dict:
    """Change ``case`` by one CaseEvent envelope (not seen before); the case's timeline entry for it."""
    kind, body = env["type"], env["event"]
    if kind in ("CaseOpened", "CaseAmended"):
        _facts(case, body["facts"])
    elif kind == "ObjectionResolved" and body.get("amended_principal_cents") is not None:
        case.principal_cents = body["amended_principal_cents"]
    if kind in FILING:
        case.filing = {"status": FILING[kind], "court": body["court"], "at_ms": to_ms(env["occurred_at"]),
                       **({"reason": body["reason"]} if kind == "FilingWithheld" else {"bundle_id": body["filing_batch_id"]})}
    if kind == "MediatorAssigned":
        case.mediator_id, case.tier = body["mediator_id"], body["tier"]
    elif kind == "SessionScheduled":
        case.sessions.append({"tier": body["tier"], "mediator_id": body["mediator_id"], "mode": body["mode"],
                              "scheduled_at_ms": to_ms(body["scheduled_at"]), "location": body.get("location"),
                              "video_link": body.get("video_link")})
    elif kind in ("CaseTriaged", "LitigationFiled"):
        case.court = body["court"] or case.court
        if kind == "CaseTriaged":
            case.centre, case.score = body.get("mediation_centre") or "", body.get("score") or 0
    elif kind == "SettlementOffered":
        case.offer = {"source": kind, "tier": body["tier"], "plan": as_json(body["plan"]),
                      "expires_at_ms": to_ms(body["expires_at"])}
    elif kind in ("MediationSettled", "ReliefGranted"):
        case.plan = {"source": kind, "plan": as_json(body["plan"])}
    elif kind in COMPLAINT_EVENTS:
        _complaint(case, kind, body, env["causation_id"], to_ms(env["occurred_at"]))
    elif kind == "InstalmentPaid":
        case.paid_cents += body["amount_cents"]
    elif kind == "CaseReleased" and case.stage == ON_HOLD:
        case.deadlines = {k: v + body["held_ms"] for k, v in case.deadlines.items()}
        if case.offer and "expires_at_ms" in case.offer:
            case.offer = {**case.offer, "expires_at_ms": case.offer["expires_at_ms"] + body["held_ms"]}
    elif kind == "CaseClosed":
        case.deadlines = {}
    if kind in CREDIT and not (case.credit or {}).get("status") == "CORRECTED":
        status, day = CREDIT[kind]
        case.credit = {"status": status, "on": to_ms(body[day]), "reason": body.get("reason")}
    if kind in OFFER_ENDS:
        case.offer = None
    stage = case.stage
    case.stage, case.resume_stage = follow(case.stage, case.resume_stage, kind, body)
    if case.stage != stage or not case.stage_since:
        case.stage_since = to_ms(env["occurred_at"])
    if kind in DEADLINES and case.stage != CLOSED:
        name, label = DEADLINES[kind]
        if body.get(name) is not None:
            case.deadlines[label] = to_ms(body[name])
    if kind in DONE_DEADLINES:
        case.deadlines.pop(DONE_DEADLINES[kind], None)
    case.events += 1
    return {"event_id": env["event_id"], "type": kind, "occurred_at_ms": to_ms(env["occurred_at"]),
            "producer": env["producer"], "causation_id": env["causation_id"], "stage_after": case.stage,
            "detail": as_json({k: v for k, v in body.items() if k != "facts"})}


def _complaint(case: Case, kind: str, body: dict, cause: str, at_ms: int) -> None:
    """A complaint's status as the debtor and its department see it. The texts stay on debtor.requests: the
    complaint's under ``routed_ref``, the answer's under ``answer_ref`` (the inputs these events were caused by)."""
    cid = body["complaint_id"]
    if kind == "ComplaintRouted":
        case.complaints[cid] = {"complaint_id": cid, "category": body["category"], "department": body["department"],
                                "department_id": body["department_id"], "due_at_ms": to_ms(body["due_at"]),
                                "status": "ROUTED", "routed_at_ms": at_ms, "routed_ref": cause}
        return
    found = case.complaints.get(cid)
    if found is None:
        return
    if kind == "ComplaintAnswered":
        found.update(status="ANSWERED", outcome=body["outcome"], late=body["late"], answered_at_ms=at_ms, answer_ref=cause)
    elif found["status"] == "ROUTED":
        found["status"] = "OVERDUE"


def _facts(case: Case, facts: dict) -> None:
    case.loan_id, case.batch_id, case.region_code = facts["loan_id"], facts["batch_id"], facts["region_code"]
    case.product = facts["product"]
    case.principal_cents, case.interest_cents = facts["principal_cents"], facts["interest_cents"]
    case.penalty_cents = facts["penalty_cents"]
    case.evidence = [{"doc_type": e["doc_type"], "uri": e["uri"], "sha256": e.get("sha256")} for e in facts["evidence"]]
