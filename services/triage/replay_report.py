"""``remedy replay``'s report: a ``Comparison`` (services/triage/replay.py) as the operator reads it. Pure."""
from __future__ import annotations

from services.triage.replay import ROUTES, Comparison, Expectation, route_order


def _cny(fen: float) -> str:
    return f"¥{fen / 100:,.0f}"


def _expected(e: Expectation) -> str:
    if not e.unknown_cases:
        return _cny(e.cents)
    return (f"{_cny(e.cents)} + unknown on {_cny(e.unknown_claim_cents)} claimed by {e.unknown_cases:,} case(s) "
            f"routed to {', '.join(e.unknown_routes)} (no finished case took that route)")


def _hashes(c: Comparison) -> str:
    """Each (version, hash) the cases were decided under; a decision written before CaseEvent v2 has no hash."""
    return ", ".join(f"{v} {'sha256 ' + h[:12] if h else 'no hash recorded'} ({n:,})"
                     for (v, h), n in sorted(c.actual_hashes.items())) or "-"


def lines(c: Comparison, limit: int = 20) -> list[str]:
    """The comparison as the operator reads it."""
    versions = ", ".join(f"{v} ({n:,})" for v, n in sorted(c.actual_versions.items())) or "-"
    out = [f"replayed {len(c.replayed):,} decided cases under {c.rule_version}; they were decided under {versions}",
           f"rule hashes: replayed sha256 {c.rule_hash}; decided under {_hashes(c)}"]
    skipped = [f"{n:,} {what}" for n, what in ((c.undecided, "not decided yet"), (c.unopened, "decided without their opening in the log"),
                                               (c.duplicates, "duplicate events ignored")) if n]
    if skipped:
        out.append("skipped: " + ", ".join(skipped))
    routes = sorted({r for pair in c.confusion for r in pair} | set(ROUTES), key=route_order)
    width = max(len(r) for r in routes) + 1
    out += ["", "route: actual (rows) → replayed (columns)",
            f"{'':{width}s}" + "".join(f"{r:>{width}s}" for r in routes) + f"{'total':>8s}"]
    for actual in routes:
        row = [c.confusion.get((actual, replayed), 0) for replayed in routes]
        out.append(f"{actual:{width}s}" + "".join(f"{n:>{width},d}" for n in row) + f"{sum(row):>8,d}")
    changes = c.changes
    out += ["", f"cases whose route changes: {len(changes):,} of {len(c.replayed):,}"]
    for r in changes[:limit]:
        out.append(f"  {r.case.case_id}  {r.case.route} → {r.route}  ({', '.join(r.reason_codes)})")
    if len(changes) > limit:
        out.append(f"  … and {len(changes) - limit:,} more")
    out += ["", "observed recovery by actual route (finished = closed or rejected):"]
    for route in sorted(set(c.rates) | {r for _, r in c.confusion}, key=route_order):
        rr = c.rates.get(route)
        if rr is None or rr.rate is None:
            out.append(f"  {route:{width}s} {rr.finished if rr else 0:,} finished of {rr.cases if rr else 0:,}: rate unknown")
        else:
            out.append(f"  {route:{width}s} {rr.finished:,} finished of {rr.cases:,}: claimed {_cny(rr.claim_cents)}, "
                       f"recovered {_cny(rr.recovered_cents)}, rate {rr.rate:.1%}")
    claim = sum(r.case.claim_cents for r in c.replayed)
    out += ["", f"recovery over the {len(c.replayed):,} replayed cases (claimed {_cny(claim)}):",
            f"  actual recovered so far           {_cny(c.actual_recovered_cents)}",
            f"  expected under the actual routing {_expected(c.expected_actual)}",
            f"  expected under the replayed rules {_expected(c.expected_replayed)}"]
    if not c.expected_actual.unknown_cases and not c.expected_replayed.unknown_cases:
        delta = c.expected_replayed.cents - c.expected_actual.cents
        out.append(f"  difference                        {'+' if delta >= 0 else '-'}{_cny(abs(delta))}")
    return out
