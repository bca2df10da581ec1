"""Scripted CaseEvents for notify's tests: complete, schema-valid bodies for every event notify reads."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from remedy.kernel.events import case_event
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id as make_case_id
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import Settings

DEFAULTS = Settings()
SEALER = ContactSealer(DEFAULTS.pii_key)
PSEUDO = Pseudonymiser(DEFAULTS.pseudonym_key)
CN = timezone(timedelta(hours=8))


def china(y, mo, d, h=10, mi=0, s=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=CN).astimezone(timezone.utc)


def contact(national_id="110101199003071234", name="张三", phone="13800138000", email="zhangsan@example.com") -> dict:
    return {"name": name, "national_id": national_id, "phone": phone, "email": email}


class Case:
    """One lender's case against one debtor; ``event(type, body)`` makes the next CaseEvent."""

    def __init__(self, lender_id: str, loan_id: str, person: dict, *, principal=1_234_567, interest=45_678, penalty=9_900,
                 at: datetime | None = None):
        self.lender_id, self.loan_id, self.person = lender_id, loan_id, person
        self.case_id = make_case_id(lender_id, loan_id, key=DEV_CASE_ID_KEY)
        self.debtor_ref = PSEUDO.debtor_ref(person["national_id"])
        self.principal, self.interest, self.penalty = principal, interest, penalty
        self.at = at or china(2026, 11, 28, 10)
        self.n = 0

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.penalty

    def event(self, type_: str, body: dict, at: datetime | None = None) -> dict:
        self.n += 1
        return case_event("test", type_, body, case_id=self.case_id, lender_id=self.lender_id,
                          causation_id=f"script/{self.case_id}/{self.n}", now=at or self.at)

    def opened(self, sealed: bytes | None = None) -> dict:
        facts = {"loan_id": self.loan_id, "batch_id": "B1", "debtor_ref": self.debtor_ref, "region_code": "110101",
                 "lender_region_code": None, "product": "consumer_loan", "principal_cents": self.principal,
                 "interest_cents": self.interest, "penalty_cents": self.penalty, "contract_date": date(2024, 1, 5),
                 "due_date": date(2025, 1, 5), "last_payment_date": None, "agreed_jurisdiction": None,
                 "hardship": {"is_student": False, "serious_illness": False, "unemployed": False, "disaster": False,
                              "elderly": False, "disabled": False},
                 "birth_year": 1990, "evidence": [],
                 "sealed_contact": SEALER.seal(self.person) if sealed is None else sealed, "content_hash": "h"}
        return self.event("CaseOpened", {"facts": facts})

    def triaged(self, route="PEOPLES_MEDIATION"):
        return self.event("CaseTriaged", {"route": route, "rule_version": "v1", "reason_codes": [], "score": 700,
                                          "mediation_centre": "朝阳区人民调解委员会", "court": "北京互联网法院", "cross_region": False})

    def session(self, at: datetime, mode="VIDEO"):
        return self.event("SessionScheduled", {"tier": "PEOPLES", "mediator_id": "MED-7", "mode": mode, "scheduled_at": at,
                                               "location": None, "video_link": "https://meet.example/r/abc" if mode == "VIDEO" else None})

    def escalated(self, to_stage="LITIGATION", from_stage="COURT_MEDIATION"):
        return self.event("CaseEscalated", {"from_stage": from_stage, "to_stage": to_stage, "reason": "MEDIATION_FAILED"})

    def settled(self, total=1_000_000, instalments=((date(2027, 1, 10), 500_000), (date(2027, 2, 10), 500_000))):
        plan = {"kind": "INSTALMENTS", "total_cents": total, "waived_penalty_cents": 9_900, "waived_interest_cents": 0,
                "instalments": [{"seq": i + 1, "due_date": d, "amount_cents": a} for i, (d, a) in enumerate(instalments)]}
        return self.event("MediationSettled", {"tier": "PEOPLES", "mediator_id": "MED-7", "plan": plan})

    def confirmed(self):
        return self.event("ConfirmationGranted", {"court": "北京互联网法院", "ruling_no": "(2026)京0491民特123号"})

    def instalment_due(self, seq=1, due=date(2027, 1, 10), amount=500_000):
        return self.event("InstalmentDue", {"seq": seq, "due_date": due, "amount_cents": amount})

    def instalment_missed(self, seq=1, due=date(2027, 1, 10), amount=500_000, outstanding=1_000_000):
        return self.event("InstalmentMissed", {"seq": seq, "due_date": due, "amount_cents": amount, "outstanding_cents": outstanding})

    def filed(self):
        return self.event("LitigationFiled", {"court": "北京互联网法院", "filing_batch_id": "FB-1", "claim_cents": self.total,
                                              "evidence_bundle": []})

    def judgment(self):
        return self.event("JudgmentEntered", {"court": "北京互联网法院", "court_case_no": "(2027)京0491民初77号",
                                              "awarded_cents": 1_250_000, "performance_due": date(2027, 4, 1)})

    def enforcement(self):
        return self.event("EnforcementApplied", {"court": "北京互联网法院", "basis": "JUDGMENT", "claim_cents": 1_250_000})

    def pre_report(self):
        return self.event("NegativeReportPlanned", {"report_after": date(2027, 1, 15)})

    def repaired(self):
        return self.event("CreditRepairDone", {"done_on": date(2027, 5, 20), "removed_from_dishonest_list": True})

    def corrected(self, reason="RECORD_EXPIRED"):
        return self.event("NegativeRecordCorrected", {"reason": reason, "corrected_on": date(2032, 5, 20),
                                                      "behaviour_end_date": date(2027, 5, 17), "report_ref": None})

    def objection(self, oid="OBJ-1"):
        return self.event("ObjectionFiled", {"objection_id": oid, "ground": "WRONG_AMOUNT", "detail": "我的电话13900000000",
                                             "answer_by": date(2026, 12, 18)})

    def resolved(self, oid="OBJ-1", decision="DISMISSED"):
        return self.event("ObjectionResolved", {"objection_id": oid, "decision": decision, "amended_principal_cents": None,
                                                "reason": ""})

    def held(self, oid="OBJ-1"):
        return self.event("CaseHeld", {"reason": "OBJECTION", "objection_id": oid, "stage": "PEOPLES_MEDIATION"})

    def released(self):
        return self.event("CaseReleased", {"stage": "PEOPLES_MEDIATION", "held_ms": 3_600_000})

    def closed(self, reason="PAID_OFF"):
        return self.event("CaseClosed", {"reason": reason, "final_stage": "PERFORMING", "recovered_cents": 0})

    def every_notice_event(self) -> list[dict]:
        """One triggering event per notice kind (CaseTriaged triggers two)."""
        return [self.triaged(), self.session(china(2026, 12, 3, 15)), self.escalated(), self.settled(), self.confirmed(),
                self.instalment_due(), self.instalment_missed(), self.filed(), self.judgment(), self.enforcement(),
                self.pre_report(), self.repaired(), self.corrected(), self.objection(), self.resolved()]


def numbered(i: int) -> "Case":
    """Debtor ``i`` of a burst, with a lender of three in turn: phone +86138<i:08d>, e-mail d<i>@example.com."""
    person = contact(f"1101011990{i:04d}123X"[:18], f"债务人{i}", f"138{i:08d}", f"d{i}@example.com")
    return Case(f"LENDER-{'ABC'[i % 3]}", f"L-{i}", person)
