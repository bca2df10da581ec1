"""The dashboard's figures: one SQL query per chart over the tables and views in ``deploy/clickhouse/``: the
snapshot of every case's state and the funnel rolled up (006's ``case_now`` and ``funnel_now``, built by
snapshot.py), notices and rejections.

Every query takes the same ``Filters`` (lender, debtor region code or prefix, China-calendar day
range). What the day range means per chart: the day a case opened (summary, recovery, cycle,
cross-region, backlog, deadlines), the day a case first entered the stage (funnel: that cohort, and how
its stays there ended), the day a notice was logged, a mediator assigned, or a default rejected.
Rejected defaults have no case and no region.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from remedy.contract.regions import names
from remedy.kernel.lifecycle import CONFIRMATION, MEDIATION
from services.analytics.stages import STAGES, TERMINAL

Run = Callable[[str, dict], list[dict]]


@dataclass(frozen=True)
class Filters:
    lender: str | None = None
    region: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def where(self, lender: str = "lender_id", region: str | None = "region_code", day: str | None = "day") -> tuple[str, dict]:
        terms, params = ["1"], {}
        if self.lender:
            terms.append(f"{lender} = {{lender:String}}")
            params["lender"] = self.lender
        if self.region and region:
            terms.append(f"startsWith({region}, {{region:String}})")
            params["region"] = self.region
        if self.date_from and day:
            terms.append(f"{day} >= {{date_from:Date}}")
            params["date_from"] = self.date_from
        if self.date_to and day:
            terms.append(f"{day} <= {{date_to:Date}}")
            params["date_to"] = self.date_to
        return " AND ".join(terms), params


def _names(stages) -> str:
    """Stage names as a SQL list: ``'A', 'B'``."""
    return ", ".join(f"'{s}'" for s in stages)


def _rate(num: float, den: float) -> float:
    return round(num / den, 6) if den else 0.0


def summary(run: Run, f: Filters) -> dict:
    where, p = f.where()
    (row,) = run(f"""SELECT count() AS cases, countIf(NOT closed) AS open, countIf(closed) AS closed,
                            sum(claimed_cents) AS claimed_cents, sum(recovered_cents) AS recovered_cents,
                            quantileExactIf(0.5)(cycle_seconds, closed) AS cycle_p50_seconds,
                            quantileExactIf(0.9)(cycle_seconds, closed) AS cycle_p90_seconds
                     FROM case_now WHERE {where}""", p)
    row["recovery"] = _rate(row["recovered_cents"], row["claimed_cents"])
    return row


def funnel(run: Run, f: Filters) -> list[dict]:
    """Per stage: the cases that first entered it (on the filtered days), how many of them settled or escalated
    from a stay there, how many stays ended, and how long those lasted (p50, p90)."""
    where, p = f.where()
    rows = run(f"""SELECT stage, sum(entered) AS entered, sum(settled) AS settled, sum(escalated) AS escalated,
                          sum(exits) AS exits, quantilesExactMerge(0.5, 0.9)(seconds) AS q
                   FROM funnel_now WHERE {where} GROUP BY stage""", p)
    for r in rows:
        q = r.pop("q")
        r["p50_seconds"], r["p90_seconds"] = q if r["exits"] else (None, None)
        r["settle_rate"] = _rate(r["settled"], r["entered"])
        r["escalate_rate"] = _rate(r["escalated"], r["entered"])
    return sorted(rows, key=lambda r: STAGES.index(r["stage"]) if r["stage"] in STAGES else 99)


def recovery(run: Run, f: Filters) -> list[dict]:
    where, p = f.where()
    rows = run(f"""SELECT day, count() AS cases, sum(claimed_cents) AS claimed_cents, sum(recovered_cents) AS recovered_cents
                   FROM case_now WHERE {where} GROUP BY day ORDER BY day""", p)
    for r in rows:
        r["recovery"] = _rate(r["recovered_cents"], r["claimed_cents"])
    return rows


def cycle(run: Run, f: Filters) -> list[dict]:
    where, p = f.where()
    return run(f"""SELECT route, count() AS closed, quantileExact(0.5)(cycle_seconds) AS p50_seconds,
                          quantileExact(0.9)(cycle_seconds) AS p90_seconds
                   FROM case_now WHERE closed AND {where} GROUP BY route ORDER BY route""", p)


def cycle_weeks(run: Run, f: Filters) -> list[dict]:
    """The cycle-time distribution: closed cases per whole week from opening to close (week 0 = under 7 days)."""
    where, p = f.where()
    return run(f"""SELECT toUInt32(intDiv(toUInt64(greatest(cycle_seconds, 0)), 604800)) AS week, count() AS cases
                   FROM case_now WHERE closed AND cycle_seconds IS NOT NULL AND {where}
                   GROUP BY week ORDER BY week""", p)


def region_name(code: str) -> str:
    """A GB/T 2260 code as people say it: 福建省泉州市丰泽区 (the code itself if the list lacks it)."""
    return "".join(dict.fromkeys(n for n in names(code) if n)) or code


def cross_region(run: Run, f: Filters) -> list[dict]:
    where, p = f.where()
    rows = run(f"""SELECT region_code AS debtor_region, lender_region_code AS lender_region, court, count() AS cases,
                          sum(cross_region) AS cross_region_cases, sum(claimed_cents) AS claimed_cents,
                          sum(recovered_cents) AS recovered_cents
                   FROM case_now WHERE {where}
                   GROUP BY debtor_region, lender_region, court ORDER BY cases DESC, debtor_region, court""", p)
    for r in rows:
        r["debtor_region_name"], r["lender_region_name"] = region_name(r["debtor_region"]), region_name(r["lender_region"])
    return rows


def backlog(run: Run, f: Filters, now: datetime) -> list[dict]:
    """Open cases per stage and how long they have been there. A closed case is never in the backlog,
    even when a stage stamped an event after the close (a filing racing the lender's withdrawal)."""
    where, p = f.where()
    rows = run(f"""SELECT stage, count() AS cases,
                          avg(toUnixTimestamp64Milli(fromUnixTimestamp64Milli({{now:Int64}})) - toUnixTimestamp64Milli(stage_since)) / 1000 AS avg_age_seconds
                   FROM case_now WHERE NOT closed AND stage NOT IN ({_names(TERMINAL)}) AND stage != '' AND {where}
                   GROUP BY stage""", {**p, "now": int(now.timestamp() * 1000)})
    return sorted(rows, key=lambda r: STAGES.index(r["stage"]) if r["stage"] in STAGES else 99)


def deadlines(run: Run, f: Filters, now: datetime, tier_days: int = 30, confirmation_days: int = 30) -> dict:
    """Cases past a stage deadline now: a mediation tier past its (possibly extended) end, a confirmation
    the court left unanswered past its due day (lapsed, or still waiting past ``confirmation_days``),
    an objection reported overdue."""
    where, p = f.where()
    (row,) = run(f"""WITH fromUnixTimestamp64Milli({{now:Int64}}) AS now
                     SELECT countIf(stage IN ({_names(MEDIATION)})
                                    AND now > if(tier_extended_to > stage_since, tier_extended_to,
                                                 stage_since + toIntervalDay({{tier_days:UInt32}}))) AS mediation_tier,
                            countIf(last_confirmation_event = 'ConfirmationLapsed'
                                    OR (stage = '{CONFIRMATION}' AND now > stage_since + toIntervalDay({{conf_days:UInt32}})))
                                AS confirmation,
                            countIf(objections_overdue > 0) AS objection_answer
                     FROM case_now WHERE NOT closed AND {where}""",
                 {**p, "now": int(now.timestamp() * 1000), "tier_days": tier_days, "conf_days": confirmation_days})
    return row


def notices(run: Run, f: Filters) -> list[dict]:
    """Notices by status and rule; the region is their case's debtor region, the day the one they were logged."""
    where, p = f.where()
    return run(f"""SELECT status, rule, sum(notices) AS notices FROM notices_now WHERE {where}
                   GROUP BY status, rule ORDER BY status, rule""", p)


def mediators(run: Run, f: Filters) -> list[dict]:
    """Each mediator's cases per tier (the last mediator of each case's tier) and how that tier ended; the day
    filter is the day of that assignment."""
    parts, params = [], {}
    for tier, prefix in (("PEOPLES", "peoples"), ("COURT", "court")):
        where, p = f.where(day=f"toDate({prefix}_assigned_at, 'Asia/Shanghai')")
        params.update(p)
        parts.append(f"""SELECT {prefix}_mediator AS mediator_id, '{tier}' AS tier, count() AS assigned,
                                countIf({prefix}_outcome = 0) AS active, countIf({prefix}_outcome = 2) AS settled,
                                countIf({prefix}_outcome = 1) AS failed
                         FROM case_now WHERE {prefix}_assigned_at > toDateTime64(0, 3, 'UTC') AND {where}
                         GROUP BY mediator_id""")
    rows = run(f"SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY tier, mediator_id", params)
    for r in rows:
        r["settlement_rate"] = _rate(r["settled"], r["settled"] + r["failed"])
    return rows


def rejections(run: Run, f: Filters) -> list[dict]:
    where, p = f.where(region=None)
    return run(f"""SELECT lender_id, reason, sum(rejections) AS rejections FROM rejection_reasons
                   WHERE {where} GROUP BY lender_id, reason ORDER BY lender_id, reason""", p)


def lenders(run: Run, f: Filters) -> list[str]:
    where, p = f.where(region=None, day=None)
    return [r["lender_id"] for r in run(f"SELECT DISTINCT lender_id FROM case_events WHERE {where} ORDER BY lender_id", p)]


def dashboard(run: Run, f: Filters, now: datetime, tier_days: int = 30, confirmation_days: int = 30) -> dict:
    return {"filters": {"lender": f.lender, "region": f.region, "from": f.date_from, "to": f.date_to}, "now": now,
            "summary": summary(run, f), "funnel": funnel(run, f), "recovery": recovery(run, f), "cycle": cycle(run, f),
            "cycle_weeks": cycle_weeks(run, f), "cross_region": cross_region(run, f), "backlog": backlog(run, f, now),
            "compliance": {"notices": notices(run, f), "deadlines": deadlines(run, f, now, tier_days, confirmation_days)},
            "mediators": mediators(run, f), "rejections": rejections(run, f), "lenders": lenders(run, f)}
