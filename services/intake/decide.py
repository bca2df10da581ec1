"""intake's decision: (what we remember of this loan, the default, now) → (what to remember, what to emit).

Pure: no Kafka, no clock reads, no key material beyond the injected pseudonymiser and sealer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson

from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from remedy.kernel.ids import case_id as make_case_id, legacy_case_id
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from services.intake.rejection import rejection
from services.intake.validation import birth_year, validate

PRODUCER = "intake"
HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
CONTACT = ("name", "national_id", "phone", "email")


@dataclass(frozen=True)
class Memory:
    """What intake keeps per (lender, loan): the last content it decided on, how, and the id of the case it opened
    (kept, so an amendment reaches the same case after the case-id key changes)."""
    content_hash: str
    accepted: bool
    snapshot: dict  # non-PII fields (PII only as a keyed hash), for CaseAmended.changed_fields
    case_id: str | None = None

    def to_json(self) -> dict:
        out = {"h": self.content_hash, "a": self.accepted, "s": self.snapshot}
        if self.case_id is not None:
            out["c"] = self.case_id
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Memory":
        return cls(data["h"], data["a"], data["s"], data.get("c"))


def rejection_reasons(decision: Decision) -> list[str]:
    """The reason codes of a rejected default (none for anything else)."""
    return decision.emits[0].record["reason_codes"] if decision.outcome == "rejected" else []


@dataclass(frozen=True)
class Keys:
    pseudonymiser: Pseudonymiser
    sealer: ContactSealer
    case_id_key: str   # REMEDY_CASE_ID_KEY: names the new cases (remedy/kernel/ids.py)


def snapshot(default: dict, keys: Keys) -> dict:
    d = default["debtor"]
    snap = {k: default[k] for k in ("batch_id", "product", "principal_cents", "interest_cents", "penalty_cents",
                                     "agreed_jurisdiction", "lender_region_code")}
    for k in ("contract_date", "due_date", "last_payment_date"):
        snap[k] = default[k].isoformat() if default[k] else None
    snap["region_code"] = d["region_code"]
    snap["hardship"] = [h for h in HARDSHIP if d[h]]
    snap["contact"] = keys.pseudonymiser.keyed_hash("\x1f".join(str(d[c]) for c in CONTACT).encode())
    snap["evidence"] = sorted(f"{e['doc_type']}|{e['uri']}|{e.get('sha256')}" for e in default["evidence"])
    return snap


def decide(prior: Memory | None, default: dict, position: tuple[int, int] | None, causation_id: str, now: datetime,
           keys: Keys) -> Decision:
    """``position`` is the input's (partition, offset) on loan.defaults, named in a rejection."""
    snap = snapshot(default, keys)
    if prior is not None and prior.snapshot == snap:
        return Decision(None, outcome="duplicate")  # nothing to remember
    content_hash = keys.pseudonymiser.keyed_hash(orjson.dumps(snap, option=orjson.OPT_SORT_KEYS))
    lender, loan = default["lender_id"], default["loan_id"]
    reasons = validate(default, china_date(now))
    if reasons:
        answer = rejection(lender, loan, default["batch_id"], reasons, position, now)
        # A rejected amendment leaves the accepted case as it was: remember the accepted content.
        memory = prior if prior is not None and prior.accepted else Memory(content_hash, False, snap)
        return Decision(memory, [answer], "rejected")
    amending = prior is not None and prior.accepted
    cid = make_case_id(lender, loan, key=keys.case_id_key) if not amending else \
        prior.case_id or legacy_case_id(lender, loan)   # a memory without an id is of a case opened before ids were keyed
    facts = case_facts(default, content_hash, keys)
    if amending:
        changed = sorted(k for k in snap if snap[k] != prior.snapshot.get(k))
        body, type_, outcome = {"facts": facts, "changed_fields": changed}, "CaseAmended", "amended"
    else:
        body, type_, outcome = {"facts": facts}, "CaseOpened", "opened"
    event = case_event(PRODUCER, type_, body, case_id=cid, lender_id=lender, causation_id=causation_id, now=now,
                       discriminator=content_hash)
    return Decision(Memory(content_hash, True, snap, cid), [Emit("case.events", cid, "CaseEvent", event)], outcome)


def case_facts(default: dict, content_hash: str, keys: Keys) -> dict:
    d = default["debtor"]
    return {
        "loan_id": default["loan_id"], "batch_id": default["batch_id"],
        "debtor_ref": keys.pseudonymiser.debtor_ref(d["national_id"]),
        "region_code": d["region_code"], "lender_region_code": default["lender_region_code"],
        "product": default["product"], "principal_cents": default["principal_cents"],
        "interest_cents": default["interest_cents"], "penalty_cents": default["penalty_cents"],
        "contract_date": default["contract_date"], "due_date": default["due_date"],
        "last_payment_date": default["last_payment_date"], "agreed_jurisdiction": default["agreed_jurisdiction"],
        "hardship": {h: d[h] for h in HARDSHIP}, "birth_year": birth_year(d["national_id"]),
        "evidence": default["evidence"],
        "sealed_contact": keys.sealer.seal({c: d[c] for c in CONTACT}),
        "content_hash": content_hash,
    }
