"""triage's decisions. Pure: no Kafka, no clock reads.

Two steps, because a debtor's cases live on different partitions of ``case.events`` (keyed by
case_id) while "a failed earlier mediation of the same debtor" is a fact about the debtor:

1. ``on_case_event`` (per case_id, on ``case.events``) remembers the case's debtor and any
   withdrawal that came before the opening, and forwards openings and mediation failures to the
   internal topic ``triage.by-debtor`` keyed by debtor_ref.
2. ``on_debtor_message`` (per debtor_ref) remembers the debtor's failed mediations and decides
   each opening exactly once: ``CaseRejected`` or ``CaseTriaged``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from remedy.kernel.clock import china_date
from remedy.kernel.events import case_event
from services.triage.jurisdiction import jurisdiction
from services.triage.ruleset import Rules

PRODUCER = "triage"
PEOPLES, COURT, RELIEF = "PEOPLES_MEDIATION", "COURT_MEDIATION", "RELIEF"
MESSAGES = {
    "LENDER_WITHDREW": "the lender withdrew the case before triage",
    "TIME_BARRED": "the limitation period has run since the claim arose or the last payment",
    "BELOW_FLOOR": "the claim is below the floor amount",
    "REGION_CODE_UNKNOWN": "债务人所在地区代码不是 GB/T 2260 县级行政区划，无法确定管辖法院 / the debtor's region names no "
                           "county-level GB/T 2260 division and no valid agreed jurisdiction: there is no court to hear the case",
}


@dataclass
class Forward:
    """A message for ``triage.by-debtor``."""
    debtor_ref: str
    kind: str               # OPEN | FAILED
    case_id: str
    lender_id: str
    causation_id: str
    facts: dict | None = None
    withdrawn: bool = False
    tier: str = ""


BY_DEBTOR = "triage.by-debtor"


def forward(fwd: Forward) -> Emit:
    """A forward as a record for ``triage.by-debtor``, keyed by the debtor. A shallow copy of its fields, not
    ``dataclasses.asdict``, whose deep copy of the facts was a tenth of the worker's CPU per opening: the facts
    are built afresh for each forward (``facts_for_triage``) and only encoded."""
    return Emit(BY_DEBTOR, fwd.debtor_ref, "Forward", dict(vars(fwd)))


def forwards(decision: Decision) -> list[Forward]:
    """The forwards a decision sends to ``triage.by-debtor``."""
    return [Forward(**out.record) for out in decision.internal]


def Step(state: dict | None, forwards: list[Forward] = (), emits: list[Emit] = (), outcome: str = "ignored") -> Decision:
    """Triage's decisions in the one shape: forwards become records for ``triage.by-debtor``."""
    return Decision(state, list(emits), outcome, [forward(f) for f in forwards])


def facts_for_triage(facts: dict) -> dict:
    """The JSON-safe, PII-free subset of CaseFacts that triage decides on."""
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {"debtor_ref": facts["debtor_ref"], "region_code": facts["region_code"],
            "lender_region_code": facts.get("lender_region_code"), "agreed_jurisdiction": facts.get("agreed_jurisdiction"),
            "product": facts["product"], "principal_cents": facts["principal_cents"],
            "interest_cents": facts["interest_cents"], "penalty_cents": facts["penalty_cents"],
            "due_date": iso(facts["due_date"]), "last_payment_date": iso(facts.get("last_payment_date")),
            "hardship": dict(facts["hardship"])}


def on_case_event(state: dict | None, event: dict) -> Decision:
    """Per case: ``state`` is {"debtor_ref", "withdrawn", "forwarded"} or None."""
    state = dict(state or {"debtor_ref": None, "withdrawn": False, "forwarded": False})
    kind, body, cid = event["type"], event["event"], event["case_id"]
    if kind in ("CaseOpened", "CaseAmended"):
        if state["forwarded"]:
            return Step(None, outcome="duplicate" if kind == "CaseOpened" else "amended_after_triage")
        facts = facts_for_triage(body["facts"])
        state.update(debtor_ref=facts["debtor_ref"], forwarded=True)
        fwd = Forward(facts["debtor_ref"], "OPEN", cid, event["lender_id"], event["event_id"], facts, state["withdrawn"])
        return Step(state, [fwd], outcome="forwarded")
    if kind == "CaseWithdrawn" and not state["forwarded"]:
        return Step(None if state["withdrawn"] else {**state, "withdrawn": True}, outcome="withdrawn_before_triage")
    if kind == "MediationFailed" and state["debtor_ref"]:
        fwd = Forward(state["debtor_ref"], "FAILED", cid, event["lender_id"], event["event_id"], tier=body["tier"])
        return Step(None, [fwd], outcome="failure_noted")
    return Step(None)


def on_debtor_message(state: dict | None, msg: Forward, rules: Rules, now: datetime) -> Decision:
    """Per debtor: ``state`` is {"failed": [case_id…], "decided": {case_id: route}}."""
    state = state or {"failed": [], "decided": {}}
    if msg.kind == "FAILED":
        if msg.case_id in state["failed"]:
            return Step(None, outcome="duplicate")
        return Step({**state, "failed": state["failed"] + [msg.case_id]}, outcome="failure_noted")
    if msg.case_id in state["decided"]:
        return Step(None, outcome="duplicate")
    prior_failures = [c for c in state["failed"] if c != msg.case_id]
    type_, body = triage(msg.facts, msg.withdrawn, bool(prior_failures), rules, china_date(now))
    event = case_event(PRODUCER, type_, body, case_id=msg.case_id, lender_id=msg.lender_id,
                       causation_id=msg.causation_id, now=now)
    route = body.get("route", "REJECTED")
    new_state = {**state, "decided": {**state["decided"], msg.case_id: route}}
    return Step(new_state, emits=[Emit("case.events", msg.case_id, "CaseEvent", event)], outcome=route)


def triage(facts: dict, withdrawn: bool, prior_failure: bool, rules: Rules, today: date) -> tuple[str, dict]:
    """One case's route: ("CaseRejected" | "CaseTriaged", event body)."""
    claim = facts["principal_cents"] + facts["interest_cents"] + facts["penalty_cents"]
    rejections = []
    if withdrawn:
        rejections.append("LENDER_WITHDREW")
    if today >= limitation_ends(facts, rules.limitation_years):
        rejections.append("TIME_BARRED")
    if claim < rules.floor_cents:
        rejections.append("BELOW_FLOOR")
    place = jurisdiction(facts["region_code"], facts.get("agreed_jurisdiction"), facts.get("lender_region_code"))
    if place is None:
        rejections.append("REGION_CODE_UNKNOWN")
    if rejections:
        return "CaseRejected", {"rule_version": rules.version, "rule_hash": rules.hash, "reason_codes": rejections,
                                "message": "; ".join(MESSAGES[r] for r in rejections)}
    reasons = ["JURISDICTION_AGREED" if place.agreed else "JURISDICTION_DEBTOR_REGION"]
    if place.cross_region:
        reasons.append("CROSS_REGION")
    hardship = [kind for flag, kind in rules.hardship_relief.items() if facts["hardship"].get(flag)]
    if hardship:
        route = RELIEF
        reasons += [f"HARDSHIP_{kind}" for kind in hardship]
    elif prior_failure and rules.prior_failure_to_court:
        route = COURT
        reasons.append("PRIOR_MEDIATION_FAILED")
    elif claim >= rules.court_mediation_threshold_cents:
        route = COURT
        reasons.append("ABOVE_COURT_THRESHOLD")
    else:
        route = PEOPLES
        reasons.append("DEFAULT_ROUTE")
    return "CaseTriaged", {"route": route, "rule_version": rules.version, "rule_hash": rules.hash, "reason_codes": reasons,
                           "score": score(facts, place.cross_region, place.agreed, rules, today),
                           "mediation_centre": place.mediation_centre, "court": place.court,
                           "cross_region": place.cross_region}


def limitation_ends(facts: dict, years: int) -> date:
    """The claim arises at the due date; a later payment (an acknowledgement) restarts the period."""
    start = max(d for d in (_date(facts["due_date"]), _date(facts.get("last_payment_date"))) if d)
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def score_features(facts: dict, cross_region: bool, agreed: bool, today: date, caps: dict[str, int]) -> dict[str, int]:
    claim = facts["principal_cents"] + facts["interest_cents"] + facts["penalty_cents"]
    last = _date(facts.get("last_payment_date"))
    cap = lambda name, v: min(v, caps.get(name, v))  # noqa: E731
    return {
        "paid_within_180_days": int(last is not None and (today - last).days <= 180),
        "months_overdue": cap("months_overdue", max(0, (today - _date(facts["due_date"])).days // 30)),
        "claim_per_10k_cny": cap("claim_per_10k_cny", claim // 1_000_000),
        "penalty_over_20_percent": int(claim > 0 and facts["penalty_cents"] * 5 > claim),
        "cross_region": int(cross_region),
        "online_loan": int(facts["product"] == "online_loan"),
        "agreed_jurisdiction": int(agreed),
    }


def score(facts: dict, cross_region: bool, agreed: bool, rules: Rules, today: date) -> int:
    """The transparent scorecard: base + Σ weight × feature, clamped to 0..1000."""
    features = score_features(facts, cross_region, agreed, today, rules.score_caps)
    total = rules.score_base + sum(rules.score_weights.get(name, 0) * value for name, value in features.items())
    return max(0, min(1000, total))


def _date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
