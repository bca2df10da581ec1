"""The dashboard's charts beyond the report's figures: the live mediation queue, the cycle-time distribution by
route, the cross-region matrix by city, and what exists to filter by (lenders, regions).

Each query takes the same ``Filters`` as ``queries.py``. The queue is computed from the case events ClickHouse
holds: a case is waiting when its current stage is a mediation tier and no mediator of that tier was assigned
since it entered the stage (a case escalated to court mediation waits again), the notion of the queue the
desk serves (services/gateway/party_views.py); only the case id, never anything about the debtor.
"""
from __future__ import annotations

from datetime import datetime

from remedy.contract.regions import NAMES
from remedy.contract.regions_en import english
from remedy.kernel.lifecycle import MEDIATION, STAGE_TIER
from services.analytics.queries import Filters, Run, region_name

QUEUE_LONGEST = 20          # the longest waits listed by case id
WAIT_BUCKETS = (1, 3, 7, 15)  # days: < 1, 1–3, 3–7, 7–15, ≥ 15
MATRIX_CITIES = 15          # debtor and lender cities in the heat map: the largest by cases


def _tier_of(stage_column: str) -> str:
    return "transform(toString({c}), [{s}], [{t}], '')".format(
        c=stage_column, s=", ".join(f"'{s}'" for s in MEDIATION), t=", ".join(f"'{STAGE_TIER[s]}'" for s in MEDIATION))


def _waiting_sql(where: str) -> str:
    """The waiting cases (case_id, tier, region_code, since) of the cases ``where`` selects."""
    return f"""
        SELECT case_id, {_tier_of('stage')} AS tier, region_code, stage_since AS since
        FROM case_now
        WHERE NOT closed AND stage IN ({", ".join(f"'{s}'" for s in MEDIATION)}) AND {where}
          AND if(stage = 'PEOPLES_MEDIATION', peoples_assigned_at, court_assigned_at) < stage_since"""


def queue(run: Run, f: Filters, now: datetime) -> dict:
    """The live mediation queue: how many wait per tier and for how long (in buckets), and the longest waits."""
    where, p = f.where()
    p = {**p, "now": int(now.timestamp() * 1000)}
    edges = ", ".join(str(d * 86400) for d in WAIT_BUCKETS)
    waits = "(toUnixTimestamp64Milli(fromUnixTimestamp64Milli({now:Int64})) - toUnixTimestamp64Milli(since)) / 1000"
    sql = _waiting_sql(where)
    buckets = run(f"""SELECT tier, arrayFirstIndex(e -> w < e, [{edges}, 1e18]) - 1 AS bucket, count() AS cases,
                             max(w) AS longest_seconds
                      FROM (SELECT tier, {waits} AS w FROM ({sql})) GROUP BY tier, bucket ORDER BY tier, bucket""", p)
    longest = run(f"""SELECT case_id, tier, region_code, since, {waits} AS waited_seconds FROM ({sql})
                      ORDER BY since, case_id LIMIT {QUEUE_LONGEST}""", p)
    for r in longest:
        code = r.pop("region_code")
        r["region_name"], r["region_name_en"] = region_name(code), english(code)
    tiers = {}
    for r in buckets:
        t = tiers.setdefault(r["tier"], {"tier": r["tier"], "waiting": 0, "longest_seconds": 0, "buckets": [0] * (len(WAIT_BUCKETS) + 1)})
        t["waiting"] += r["cases"]
        t["longest_seconds"] = max(t["longest_seconds"], r["longest_seconds"])
        t["buckets"][r["bucket"]] = r["cases"]
    return {"bucket_days": list(WAIT_BUCKETS), "tiers": [tiers[t] for t in ("PEOPLES", "COURT") if t in tiers],
            "longest": longest}


def cycle_routes(run: Run, f: Filters) -> list[dict]:
    """Per route of the closed cases: count, the 5/25/50/75/95 % cycle times (a box), and cases per whole week."""
    where, p = f.where()
    rows = run(f"""SELECT route, count() AS closed, quantilesExact(0.05, 0.25, 0.5, 0.75, 0.95)(cycle_seconds) AS q,
                          sumMap([toUInt32(intDiv(toUInt64(greatest(cycle_seconds, 0)), 604800))], [toUInt64(1)]) AS weeks
                   FROM case_now WHERE closed AND cycle_seconds IS NOT NULL AND {where}
                   GROUP BY route ORDER BY route""", p)
    return [{"route": r["route"], "closed": r["closed"], "p05_seconds": r["q"][0], "p25_seconds": r["q"][1],
             "p50_seconds": r["q"][2], "p75_seconds": r["q"][3], "p95_seconds": r["q"][4],
             "weeks": [{"week": w, "cases": n} for w, n in zip(*r["weeks"])]} for r in rows]


def city_name(prefix: str, lang: str = "zh") -> str:
    """A 4-digit GB/T 2260 prefix as people say it: 福建省泉州市 or Quanzhou, Fujian (a municipality's districts: 北京市)."""
    code = prefix + "00" if prefix + "00" in NAMES else prefix[:2] + "0000"
    return english(code) if lang == "en" else region_name(code)


def _city(code: str) -> dict:
    return {"code": code, "name": city_name(code), "name_en": city_name(code, "en")}


def cross_matrix(run: Run, f: Filters) -> dict:
    """Cases by debtor city × lender city (the largest ``MATRIX_CITIES`` of each), with how many crossed regions."""
    where, p = f.where()
    rows = run(f"""SELECT substring(region_code, 1, 4) AS debtor, substring(lender_region_code, 1, 4) AS lender,
                          count() AS cases, sum(cross_region) AS cross_region_cases
                   FROM case_now WHERE region_code != '' AND {where} GROUP BY debtor, lender""", p)

    def largest(key: str) -> list[str]:
        totals: dict[str, int] = {}
        for r in rows:
            totals[r[key]] = totals.get(r[key], 0) + r["cases"]
        return sorted(totals, key=lambda k: (-totals[k], k))[:MATRIX_CITIES]

    debtors, lenders = largest("debtor"), largest("lender")
    z = [[0] * len(lenders) for _ in debtors]
    for r in rows:
        if r["debtor"] in debtors and r["lender"] in lenders:
            z[debtors.index(r["debtor"])][lenders.index(r["lender"])] = r["cases"]
    return {"debtor": [_city(c) for c in debtors], "lender": [_city(c) for c in lenders], "cases": z,
            "cross_region_cases": sum(r["cross_region_cases"] for r in rows)}


def regions(run: Run, f: Filters) -> list[dict]:
    """The debtor cities with cases (for the region filter), by name."""
    where, p = f.where(region=None, day=None)
    found = run(f"""SELECT DISTINCT substring(region_code, 1, 4) AS city FROM case_events
                    WHERE event_type = 'CaseOpened' AND region_code != '' AND {where} ORDER BY city""", p)
    return [_city(r["city"]) for r in found]


def lender_known(run: Run, lender: str) -> bool:
    """Whether any case or rejected default names this lender."""
    (row,) = run("""SELECT (SELECT count() FROM case_events WHERE lender_id = {l:String})
                         + (SELECT count() FROM rejections WHERE lender_id = {l:String}) AS n""", {"l": lender})
    return row["n"] > 0


def region_known(code: str) -> bool:
    """Whether a region filter names a GB/T 2260 division: a 2-digit province, 4-digit city or 6-digit code."""
    return code.isdigit() and len(code) in (2, 4, 6) and any(known.startswith(code) for known in NAMES)
