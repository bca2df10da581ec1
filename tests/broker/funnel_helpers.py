"""Outside inputs for the funnel's broker tests: case events as upstream services write them, and the
records mediators, courts and payers send. Values are real Avro single-object bytes."""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from remedy.contract.codec import CodecError
from remedy.kernel.events import case_event
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id as make_case_id
from remedy.runtime.publish import Publisher
from tests.gateway_helpers import notice_sent

HARDSHIP = {k: False for k in ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")}


def facts(loan_id: str, debtor_ref: str, *, principal=1_000_000, due=date(2026, 6, 1), last_payment=None,
          region="350502", **hardship) -> dict:
    return {"loan_id": loan_id, "batch_id": "B1", "debtor_ref": debtor_ref, "region_code": region,
            "lender_region_code": "350502", "product": "consumer_loan", "principal_cents": principal,
            "interest_cents": principal // 10, "penalty_cents": principal // 50, "contract_date": due - timedelta(days=365),
            "due_date": due, "last_payment_date": last_payment, "agreed_jurisdiction": None,
            "hardship": {**HARDSHIP, **hardship}, "birth_year": 1990,
            "evidence": [{"doc_type": "contract", "uri": f"s3://lender/{loan_id}.pdf", "sha256": None}],
            "sealed_contact": b"\x00" * 28, "content_hash": "h-" + loan_id}


def opened(lender: str, loan: str, debtor_ref: str, now: datetime, **kw) -> dict:
    cid = make_case_id(lender, loan, key=DEV_CASE_ID_KEY)
    return case_event("intake", "CaseOpened", {"facts": facts(loan, debtor_ref, **kw)}, case_id=cid, lender_id=lender,
                      causation_id=f"loan.defaults/0/{loan}", now=now)


def other_event(producer: str, type_: str, body: dict, cid: str, lender: str, now: datetime, cause: str = "test") -> dict:
    return case_event(producer, type_, body, case_id=cid, lender_id=lender, causation_id=cause, now=now)


def outcome(cid: str, mediator: str, tier: str, kind: str, now: datetime, plan=None, oid=None) -> dict:
    return {"outcome_id": oid or f"O-{cid}-{tier}-{kind}", "case_id": cid, "mediator_id": mediator, "tier": tier,
            "outcome": kind, "plan": plan, "note": "", "recorded_at": now}


def plan(amounts, first: date, kind="INSTALMENTS", step_days=10) -> dict:
    return {"kind": kind, "total_cents": sum(amounts), "waived_penalty_cents": 0, "waived_interest_cents": 0,
            "instalments": [{"seq": n + 1, "due_date": first + timedelta(days=step_days * n), "amount_cents": a}
                            for n, a in enumerate(amounts)]}


def decision(cid: str, kind: str, now: datetime, did=None) -> dict:
    return {"decision_id": did or f"D-{cid}-{kind}", "case_id": cid, "court": "CT-350502", "kind": kind,
            "court_case_no": f"R-{cid}", "awarded_cents": None, "performance_due": None, "enforcement_result": None,
            "recovered_cents": 0, "reason": "", "decided_at": now}


def payment(cid: str, ref: str, amount: int, now: datetime) -> dict:
    return {"payment_ref": ref, "case_id": cid, "amount_cents": amount, "paid_at": now, "channel": "bank_transfer"}


class CaseLog:
    """Follows case.events from the beginning and groups events by case."""

    def __init__(self, bootstrap: str, codec):
        from kafka import KafkaConsumer
        self.codec = codec
        self.by_case: dict[str, list[dict]] = defaultdict(list)
        self.garbage = 0
        self._consumer = KafkaConsumer("case.events", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                       enable_auto_commit=False, group_id=None)

    def poll(self) -> None:
        for records in self._consumer.poll(timeout_ms=200).values():
            for m in records:
                try:
                    e = self.codec.decode(m.value, expect="CaseEvent")[1]
                except CodecError:
                    self.garbage += 1
                    continue
                self.by_case[e["case_id"]].append(e)

    def types(self, cid: str) -> list[str]:
        return [e["type"] for e in self.by_case[cid]]

    def wait(self, cid: str, type_: str, *, count: int = 1, timeout: float = 60.0, where=None) -> dict:
        """The ``count``-th event of a type for a case (optionally matching ``where``)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.by_case[cid] if e["type"] == type_ and (where is None or where(e["event"]))]
            if len(found) >= count:
                return found[count - 1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {type_} #{count} for {cid} in {timeout:.0f}s; saw {self.types(cid)}")
            self.poll()

    def close(self) -> None:
        self._consumer.close()


def publish_mediation_case(broker: str, codec, lender: str, court: str, name: str, now) -> str:
    """A case opened, triaged to people's mediation before ``court``, and its first notice sent: what a gateway
    needs to answer a lender, the debtor's portal and the court about it. Loan ``L-<name>-1``."""
    pub = Publisher(broker, codec)
    case = opened(lender, f"L-{name}-1", f"D-{name}-1", now)
    cid = case["case_id"]
    triaged = other_event("triage", "CaseTriaged", {"route": "PEOPLES_MEDIATION", "rule_version": "v1", "reason_codes": [],
                                                    "score": 700, "mediation_centre": "MC-350502", "court": court,
                                                    "cross_region": False}, cid, lender, now)
    for e in (case, triaged):
        pub.send("case.events", cid, "CaseEvent", e)
    pub.send("notice.log", cid, "NoticeLogEntry", notice_sent(cid, lender, f"N-{name}-1", now))
    pub.flush()
    pub.close()
    return cid
