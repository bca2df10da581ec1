"""Scripted inputs for the enforcement, repair and objections tests: case events as other services
would write them, and the outside world's court decisions, payments, requests and lender updates."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

from remedy.kernel.events import case_event
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id as make_case_id

_seq = itertools.count()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def facts(loan_id: str = "L1", *, principal: int = 800_000, interest: int = 80_000, penalty: int = 20_000,
          student: bool = False, due: date = date(2025, 3, 1), jurisdiction: str | None = None,
          evidence: list | None = None) -> dict:
    return {"loan_id": loan_id, "batch_id": "B1", "debtor_ref": "D" + loan_id, "region_code": "350502",
            "lender_region_code": "350502", "product": "consumer_loan", "principal_cents": principal,
            "interest_cents": interest, "penalty_cents": penalty, "contract_date": date(2024, 3, 1), "due_date": due,
            "last_payment_date": None, "agreed_jurisdiction": jurisdiction,
            "hardship": {"is_student": student, "serious_illness": False, "unemployed": False, "disaster": False,
                         "elderly": False, "disabled": False},
            "birth_year": 1990,
            "evidence": evidence if evidence is not None else [
                {"doc_type": "contract", "uri": f"s3://lender/{loan_id}/contract.pdf", "sha256": None},
                {"doc_type": "statement", "uri": f"s3://lender/{loan_id}/statement.pdf", "sha256": "ab12"}],
            "sealed_contact": b"\x00" * 12 + b"sealed", "content_hash": "h" + loan_id}


class Script:
    """One case's log as the other services would write it."""

    def __init__(self, loan_id: str = "L1", lender_id: str = "LENDER-A"):
        self.lender_id, self.loan_id = lender_id, loan_id
        self.case_id = make_case_id(lender_id, loan_id, key=DEV_CASE_ID_KEY)

    def event(self, type_: str, body: dict, at: datetime, producer: str = "sim") -> dict:
        return case_event(producer, type_, body, case_id=self.case_id, lender_id=self.lender_id,
                          causation_id=f"sim/{next(_seq)}", now=at)

    def opened(self, at: datetime, **kw) -> dict:
        return self.event("CaseOpened", {"facts": facts(self.loan_id, **kw)}, at, "intake")

    def triaged(self, at: datetime, court: str = "C350502", route: str = "COURT_MEDIATION") -> dict:
        return self.event("CaseTriaged", {"route": route, "rule_version": "r1", "reason_codes": [], "score": 500,
                                          "mediation_centre": "MC1", "court": court, "cross_region": False}, at, "triage")

    def escalated(self, at: datetime, to: str, reason: str, frm: str = "COURT_MEDIATION", producer: str = "mediation") -> dict:
        return self.event("CaseEscalated", {"from_stage": frm, "to_stage": to, "reason": reason}, at, producer)

    def held(self, at: datetime, stage: str = "LITIGATION") -> dict:
        return self.event("CaseHeld", {"reason": "OBJECTION", "objection_id": "R-obj", "stage": stage}, at, "objections")

    def released(self, at: datetime, held_ms: int, stage: str = "LITIGATION") -> dict:
        return self.event("CaseReleased", {"stage": stage, "held_ms": held_ms}, at, "objections")

    def closed(self, at: datetime, reason: str = "WITHDRAWN", stage: str = "LITIGATION") -> dict:
        return self.event("CaseClosed", {"reason": reason, "final_stage": stage, "recovered_cents": 0}, at, "objections")

    def court(self, kind: str, at: datetime, decision_id: str | None = None, **kw) -> dict:
        return {"decision_id": decision_id or f"D-{kind}-{next(_seq)}", "case_id": self.case_id, "court": "C350502",
                "kind": kind, "court_case_no": kw.pop("court_case_no", "(2026)闽0502民初1号"), "awarded_cents": None,
                "performance_due": None, "enforcement_result": None, "recovered_cents": 0, "reason": "",
                "decided_at": at, **kw}

    def payment(self, ref: str, amount: int, at: datetime) -> dict:
        return {"payment_ref": ref, "case_id": self.case_id, "amount_cents": amount, "paid_at": at, "channel": "bank_transfer"}

    def request(self, kind: str, at: datetime, request_id: str | None = None, **kw) -> dict:
        return {"request_id": request_id or f"R-{kind}-{next(_seq)}", "case_id": self.case_id, "kind": kind,
                "ground": None, "detail": "", "channel": None, "objection_id": None, "decision": None,
                "amended_principal_cents": None, "hardship_kinds": [], "submitted_at": at, **kw}

    def lender_update(self, kind: str, at: datetime, update_id: str | None = None) -> dict:
        return {"update_id": update_id or f"U-{next(_seq)}", "case_id": self.case_id, "lender_id": self.lender_id,
                "kind": kind, "amount_cents": 0, "note": "", "reported_at": at}


def days(n: float) -> timedelta:
    return timedelta(days=n)


class SimClock:
    """The scaled clock the workers under test run on, so a test knows their simulated now."""

    def __init__(self, epoch: datetime, scale: float):
        import time as _time
        self.epoch, self.scale, self.anchor = epoch, scale, _time.time()

    def env(self) -> dict[str, str]:
        return {"REMEDY_CLOCK_EPOCH": self.epoch.isoformat(), "REMEDY_CLOCK_SCALE": str(self.scale),
                "REMEDY_CLOCK_ANCHOR": repr(self.anchor)}

    def now(self) -> datetime:
        import time as _time
        return self.epoch + timedelta(seconds=(_time.time() - self.anchor) * self.scale)


def wait_for_events(bootstrap: str, codec, predicate, count: int, timeout: float = 90.0) -> list[dict]:
    """case.events records matching ``predicate``, once at least ``count`` of them are there."""
    import time as _time

    from tests.conftest import read_topic
    deadline = _time.monotonic() + timeout
    found: list[dict] = []
    while _time.monotonic() < deadline:
        found = [e for _, e in read_topic(bootstrap, "case.events", codec, idle=0.5, timeout=20) if predicate(e)]
        if len(found) >= count:
            return found
        _time.sleep(0.5)
    raise AssertionError(f"only {len(found)} of {count} expected events: {[(e['type'], e['event']) for e in found]}")
