"""What the research export reads: one summary per case from analytics' ClickHouse (``case_events``
FINAL, so a redelivered event counts once), the embedded chDB or a server alike (``REMEDY_CLICKHOUSE_URL``).
Only the columns a research row is made of are read; ids other than ``case_id`` (which is keyed into a
pseudonym) are never selected."""
from __future__ import annotations

from services.analytics.queries import Filters

_FACTS = "event_type IN ('CaseOpened', 'CaseAmended')"
_ORDER = "(occurred_at, src_offset)"

CASES_SQL = f"""
SELECT
    case_id,
    argMaxIf(birth_year, {_ORDER}, {_FACTS})                      AS birth_year,
    argMaxIf(region_code, {_ORDER}, {_FACTS})                     AS region_code,
    argMaxIf(claimed_cents, {_ORDER}, {_FACTS})                   AS claimed_cents,
    toUnixTimestamp64Milli(minIf(occurred_at, event_type = 'CaseOpened')) AS opened_ms,
    argMaxIf(route, {_ORDER}, event_type = 'CaseTriaged')         AS route,
    maxIf(cross_region, event_type = 'CaseTriaged')               AS cross_region,
    countIf(event_type = 'CaseClosed') > 0                        AS closed,
    toUnixTimestamp64Milli(maxIf(occurred_at, event_type = 'CaseClosed')) AS closed_ms,
    argMaxIf(reason, {_ORDER}, event_type = 'CaseClosed')         AS close_reason,
    argMaxIf(reason, {_ORDER}, event_type = 'CaseRejected')       AS reject_reason,
    greatest(sumIf(amount_cents, event_type = 'CaseClosed'),
             sumIf(amount_cents, event_type IN ('InstalmentPaid', 'EnforcementConcluded'))) AS recovered_cents,
    countIf(event_type = 'ObjectionFiled')                        AS objections,
    groupArrayIf((toUnixTimestamp64Milli(occurred_at), src_offset, toString(stage)), stage != '') AS moves
FROM case_events FINAL
WHERE {{where}}
GROUP BY case_id
HAVING countIf(event_type = 'CaseOpened') > 0
"""


def case_summaries(rows, lender: str | None = None) -> list[dict]:
    """``rows`` is ``Store.rows`` (sql, params → list of dicts); ``lender`` keeps one lender's cases."""
    where, params = Filters(lender=lender).where(region=None, day=None)
    return rows(CASES_SQL.replace("{where}", where), params)
