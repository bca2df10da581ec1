"""Run in a process of its own (chDB keeps one engine per process): ``python -m tests.dashboard_reference``.

Builds a world — the synthetic funnel of bench/dashboard_world.py and hand-written cases that the synthetic one
lacks (a hold and its release, an amendment, a re-emitted event, a tier extension, a lapsed confirmation, an
overdue objection, two mediators in one tier) — and prints, as JSON, what the dashboard's queries answer over
the folded case state (005_case_facts.sql) and what 002's reference views, which fold every event at query time,
answer for the same filters."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from bench.dashboard_world import NOW, fill
from remedy.kernel.settings import REPO_ROOT
from services.analytics import queries, snapshot
from services.analytics.store import Store, statements
from services.analytics.web import _plain

T0 = datetime(2026, 10, 1, 2, tzinfo=timezone.utc)
NAMES = ("event_id", "case_id", "lender_id", "event_type", "stage", "occurred_at", "src_offset", "region_code",
         "lender_region_code", "claimed_cents", "amount_cents", "route", "tier", "mediator_id", "reason", "deadline_at")
# case, type, stage, day, extra columns
HAND = [
    ("H1", "CaseOpened", "OPENED", 0, {"region_code": "350502", "claimed_cents": 100000}),
    ("H1", "CaseTriaged", "PEOPLES_MEDIATION", 0.1, {"route": "PEOPLES_MEDIATION"}),
    ("H1", "MediatorAssigned", "", 1, {"tier": "PEOPLES", "mediator_id": "M-A"}),
    ("H1", "MediatorAssigned", "", 2, {"tier": "PEOPLES", "mediator_id": "M-B"}),
    ("H1", "TierExtended", "", 3, {"tier": "PEOPLES", "deadline_at": T0 + timedelta(days=60)}),
    ("H1", "CaseHeld", "ON_HOLD", 4, {}),
    ("H1", "CaseReleased", "PEOPLES_MEDIATION", 9, {}),
    ("H1", "CaseAmended", "", 10, {"region_code": "350503", "claimed_cents": 90000}),
    ("H1", "ObjectionOverdue", "", 11, {}),
    ("H2", "CaseOpened", "OPENED", 0, {"region_code": "440106", "claimed_cents": 200000}),
    ("H2", "CaseTriaged", "COURT_MEDIATION", 0.1, {"route": "COURT_MEDIATION"}),
    ("H2", "MediatorAssigned", "", 1, {"tier": "COURT", "mediator_id": "M-C"}),
    ("H2", "MediationSettled", "CONFIRMATION", 5, {"tier": "COURT"}),
    ("H2", "ConfirmationRequested", "CONFIRMATION", 5.5, {}),
    ("H2", "ConfirmationLapsed", "", 40, {}),
    ("H2", "InstalmentPaid", "", 45, {"amount_cents": 50000}),
    ("H2", "InstalmentPaid", "", 46, {"amount_cents": 50000}),
    ("H3", "CaseOpened", "OPENED", 0, {"region_code": "350502", "claimed_cents": 300000}),
    ("H3", "CaseTriaged", "RELIEF", 0.1, {"route": "RELIEF"}),
    ("H3", "CaseEscalated", "LITIGATION", 30, {"reason": "RELIEF_PLAN_DEFAULTED"}),
    ("H3", "CaseClosed", "CLOSED", 31, {"reason": "WITHDRAWN", "amount_cents": 0}),
]


def hand_rows(offset: int = 10**9) -> list[list]:
    rows = []
    for i, (case, kind, stage, day, extra) in enumerate(HAND):
        row = {"event_id": f"HE{i}", "case_id": case, "lender_id": "LENDER-01", "event_type": kind, "stage": stage,
               "occurred_at": T0 + timedelta(days=day), "src_offset": offset + i, "region_code": "", "lender_region_code": "350100",
               "claimed_cents": 0, "amount_cents": 0, "route": "", "tier": "", "mediator_id": "", "reason": "", "deadline_at": None}
        rows.append([{**row, **extra}[n] for n in NAMES])
    rows.append([{"event_id": "HE1", "src_offset": offset + 99}.get(n, v) for n, v in zip(NAMES, rows[1])])   # re-emitted
    return [list(col) for col in zip(*rows)]


def reference_views(store: Store) -> None:
    """002's case_state and confirmation_state under other names: the fold of every event at query time."""
    text = (REPO_ROOT / "deploy" / "clickhouse" / "002_views.sql").read_text(encoding="utf-8")
    for statement in statements(text):
        if statement.startswith("CREATE OR REPLACE VIEW case_state AS"):
            store.client.command(statement.replace("VIEW case_state AS", "VIEW reference_state AS", 1))
    store.client.command("""CREATE OR REPLACE VIEW reference_confirmation AS SELECT case_id,
        argMax(event_type, (occurred_at, src_offset)) AS last_confirmation_event FROM case_events FINAL
        WHERE event_type IN ('ConfirmationRequested', 'ConfirmationGranted', 'ConfirmationDenied', 'ConfirmationLapsed')
        GROUP BY case_id""")


def reference(store: Store, f: queries.Filters) -> dict:
    """The funnel, mediators and deadlines as 002's views give them."""
    # The funnel by cohort: the cases whose first stay in a stage began on the filtered days, and all their stays there.
    where, p = f.where("v.lender_id", "c.region_code", day=None)
    days, q = queries.Filters(date_from=f.date_from, date_to=f.date_to).where(day="first_day")
    funnel = store.rows(f"""SELECT stage, count() AS entered, sum(settled) AS settled, sum(escalated) AS escalated,
                                   sum(exits) AS exits, quantileExactArray(0.5)(secs) AS p50_seconds,
                                   quantileExactArray(0.9)(secs) AS p90_seconds
                            FROM (SELECT v.case_id, v.stage AS stage, min(v.day) AS first_day,
                                         max(v.outcome = 'settled') AS settled, max(v.outcome = 'escalated') AS escalated,
                                         countIf(v.outcome != 'open') AS exits, groupArrayIf(v.seconds, v.outcome != 'open') AS secs
                                  FROM stage_visits AS v LEFT JOIN reference_state AS c ON c.case_id = v.case_id
                                  WHERE {where} GROUP BY v.case_id, stage)
                            WHERE {days} GROUP BY stage ORDER BY stage""", {**p, **q})
    where, p = f.where("m.lender_id", "r.region_code", "m.day")
    mediators = store.rows(f"""SELECT m.mediator_id AS mediator_id, m.tier AS tier, count() AS assigned,
                                  countIf(m.outcome = 'open') AS active, countIf(m.outcome = 'settled') AS settled,
                                  countIf(m.outcome = 'failed') AS failed
                           FROM mediator_cases AS m LEFT JOIN reference_state AS r ON r.case_id = m.case_id
                           WHERE {where} GROUP BY mediator_id, tier ORDER BY tier, mediator_id""", p)
    where, p = f.where()
    (deadlines,) = store.rows(f"""WITH fromUnixTimestamp64Milli({{now:Int64}}) AS now
        SELECT countIf(stage IN ('PEOPLES_MEDIATION', 'COURT_MEDIATION')
                       AND now > if(tier_extended_to > stage_since, tier_extended_to, stage_since + toIntervalDay(30))) AS mediation_tier,
               countIf(last_confirmation_event = 'ConfirmationLapsed'
                       OR (stage = 'CONFIRMATION' AND now > stage_since + toIntervalDay(30))) AS confirmation,
               countIf(objections_overdue > 0) AS objection_answer
        FROM reference_state LEFT JOIN reference_confirmation USING (case_id) WHERE NOT closed AND {where}""",
                              {**p, "now": int(NOW.timestamp() * 1000)})
    return {"funnel": funnel, "mediators": mediators, "deadlines": deadlines}


def answers(store: Store, f: queries.Filters) -> dict:
    funnel = sorted(queries.funnel(store.rows, f), key=lambda r: r["stage"])
    for r in funnel:
        del r["settle_rate"], r["escalate_rate"]
    mediators = [{k: v for k, v in r.items() if k != "settlement_rate"} for r in queries.mediators(store.rows, f)]
    return {"funnel": funnel, "mediators": mediators, "deadlines": queries.deadlines(store.rows, f, NOW)}


def main() -> None:
    store = Store.open("chdb://:memory:")
    store.migrate()
    fill(store, 3000)
    store.insert("case_events", NAMES, hand_rows())
    snapshot.build(store)
    reference_views(store)
    columns = ("case_id", "lender_id", "region_code", "lender_region_code", "claimed_cents", "route", "court", "cross_region",
               "stage", "stage_since", "tier_extended_to", "objections_overdue", "opened_at", "closed", "closed_at",
               "cycle_seconds", "recovered_cents", "day")
    listed = ", ".join(columns)
    out = {"state": [store.rows(f"SELECT {listed} FROM case_state ORDER BY case_id"),
                     store.rows(f"SELECT {listed} FROM reference_state ORDER BY case_id")]}
    for name, f in (("all", queries.Filters()), ("lender", queries.Filters(lender="LENDER-01")),
                    ("region", queries.Filters(region="35")), ("days", queries.Filters(date_from=T0.date(), date_to=(T0 + timedelta(days=20)).date()))):
        out[name] = [answers(store, f), reference(store, f)]
    print(json.dumps(_plain(out), default=str, sort_keys=True))


if __name__ == "__main__":
    main()
