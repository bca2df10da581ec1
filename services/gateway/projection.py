"""The gateway's own read model, built from case.events, loan.defaults.rejected, loan.batches and
payments. Pure: records in, state changes; redelivered records change nothing (seen by id).

A case's stage follows the lifecycle (``remedy.kernel.lifecycle.follow``): while it is ON_HOLD,
moves are remembered as the stage to resume; CLOSED is final.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from remedy.kernel.deadlines import ms, start_of_china_day_ms
from remedy.kernel.lifecycle import CLOSED, ON_HOLD, OPENED, STAGES, follow

__all__ = ["STAGES", "Case", "Batch", "Projection"]

# event type -> (field holding a deadline, label)
DEADLINES = {"ConfirmationRequested": ("due_by", "CONFIRMATION_DUE"), "ObjectionFiled": ("answer_by", "OBJECTION_ANSWER_DUE"),
             "InstalmentDue": ("due_date", "INSTALMENT_DUE"), "JudgmentEntered": ("performance_due", "PERFORMANCE_DUE"),
             "TierExtended": ("new_deadline", "MEDIATION_DEADLINE"), "SessionScheduled": ("scheduled_at", "SESSION"),
             "CreditRepairRequested": ("due_by", "CREDIT_REPAIR_DUE"), "NegativeReportPlanned": ("report_after", "NEGATIVE_REPORT_AFTER")}
DONE_DEADLINES = {"InstalmentPaid": "INSTALMENT_DUE", "ConfirmationGranted": "CONFIRMATION_DUE",
                  "ConfirmationDenied": "CONFIRMATION_DUE", "ObjectionResolved": "OBJECTION_ANSWER_DUE",
                  "CreditRepairDone": "CREDIT_REPAIR_DUE", "NegativeReportFiled": "NEGATIVE_REPORT_AFTER",
                  "EnforcementApplied": "PERFORMANCE_DUE"}
MAX_REJECTIONS_KEPT = 100_000


def _ms(value) -> int:
    """An instant, a China calendar day (its start) or epoch ms, as epoch ms."""
    if isinstance(value, datetime):
        return ms(value)
    if isinstance(value, date):
        return start_of_china_day_ms(value)
    return int(value)


def _json(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list):
        return [_json(v) for v in value]
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
    tier: str | None = None
    sessions: list = field(default_factory=list)
    offer: dict | None = None
    deadlines: dict = field(default_factory=dict)  # label -> epoch ms
    paid_cents: int = 0
    timeline: list = field(default_factory=list)

    @property
    def total_due_cents(self) -> int:
        return self.principal_cents + self.interest_cents + self.penalty_cents

    def next_deadline(self, now_ms: int) -> dict | None:
        future = sorted((at, label) for label, at in self.deadlines.items() if at >= now_ms)
        return {"kind": future[0][1], "at_ms": future[0][0]} if future else None

    def summary(self) -> dict:
        return {"case_id": self.case_id, "lender_id": self.lender_id, "loan_id": self.loan_id, "batch_id": self.batch_id,
                "stage": self.stage, "region_code": self.region_code, "product": self.product,
                "principal_cents": self.principal_cents, "interest_cents": self.interest_cents,
                "penalty_cents": self.penalty_cents, "total_due_cents": self.total_due_cents,
                "paid_cents": self.paid_cents, "opened_at_ms": self.opened_at, "mediator_id": self.mediator_id}


@dataclass
class Batch:
    lender_id: str
    batch_id: str
    published: int = 0  # rows the gateway put on loan.defaults (0 for batches not uploaded here)
    refused: list = field(default_factory=list)  # rows the gateway could not read: {line, message}
    refused_count: int = 0
    upload_done: bool = False
    accepted: set = field(default_factory=set)  # loan ids that opened a case
    rejections: dict = field(default_factory=dict)  # loan_id -> {reason_codes, message}
    report: dict | None = None

    def view(self) -> dict:
        accepted = len(self.accepted)
        rejected = len(self.rejections)
        if self.report is not None:
            accepted, rejected = max(accepted, self.report["accepted"]), max(rejected, self.report["rejected"])
        complete = self.upload_done and accepted + rejected >= self.published
        return {"batch_id": self.batch_id, "lender_id": self.lender_id, "published": self.published,
                "upload_complete": self.upload_done, "accepted": accepted, "rejected": rejected, "complete": complete,
                "refused_at_gateway": self.refused_count, "refused": self.refused,
                "rejections": [{"loan_id": k, **v} for k, v in sorted(self.rejections.items())],
                "report": _json(self.report)}


class Projection:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.batches: dict[tuple[str, str], Batch] = {}
        self.payments: dict[str, dict] = {}  # payment_ref -> the Payment record seen on `payments`
        self._seen: set[str] = set()

    # --- case.events -------------------------------------------------------------------------
    def apply_event(self, env: dict) -> bool:
        """One CaseEvent envelope; False when already applied or about an unknown case."""
        if env["event_id"] in self._seen:
            return False
        kind, body, case_id = env["type"], env["event"], env["case_id"]
        case = self.cases.get(case_id)
        if case is None:
            if kind != "CaseOpened":
                return False
            case = self.cases[case_id] = Case(case_id, env["lender_id"], opened_at=_ms(env["occurred_at"]))
        self._seen.add(env["event_id"])
        at = _ms(env["occurred_at"])
        if kind in ("CaseOpened", "CaseAmended"):
            self._facts(case, body["facts"])
        elif kind == "ObjectionResolved" and body.get("amended_principal_cents") is not None:
            case.principal_cents = body["amended_principal_cents"]
        if kind == "MediatorAssigned":
            case.mediator_id, case.tier = body["mediator_id"], body["tier"]
        elif kind == "SessionScheduled":
            case.sessions.append({"tier": body["tier"], "mediator_id": body["mediator_id"], "mode": body["mode"],
                                  "scheduled_at_ms": _ms(body["scheduled_at"]), "location": body.get("location"),
                                  "video_link": body.get("video_link")})
        elif kind in ("CaseTriaged", "LitigationFiled"):
            case.court = body["court"] or case.court
        elif kind in ("MediationSettled", "ReliefGranted"):
            case.offer = {"source": kind, "plan": _json(body["plan"])}
        elif kind == "InstalmentPaid":
            case.paid_cents += body["amount_cents"]
        elif kind == "CaseReleased" and case.stage == ON_HOLD:
            case.deadlines = {k: v + body["held_ms"] for k, v in case.deadlines.items()}
        elif kind == "CaseClosed":
            case.deadlines = {}
        case.stage, case.resume_stage = follow(case.stage, case.resume_stage, kind, body)
        if kind in DEADLINES and case.stage != CLOSED:
            name, label = DEADLINES[kind]
            if body.get(name) is not None:
                case.deadlines[label] = _ms(body[name])
        if kind in DONE_DEADLINES:
            case.deadlines.pop(DONE_DEADLINES[kind], None)
        if kind == "CaseOpened":
            self.batch(case.lender_id, case.batch_id).accepted.add(case.loan_id)
        case.timeline.append({"event_id": env["event_id"], "type": kind, "occurred_at_ms": at,
                              "producer": env["producer"], "stage_after": case.stage,
                              "detail": _json({k: v for k, v in body.items() if k != "facts"})})
        return True

    def _facts(self, case: Case, facts: dict) -> None:
        case.loan_id, case.batch_id, case.region_code = facts["loan_id"], facts["batch_id"], facts["region_code"]
        case.product = facts["product"]
        case.principal_cents, case.interest_cents = facts["principal_cents"], facts["interest_cents"]
        case.penalty_cents = facts["penalty_cents"]

    # --- intake's answers ------------------------------------------------------------------------
    def batch(self, lender_id: str, batch_id: str) -> Batch:
        key = (lender_id, batch_id)
        if key not in self.batches:
            self.batches[key] = Batch(lender_id, batch_id)
        return self.batches[key]

    def apply_rejected(self, r: dict) -> None:
        b = self.batch(r["lender_id"], r["batch_id"])
        if len(b.rejections) < MAX_REJECTIONS_KEPT:
            b.rejections[r["loan_id"]] = {"reason_codes": list(r["reason_codes"]), "message": r["message"]}

    def apply_batch_report(self, r: dict) -> None:
        self.batch(r["lender_id"], r["batch_id"]).report = dict(r)

    def apply_payment(self, p: dict) -> None:
        self.payments.setdefault(p["payment_ref"], p)

    # --- questions -------------------------------------------------------------------------------
    def lender_cases(self, lender_id: str, *, stage: str | None = None, region: str | None = None,
                     opened_from_ms: int | None = None, opened_to_ms: int | None = None,
                     batch_id: str | None = None) -> list[Case]:
        out = []
        for c in self.cases.values():
            if c.lender_id != lender_id or (stage and c.stage != stage) or (batch_id and c.batch_id != batch_id):
                continue
            if region and not c.region_code.startswith(region):
                continue
            if (opened_from_ms is not None and c.opened_at < opened_from_ms) or \
                    (opened_to_ms is not None and c.opened_at >= opened_to_ms):
                continue
            out.append(c)
        out.sort(key=lambda c: (c.opened_at, c.case_id))
        return out

    def mediator_cases(self, mediator_id: str) -> list[Case]:
        return sorted((c for c in self.cases.values() if c.mediator_id == mediator_id), key=lambda c: c.case_id)
