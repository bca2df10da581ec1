"""``remedy replay``'s comparison: triage rules re-run over past cases. Pure: no Kafka, no clock reads.

Input is the decoded ``case.events`` log (each case's events in log order). Per case it rebuilds
what triage decided on — facts and an early withdrawal exactly as ``on_case_event`` forwards them,
the debtor's mediation failures on *other* cases before the decision (``on_debtor_message``'s prior
failure) — the actual decision, and what happened: the claim and the amount recovered as analytics
counts them (``case_state`` in deploy/clickhouse/002_views.sql: the latest CaseOpened/CaseAmended
claim; recovered = max(CaseClosed recovered_cents, instalments paid + enforcement recovered); events
deduplicated by event_id). The rules are re-run with ``triage`` on the decision's China date.

Expected recovery: a route's observed rate is Σ recovered / Σ claim over the *finished* cases (closed,
or rejected: a terminal stage) that actually took it; a case is expected to recover its claim × the
rate of its route. A route no finished case took has no rate: its cases' expectation is unknown, not 0.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from remedy.kernel.clock import china_date
from services.triage.decide import COURT, PEOPLES, RELIEF, forwards, on_case_event, triage
from services.triage.ruleset import Rules

REJECTED = "REJECTED"
ROUTES = (PEOPLES, COURT, RELIEF, REJECTED)
PRIOR_FAILED = "PRIOR_MEDIATION_FAILED"


@dataclass
class CaseRecord:
    case_id: str
    lender_id: str
    debtor_ref: str | None = None
    facts: dict | None = None            # what triage decided on (``facts_for_triage``)
    withdrawn: bool = False              # withdrawn before the opening reached triage
    route: str | None = None             # the actual decision: a route, or REJECTED
    rule_version: str = ""
    rule_hash: str = ""                  # empty when the decision was written before CaseEvent v2
    reason_codes: list[str] = field(default_factory=list)
    decided_at: datetime | None = None
    claim_cents: int = 0
    closed: bool = False
    closed_recovered_cents: int = 0
    paid_cents: int = 0

    @property
    def recovered_cents(self) -> int:
        return max(self.closed_recovered_cents, self.paid_cents)

    @property
    def finished(self) -> bool:
        return self.closed or self.route == REJECTED


@dataclass
class History:
    cases: dict[str, CaseRecord]
    failures: dict[str, list[tuple[datetime, str]]]   # debtor_ref → [(failed at, case_id)]
    duplicates: int = 0


def history(events: Iterable[dict]) -> History:
    """Per case what triage saw, what it decided and what happened; per debtor the failed mediations."""
    cases: dict[str, CaseRecord] = {}
    failures: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    triage_state: dict[str, dict] = {}
    seen: set[str] = set()
    duplicates = 0
    for ev in events:
        if ev["event_id"] in seen:
            duplicates += 1
            continue
        seen.add(ev["event_id"])
        cid, kind, body = ev["case_id"], ev["type"], ev["event"]
        case = cases.setdefault(cid, CaseRecord(cid, ev["lender_id"]))
        step = on_case_event(triage_state.get(cid), ev)
        if step.state is not None:
            triage_state[cid] = step.state
        for fwd in forwards(step):
            if fwd.kind == "OPEN":
                case.facts, case.withdrawn, case.debtor_ref = fwd.facts, fwd.withdrawn, fwd.debtor_ref
            else:
                failures[fwd.debtor_ref].append((ev["occurred_at"], cid))
        if kind in ("CaseOpened", "CaseAmended"):
            f = body["facts"]
            case.claim_cents = f["principal_cents"] + f["interest_cents"] + f["penalty_cents"]
        elif kind in ("CaseTriaged", "CaseRejected") and case.route is None:
            case.route = body["route"] if kind == "CaseTriaged" else REJECTED
            case.rule_version, case.rule_hash = body["rule_version"], body.get("rule_hash", "")
            case.reason_codes, case.decided_at = list(body["reason_codes"]), ev["occurred_at"]
        elif kind == "CaseClosed":
            case.closed = True
            case.closed_recovered_cents += body["recovered_cents"]
        elif kind == "InstalmentPaid":
            case.paid_cents += body["amount_cents"]
        elif kind == "EnforcementConcluded":
            case.paid_cents += body["recovered_cents"]
    return History(cases, dict(failures), duplicates)


def prior_failure(case: CaseRecord, failures: dict[str, list[tuple[datetime, str]]]) -> bool:
    """A mediation of the same debtor failed on another case before this case was decided. The log
    has no order across partitions, so "before" is by occurred_at; when the times tie, the actual
    decision citing PRIOR_MEDIATION_FAILED says triage had seen the failure."""
    if PRIOR_FAILED in case.reason_codes:
        return True
    return any(other != case.case_id and at < case.decided_at for at, other in failures.get(case.debtor_ref, ()))


@dataclass(frozen=True)
class Replayed:
    case: CaseRecord
    route: str
    reason_codes: list[str]
    prior_failure: bool


def replay(hist: History, rules: Rules) -> list[Replayed]:
    """Every decided case (with its opening in the log) decided again under ``rules``, by case_id."""
    out = []
    for case in sorted(hist.cases.values(), key=lambda c: c.case_id):
        if case.route is None or case.facts is None:
            continue
        prior = prior_failure(case, hist.failures)
        type_, body = triage(case.facts, case.withdrawn, prior, rules, china_date(case.decided_at))
        out.append(Replayed(case, body["route"] if type_ == "CaseTriaged" else REJECTED, list(body["reason_codes"]), prior))
    return out


@dataclass(frozen=True)
class RouteRate:
    route: str
    cases: int            # decided cases that actually took the route
    finished: int
    claim_cents: int      # over the finished ones
    recovered_cents: int  # over the finished ones

    @property
    def rate(self) -> float | None:
        return self.recovered_cents / self.claim_cents if self.finished and self.claim_cents else None


@dataclass(frozen=True)
class Expectation:
    cents: float                     # Σ claim × rate over cases whose route has a rate
    unknown_cases: int = 0           # cases on a route with no rate
    unknown_claim_cents: int = 0
    unknown_routes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    rule_version: str
    rule_hash: str
    actual_versions: dict[str, int]
    actual_hashes: dict[tuple[str, str], int]   # (rule_version, rule_hash) the replayed cases were decided under
    replayed: list[Replayed]
    undecided: int                   # opened, not decided yet
    unopened: int                    # decided, but the opening is not in the log
    duplicates: int
    confusion: dict[tuple[str, str], int]
    rates: dict[str, RouteRate]
    actual_recovered_cents: int
    expected_actual: Expectation
    expected_replayed: Expectation

    @property
    def changes(self) -> list[Replayed]:
        return [r for r in self.replayed if r.route != r.case.route]


def observed_rates(replayed: list[Replayed]) -> dict[str, RouteRate]:
    by_route: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in replayed:
        by_route[r.case.route].append(r.case)
    return {route: RouteRate(route, len(cs), sum(c.finished for c in cs), sum(c.claim_cents for c in cs if c.finished),
                             sum(c.recovered_cents for c in cs if c.finished))
            for route, cs in by_route.items()}


def expectation(pairs: Iterable[tuple[str, int]], rates: dict[str, RouteRate]) -> Expectation:
    """Σ claim × the observed rate of the route, over (route, claim) pairs."""
    cents, unknown, unknown_claim, unknown_routes = 0.0, 0, 0, set()
    for route, claim in pairs:
        rate = rates[route].rate if route in rates else None
        if rate is None:
            unknown, unknown_claim = unknown + 1, unknown_claim + claim
            unknown_routes.add(route)
        else:
            cents += claim * rate
    return Expectation(cents, unknown, unknown_claim, tuple(sorted(unknown_routes, key=route_order)))


def compare(events: Iterable[dict], rules: Rules) -> Comparison:
    hist = history(events)
    replayed = replay(hist, rules)
    rates = observed_rates(replayed)
    return Comparison(
        rules.version, rules.hash, dict(Counter(r.case.rule_version for r in replayed)),
        dict(Counter((r.case.rule_version, r.case.rule_hash) for r in replayed)), replayed,
        undecided=sum(c.route is None and c.facts is not None for c in hist.cases.values()),
        unopened=sum(c.route is not None and c.facts is None for c in hist.cases.values()),
        duplicates=hist.duplicates,
        confusion=dict(Counter((r.case.route, r.route) for r in replayed)), rates=rates,
        actual_recovered_cents=sum(r.case.recovered_cents for r in replayed),
        expected_actual=expectation(((r.case.route, r.case.claim_cents) for r in replayed), rates),
        expected_replayed=expectation(((r.route, r.case.claim_cents) for r in replayed), rates))


def route_order(route: str) -> tuple[int, str]:
    """The order routes are listed in: the known ones as ROUTES has them, any other after them by name."""
    return (ROUTES.index(route) if route in ROUTES else len(ROUTES), route)
