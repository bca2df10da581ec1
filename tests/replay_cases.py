"""A small case log for ``remedy replay``'s tests: openings, the decisions triage made under the v1
rules, mediation failures, payments and closings, as CaseEvent dicts the codec encodes.

v1: court mediation from a claim of 5,000,000 fen; a claim is principal × 1.12 here.

case  debtor  principal   v1 decision             what happened
A     D1      1,000,000   PEOPLES_MEDIATION       closed, recovered 800,000
B     D2      3,000,000   PEOPLES_MEDIATION       closed, recovered 1,000,000
C     D3      6,000,000   COURT_MEDIATION         closed, recovered 3,360,000 (or open: ``court_closed=False``)
D     D4      1,000,000   RELIEF (student)        open, one instalment of 200,000 paid
E     D5      1,000,000   REJECTED (time-barred)  finished by the rejection (``with_rejection=False`` leaves it out)
G1    D7      1,000,000   PEOPLES_MEDIATION       mediation failed on day 30, closed on day 60 recovering 0
G2    D7      1,000,000   COURT_MEDIATION         opened on day 31: the debtor's earlier failure; open
"""
from __future__ import annotations

import json
from datetime import date, timedelta

from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from remedy.kernel.settings import REPO_ROOT
from services.triage.decide import facts_for_triage, triage
from services.triage.ruleset import Rules, load_rules
from sim.defaults import utc
from tests.broker.funnel_helpers import opened, other_event

T0 = utc(2026, 11, 28, 4)
V1_PATH = REPO_ROOT / "services" / "triage" / "rules" / "v1.json"
V1 = load_rules(V1_PATH)


def rules(**over) -> Rules:
    """The v1 rule file with some values changed and a new version name."""
    raw = json.loads(V1_PATH.read_text(encoding="utf-8"))
    return Rules.from_dict({**raw, "version": "triage-rules-test", **over})


def decided(opening: dict, at, prior_failure: bool = False) -> dict:
    """The decision triage makes under v1 for an opening, at ``at``."""
    type_, body = triage(facts_for_triage(opening["event"]["facts"]), False, prior_failure, V1, china_date(at))
    return case_event("triage", type_, body, case_id=opening["case_id"], lender_id=opening["lender_id"],
                      causation_id=opening["event_id"], now=at)


def closed(opening: dict, at, recovered: int, reason: str = "PERFORMED") -> dict:
    return other_event("objections", "CaseClosed", {"reason": reason, "final_stage": "PERFORMING", "recovered_cents": recovered},
                       opening["case_id"], opening["lender_id"], at, cause=f"close-{opening['case_id']}")


def case_log(*, court_closed: bool = True, with_rejection: bool = True) -> list[dict]:
    a = opened("L1", "A", "D1", T0)
    b = opened("L1", "B", "D2", T0, principal=3_000_000)
    c = opened("L1", "C", "D3", T0, principal=6_000_000)
    d = opened("L1", "D", "D4", T0, is_student=True)
    e = opened("L2", "E", "D5", T0, due=date(2023, 1, 5))
    g1 = opened("L2", "G1", "D7", T0)
    day30, day31, day60 = T0 + timedelta(days=30), T0 + timedelta(days=31), T0 + timedelta(days=60)
    g2 = opened("L2", "G2", "D7", day31)
    paid = other_event("mediation", "InstalmentPaid", {"seq": 1, "amount_cents": 200_000, "payment_ref": "P1", "paid_at": day30},
                       d["case_id"], "L1", day30)
    failed = other_event("mediation", "MediationFailed", {"tier": "PEOPLES", "reason": "FAILED"}, g1["case_id"], "L2", day30)
    log = [a, decided(a, T0), closed(a, day60, 800_000),
           b, decided(b, T0), closed(b, day60, 1_000_000),
           c, decided(c, T0), *([closed(c, day60, 3_360_000)] if court_closed else []),
           d, decided(d, T0), paid,
           g1, decided(g1, T0), failed, closed(g1, day60, 0, "ENFORCEMENT_TERMINATED"),
           g2, decided(g2, day31, prior_failure=True)]
    if with_rejection:
        log += [e, decided(e, T0)]
    return log


def claim(principal: int) -> int:
    return principal + principal // 10 + principal // 50
