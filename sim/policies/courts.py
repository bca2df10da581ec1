"""Courts → ``court.decisions``: ``ConfirmationRequested`` → CONFIRMATION_GRANTED | _DENIED;
``LitigationFiled`` → FILING_ACCEPTED | _REJECTED; ``FilingAccepted`` → JUDGMENT (award may be
reduced; performance_due); ``EnforcementApplied`` and ``EnforcementResumed`` → ENFORCEMENT_RESULT (full |
partial | none); a termination (终本) → sometimes ENFORCEMENT_RESUMED (assets found). Pure."""
from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from remedy.kernel.clock import china_date
from sim.world_config import WorldConfig
from sim.world_view import Action, CaseView, make_id, office_hours_later


def _decision(view: CaseView, at: datetime, court: str, kind: str, cause: str, **fields) -> Action:
    record = {"decision_id": make_id("CD-", cause, kind), "case_id": view.case_id, "court": court, "kind": kind,
              "court_case_no": "", "awarded_cents": None, "performance_due": None, "enforcement_result": None,
              "recovered_cents": 0, "reason": "", "decided_at": at, **fields}
    return Action(at, "court.decisions", "CourtDecision", record, "step", view.step)


def court_case_no(court: str, at: datetime, kind: str, cause: str) -> str:
    serial = int(hashlib.blake2b(cause.encode(), digest_size=4).hexdigest(), 16) % 90000 + 10000
    return f"({china_date(at).year}){court}{kind}{serial}"


def _grant_or_refuse(view: CaseView, ev: dict, rng: random.Random, days: tuple[int, int], grant_rate: float,
                     granted: tuple[str, str], refused: tuple[str, str]) -> list[Action]:
    """The court answers some office-hours days later: ``granted`` (kind, docket type of the case number
    it gives) at ``grant_rate``, else ``refused`` (kind, reason)."""
    at = office_hours_later(ev["occurred_at"], rng, days)
    court, cause = ev["event"]["court"], ev["event_id"]
    if rng.random() < grant_rate:
        kind, docket = granted
        return [_decision(view, at, court, kind, cause, court_case_no=court_case_no(court, at, docket, cause))]
    kind, reason = refused
    return [_decision(view, at, court, kind, cause, reason=reason)]


def on_confirmation_requested(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    return _grant_or_refuse(view, ev, rng, cfg.confirm_days, cfg.confirmation_grant_rate,
                            ("CONFIRMATION_GRANTED", "-MIN-TE-"), ("CONFIRMATION_DENIED", "SETTLEMENT_TERMS_UNLAWFUL"))


def on_litigation_filed(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    return _grant_or_refuse(view, ev, rng, cfg.filing_days, cfg.filing_accept_rate,
                            ("FILING_ACCEPTED", "-MIN-CHU-"), ("FILING_REJECTED", "EVIDENCE_INSUFFICIENT"))


def on_filing_accepted(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    at = office_hours_later(ev["occurred_at"], rng, cfg.judgment_days)
    claim = view.claim_cents
    awarded = claim if rng.random() < cfg.full_award_rate else int(claim * rng.uniform(*cfg.reduced_award_share))
    return [_decision(view, at, ev["event"]["court"], "JUDGMENT", ev["event_id"],
                      court_case_no=ev["event"]["court_case_no"], awarded_cents=awarded,
                      performance_due=china_date(at) + timedelta(days=cfg.performance_days))]


def on_enforcement_applied(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """Also answers ``EnforcementResumed``: the court's next result on what is still owed."""
    at = office_hours_later(ev["occurred_at"], rng, cfg.enforcement_days)
    body = ev["event"]
    claim, draw = body.get("claim_cents", body.get("outstanding_cents", 0)), rng.random()
    if draw < cfg.enforcement_full_rate:
        result, recovered = "RECOVERED_FULL", claim
    elif draw < cfg.enforcement_full_rate + cfg.enforcement_partial_rate:
        result, recovered = "RECOVERED_PARTIAL", int(claim * rng.uniform(*cfg.partial_share))
    else:
        result, recovered = "TERMINATED_NO_ASSETS", 0
    return [_decision(view, at, ev["event"]["court"], "ENFORCEMENT_RESULT", ev["event_id"],
                      court_case_no=view.court_case_no, enforcement_result=result, recovered_cents=recovered)]


def on_enforcement_concluded(view, ev, rng, cfg: WorldConfig) -> list[Action]:
    """After a termination (终本) the court sometimes finds assets and resumes enforcement (恢复执行)."""
    if ev["event"]["result"] != "TERMINATED_NO_ASSETS" or rng.random() >= cfg.assets_found_rate:
        return []
    at = office_hours_later(ev["occurred_at"], rng, cfg.resume_days)
    return [_decision(view, at, view.court, "ENFORCEMENT_RESUMED", ev["event_id"], court_case_no=view.court_case_no)]
