"""Scripted case logs: CaseEvents, notice-log entries and rejections shaped like the funnel's.

Used by analytics tests and ``bench/bench_analytics.py``. Deterministic for a seed. Every case
walks one lifecycle path (see docs/lifecycle.md) with plausible gaps between events; money is fen.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from remedy.kernel.events import case_event
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id as make_case_id

REGIONS = ["350502", "350503", "350583", "110105", "310115", "440305"]
LENDER_REGIONS = {"LENDER-A": "350502", "LENDER-B": "310115", "LENDER-C": "110105"}
PRODUCTS = ["consumer_loan", "credit_card", "micro_loan", "online_loan"]
COURTS = {"350502": "C350502", "350503": "C350503", "350583": "C350583", "110105": "C110105",
          "310115": "C310115", "440305": "C440305"}
PATHS = ["peoples_settle_paid", "peoples_fail_court_settle", "court_fail_litigate", "relief_paid",
         "rejected", "open_in_peoples", "held", "peoples_settle_performing"]
NOTICE_RULES = [(None, "SENT"), ("QUIET_HOURS", "DEFERRED"), ("DAILY_CONTACT_CAP", "DEFERRED"),
                ("OBJECTION_PENDING", "SUPPRESSED"), (None, "DELIVERED")]
REJECT_REASONS = ["NATIONAL_ID_CHECKSUM", "REGION_CODE_FORMAT", "PRINCIPAL_NOT_POSITIVE", "UNKNOWN_PRODUCT"]


@dataclass
class Scripted:
    events: list[dict] = field(default_factory=list)      # CaseEvent records, in case-log order per case
    notices: list[dict] = field(default_factory=list)     # NoticeLogEntry records
    rejections: list[dict] = field(default_factory=list)  # LoanDefaultRejected records


def facts(rng: random.Random, lender: str, loan_id: str, region: str, opened: datetime) -> dict:
    principal = rng.randint(50, 5000) * 1_000
    return {"loan_id": loan_id, "batch_id": "B1", "debtor_ref": "D" + f"{rng.getrandbits(128):032x}",
            "region_code": region, "lender_region_code": LENDER_REGIONS.get(lender, "350502"),
            "product": rng.choice(PRODUCTS), "principal_cents": principal, "interest_cents": principal // 10,
            "penalty_cents": principal // 50, "contract_date": date(2024, 1, 5), "due_date": date(2025, 1, 5),
            "last_payment_date": None, "agreed_jurisdiction": None,
            "hardship": {"is_student": False, "serious_illness": False, "unemployed": False, "disaster": False,
                         "elderly": False, "disabled": False},
            "birth_year": 1990, "evidence": [{"doc_type": "contract", "uri": f"s3://{lender}/{loan_id}.pdf", "sha256": None}],
            "sealed_contact": b"\x00" * 12 + b"sealed-not-readable-without-key", "content_hash": f"h{loan_id}"}


def plan(total: int) -> dict:
    return {"kind": "LUMP_SUM", "total_cents": total, "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": [{"seq": 1, "due_date": date(2026, 12, 1), "amount_cents": total}]}


class _Log:
    """One case's events as ``case_log`` writes them: each ``add`` moves the case's clock on by ``hours``."""

    def __init__(self, rng: random.Random, lender: str, n: int, case_id: str, t: datetime, claimed: int, court: str,
                 mediator: str):
        self.rng, self.lender, self.n, self.case_id, self.t = rng, lender, n, case_id, t
        self.claimed, self.court, self.mediator = claimed, court, mediator
        self.events: list[dict] = []

    def add(self, type_: str, body: dict, hours: float) -> None:
        t = self.t + timedelta(hours=hours)
        self.t = t = t.replace(microsecond=t.microsecond // 1000 * 1000)  # the wire carries milliseconds
        self.events.append(case_event("sim", type_, body, case_id=self.case_id, lender_id=self.lender,
                                      causation_id=f"sim/{self.case_id}/{len(self.events)}", now=t,
                                      discriminator=str(len(self.events))))


def case_log(rng: random.Random, lender: str, n: int, start: datetime, path: str | None = None) -> tuple[list[dict], dict]:
    """One case's events. Returns (events, the case's facts)."""
    loan_id = f"L{n:08d}"
    cid = make_case_id(lender, loan_id, key=DEV_CASE_ID_KEY)
    region = rng.choice(REGIONS)
    path = path or rng.choice(PATHS)
    t = start + timedelta(minutes=rng.randint(0, 60 * 24 * 20))
    f = facts(rng, lender, loan_id, region, t)
    claimed = f["principal_cents"] + f["interest_cents"] + f["penalty_cents"]
    log = _Log(rng, lender, n, cid, t, claimed, COURTS[region], f"M{rng.randint(1, 6)}")
    log.add("CaseOpened", {"facts": f}, 0)
    if path == "rejected":
        log.add("CaseRejected", {"rule_version": "r1", "reason_codes": ["TIME_BARRED"], "message": "time-barred"}, 1)
        log.add("CaseClosed", {"reason": "REJECTED", "final_stage": "REJECTED", "recovered_cents": 0}, 0.5)
        return log.events, f
    route = {"relief_paid": "RELIEF", "court_fail_litigate": "COURT_MEDIATION"}.get(path, "PEOPLES_MEDIATION")
    log.add("CaseTriaged", {"route": route, "rule_version": "r1", "reason_codes": ["DEFAULT_ROUTE"],
                            "score": rng.randint(0, 1000), "mediation_centre": f"MC{region}", "court": log.court,
                            "cross_region": region != LENDER_REGIONS.get(lender, "350502")}, rng.uniform(1, 30))
    if path == "relief_paid":
        _relief_paid(log)
        return log.events, f
    tier = "COURT" if route == "COURT_MEDIATION" else "PEOPLES"
    log.add("MediatorAssigned", {"tier": tier, "mediator_id": log.mediator, "queue_wait_ms": 60_000}, rng.uniform(1, 48))
    AFTER_ASSIGNMENT.get(path, _court_fail_litigate)(log, tier, path)  # any other path: court_fail_litigate
    return log.events, f


def _relief_paid(log: _Log) -> None:
    rng, n, court, paid = log.rng, log.n, log.court, log.claimed * 8 // 10
    log.add("ReliefGranted", {"hardship_kinds": ["unemployed"], "plan": plan(paid), "source": "TRIAGE"}, 5)
    log.add("ConfirmationRequested", {"court": court, "due_by": date(2026, 12, 30)}, rng.uniform(24, 200))
    log.add("ConfirmationGranted", {"court": court, "ruling_no": f"R{n}"}, rng.uniform(24, 300))
    log.add("InstalmentPaid", {"seq": 1, "amount_cents": paid, "payment_ref": f"P{n}", "paid_at": log.t}, 100)
    log.add("CreditRepairRequested", {"reason": "PAID", "due_by": date(2026, 12, 30), "behaviour_end_date": date(2026, 11, 1),
                                      "negative_record_expires": date(2031, 11, 1), "pboc_one_off_applies": True}, 2)
    log.add("CaseClosed", {"reason": "CREDIT_REPAIRED", "final_stage": "CREDIT_REPAIR", "recovered_cents": paid},
            rng.uniform(24, 400))


def _open_in_peoples(log: _Log, tier: str, path: str) -> None:
    pass


def _held(log: _Log, tier: str, path: str) -> None:
    n = log.n
    log.add("ObjectionFiled", {"objection_id": f"O{n}", "ground": "WRONG_AMOUNT", "detail": "", "answer_by": date(2026, 12, 20)}, 10)
    log.add("CaseHeld", {"reason": "OBJECTION", "objection_id": f"O{n}", "stage": "PEOPLES_MEDIATION"}, 0.1)


def _peoples_settle(log: _Log, tier: str, path: str) -> None:
    rng, n, court, settled = log.rng, log.n, log.court, log.claimed * 7 // 10
    log.add("MediationSettled", {"tier": tier, "mediator_id": log.mediator, "plan": plan(settled)}, rng.uniform(24, 600))
    log.add("ConfirmationRequested", {"court": court, "due_by": date(2026, 12, 30)}, rng.uniform(1, 100))
    log.add("ConfirmationGranted", {"court": court, "ruling_no": f"R{n}"}, rng.uniform(24, 300))
    if path == "peoples_settle_performing":
        return
    log.add("InstalmentPaid", {"seq": 1, "amount_cents": settled, "payment_ref": f"P{n}", "paid_at": log.t},
            rng.uniform(24, 300))
    log.add("CaseClosed", {"reason": "PAID_OFF", "final_stage": "PERFORMING", "recovered_cents": settled}, 1)


def _peoples_fail_court_settle(log: _Log, tier: str, path: str) -> None:
    rng, n, court = log.rng, log.n, log.court
    log.add("MediationFailed", {"tier": "PEOPLES", "reason": "FAILED"}, rng.uniform(24, 700))
    log.add("CaseEscalated", {"from_stage": "PEOPLES_MEDIATION", "to_stage": "COURT_MEDIATION", "reason": "MEDIATION_FAILED"}, 0.1)
    log.add("MediatorAssigned", {"tier": "COURT", "mediator_id": f"CM{rng.randint(1, 3)}", "queue_wait_ms": 1000}, 2)
    settled = log.claimed * 9 // 10
    log.add("MediationSettled", {"tier": "COURT", "mediator_id": log.events[-1]["event"]["mediator_id"], "plan": plan(settled)},
            rng.uniform(24, 600))
    log.add("ConfirmationRequested", {"court": court, "due_by": date(2026, 12, 30)}, 5)
    log.add("ConfirmationGranted", {"court": court, "ruling_no": f"R{n}"}, 50)
    log.add("InstalmentPaid", {"seq": 1, "amount_cents": settled, "payment_ref": f"P{n}", "paid_at": log.t}, 50)
    log.add("CaseClosed", {"reason": "PAID_OFF", "final_stage": "PERFORMING", "recovered_cents": settled}, 1)


def _court_fail_litigate(log: _Log, tier: str, path: str) -> None:
    rng, n, court, claimed = log.rng, log.n, log.court, log.claimed
    log.add("MediationFailed", {"tier": "COURT", "reason": "DEADLINE"}, rng.uniform(24, 700))
    log.add("CaseEscalated", {"from_stage": "COURT_MEDIATION", "to_stage": "LITIGATION", "reason": "MEDIATION_FAILED"}, 0.1)
    log.add("LitigationFiled", {"court": court, "filing_batch_id": "FB1", "claim_cents": claimed, "evidence_bundle": []}, 24)
    log.add("JudgmentEntered", {"court": court, "court_case_no": f"CC{n}", "awarded_cents": claimed,
                                "performance_due": date(2026, 12, 1)}, rng.uniform(200, 900))
    log.add("EnforcementApplied", {"court": court, "basis": "JUDGMENT", "claim_cents": claimed}, 300)
    recovered = claimed // 3
    log.add("EnforcementConcluded", {"result": "RECOVERED_PARTIAL", "recovered_cents": recovered,
                                     "outstanding_cents": claimed - recovered}, 500)
    log.add("CaseClosed", {"reason": "ENFORCEMENT_TERMINATED", "final_stage": "ENFORCEMENT", "recovered_cents": recovered}, 1)


# How each path goes on once a mediator is assigned.
AFTER_ASSIGNMENT = {"open_in_peoples": _open_in_peoples, "held": _held, "peoples_settle_paid": _peoples_settle,
                    "peoples_settle_performing": _peoples_settle, "peoples_fail_court_settle": _peoples_fail_court_settle,
                    "court_fail_litigate": _court_fail_litigate}


def scripted(cases_per_lender: dict[str, int], start: datetime, seed: int = 11) -> Scripted:
    """Case logs for each lender, plus two notice-log entries per case and a few rejections per lender."""
    rng = random.Random(seed)
    result = Scripted()
    n = 0
    for lender, count in cases_per_lender.items():
        for _ in range(count):
            n += 1
            events, f = case_log(rng, lender, n, start, PATHS[n % len(PATHS)])
            result.events += events
            for k in range(2):
                rule, status = NOTICE_RULES[(n + k) % len(NOTICE_RULES)]
                at = events[0]["occurred_at"] + timedelta(hours=3 + k)
                result.notices.append({"notice_id": f"N{n}-{k}", "case_id": events[0]["case_id"], "lender_id": lender,
                                       "debtor_ref": f["debtor_ref"], "kind": "CASE_OPENED", "occasion": str(k),
                                       "channel": "SMS", "status": status, "rule": rule, "language": "zh",
                                       "document_no": None, "content_hash": None, "deferred_until": None,
                                       "detail": "", "at": at})
        for k in range(max(1, count // 5)):
            result.rejections.append({"lender_id": lender, "loan_id": f"R{lender}{k:05d}", "batch_id": "B1",
                                      "reason_codes": [REJECT_REASONS[k % len(REJECT_REASONS)]], "message": "invalid field",
                                      "problems": [], "input_partition": None, "input_offset": None,
                                      "rejected_at": start + timedelta(hours=k)})
    return result
