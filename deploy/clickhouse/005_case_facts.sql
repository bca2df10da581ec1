-- Each case's state kept as its events arrive, so the dashboard reads one row per case instead of folding every
-- event at query time (a fold of 10 million events takes seconds; reading the folded rows, tens of milliseconds:
-- bench/bench_dashboard.py). A materialized view adds each inserted block of case_events to case_facts; the
-- AggregatingMergeTree merges a case's rows in the background and FINAL merges the rest when read.
-- Every column is idempotent — a maximum, a minimum, or a set keyed by event id — so a redelivered event, or the
-- back-fill below racing the view, changes nothing: the same rule as case_events' FINAL.
-- "Last X" is max(tuple(occurred_at, src_offset, X)): the case log's order, as argMax over (occurred_at, src_offset)
-- in 002's case_state. case_state is redefined over this table with the same columns (and a few more).

CREATE TABLE IF NOT EXISTS case_facts
(
    lender_id              LowCardinality(String),
    case_id                String,
    f_facts                SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String, String, String, String, Int64))
                           COMMENT 'last CaseOpened/CaseAmended: region, lender region, product, debtor_ref, claimed',
    f_triage               SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String, String)) COMMENT 'last CaseTriaged: route, court',
    f_cross_region         SimpleAggregateFunction(max, UInt8),
    f_stage                SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String)) COMMENT 'last stage entered, since when',
    f_stages               SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(DateTime64(3, 'UTC'), UInt64, String, String)))
                           COMMENT 'every event that entered a stage: at, offset, stage, reason (the funnel''s visits)',
    f_tier_extension       SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, DateTime64(3, 'UTC'))),
    f_confirmation         SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String)) COMMENT 'last confirmation event',
    f_confirmation_requests SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    f_objections_overdue   SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    f_opened_at            SimpleAggregateFunction(min, DateTime64(3, 'UTC')) COMMENT '2299-12-31 until CaseOpened arrives',
    f_closed               SimpleAggregateFunction(max, UInt8),
    f_closed_at            SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    f_money                SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(String, UInt8, Int64)))
                           COMMENT 'event id, 1 closed with / 2 paid or enforced, amount',
    f_last_event_at        SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    f_peoples              SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String)) COMMENT 'last PEOPLES mediator assigned',
    f_court                SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), UInt64, String)) COMMENT 'last COURT mediator assigned',
    f_peoples_outcome      SimpleAggregateFunction(max, UInt8) COMMENT '2 settled, 1 failed, 0 open (settled wins, as in mediator_cases)',
    f_court_outcome        SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
ORDER BY (lender_id, case_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS case_facts_mv TO case_facts AS
SELECT
    lender_id, case_id,
    if(event_type IN ('CaseOpened', 'CaseAmended'),
       tuple(occurred_at, src_offset, toString(region_code), toString(lender_region_code), toString(product), debtor_ref, claimed_cents),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '', '', '', '', toInt64(0)))                          AS f_facts,
    if(event_type = 'CaseTriaged', tuple(occurred_at, src_offset, toString(route), toString(court)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '', ''))                                            AS f_triage,
    if(event_type = 'CaseTriaged', cross_region, 0)                                                      AS f_cross_region,
    if(stage != '', tuple(occurred_at, src_offset, toString(stage)), tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')) AS f_stage,
    if(stage != '', [tuple(occurred_at, src_offset, toString(stage), toString(reason))], [])             AS f_stages,
    if(event_type = 'TierExtended', tuple(occurred_at, src_offset, ifNull(deadline_at, toDateTime64(0, 3, 'UTC'))),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), toDateTime64(0, 3, 'UTC')))                         AS f_tier_extension,
    if(event_type IN ('ConfirmationRequested', 'ConfirmationGranted', 'ConfirmationDenied', 'ConfirmationLapsed'),
       tuple(occurred_at, src_offset, toString(event_type)), tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')) AS f_confirmation,
    if(event_type = 'ConfirmationRequested', [event_id], [])                                             AS f_confirmation_requests,
    if(event_type = 'ObjectionOverdue', [event_id], [])                                                  AS f_objections_overdue,
    if(event_type = 'CaseOpened', occurred_at, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))            AS f_opened_at,
    toUInt8(event_type = 'CaseClosed')                                                                   AS f_closed,
    if(event_type = 'CaseClosed', occurred_at, toDateTime64(0, 3, 'UTC'))                                AS f_closed_at,
    multiIf(event_type = 'CaseClosed', [tuple(event_id, toUInt8(1), amount_cents)],
            event_type IN ('InstalmentPaid', 'EnforcementConcluded'), [tuple(event_id, toUInt8(2), amount_cents)], []) AS f_money,
    occurred_at                                                                                          AS f_last_event_at,
    if(event_type = 'MediatorAssigned' AND tier = 'PEOPLES', tuple(occurred_at, src_offset, toString(mediator_id)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), ''))                                                AS f_peoples,
    if(event_type = 'MediatorAssigned' AND tier = 'COURT', tuple(occurred_at, src_offset, toString(mediator_id)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), ''))                                                AS f_court,
    if(tier = 'PEOPLES', multiIf(event_type = 'MediationSettled', 2, event_type = 'MediationFailed', 1, 0), 0) AS f_peoples_outcome,
    if(tier = 'COURT', multiIf(event_type = 'MediationSettled', 2, event_type = 'MediationFailed', 1, 0), 0)   AS f_court_outcome
FROM case_events;

-- The events written before the view existed (a no-op on a new database).
INSERT INTO case_facts
SELECT
    lender_id, case_id,
    if(event_type IN ('CaseOpened', 'CaseAmended'),
       tuple(occurred_at, src_offset, toString(region_code), toString(lender_region_code), toString(product), debtor_ref, claimed_cents),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '', '', '', '', toInt64(0))),
    if(event_type = 'CaseTriaged', tuple(occurred_at, src_offset, toString(route), toString(court)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '', '')),
    if(event_type = 'CaseTriaged', cross_region, 0),
    if(stage != '', tuple(occurred_at, src_offset, toString(stage)), tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')),
    if(stage != '', [tuple(occurred_at, src_offset, toString(stage), toString(reason))], []),
    if(event_type = 'TierExtended', tuple(occurred_at, src_offset, ifNull(deadline_at, toDateTime64(0, 3, 'UTC'))),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), toDateTime64(0, 3, 'UTC'))),
    if(event_type IN ('ConfirmationRequested', 'ConfirmationGranted', 'ConfirmationDenied', 'ConfirmationLapsed'),
       tuple(occurred_at, src_offset, toString(event_type)), tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')),
    if(event_type = 'ConfirmationRequested', [event_id], []),
    if(event_type = 'ObjectionOverdue', [event_id], []),
    if(event_type = 'CaseOpened', occurred_at, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')),
    toUInt8(event_type = 'CaseClosed'),
    if(event_type = 'CaseClosed', occurred_at, toDateTime64(0, 3, 'UTC')),
    multiIf(event_type = 'CaseClosed', [tuple(event_id, toUInt8(1), amount_cents)],
            event_type IN ('InstalmentPaid', 'EnforcementConcluded'), [tuple(event_id, toUInt8(2), amount_cents)], []),
    occurred_at,
    if(event_type = 'MediatorAssigned' AND tier = 'PEOPLES', tuple(occurred_at, src_offset, toString(mediator_id)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')),
    if(event_type = 'MediatorAssigned' AND tier = 'COURT', tuple(occurred_at, src_offset, toString(mediator_id)),
       tuple(toDateTime64(0, 3, 'UTC'), toUInt64(0), '')),
    if(tier = 'PEOPLES', multiIf(event_type = 'MediationSettled', 2, event_type = 'MediationFailed', 1, 0), 0),
    if(tier = 'COURT', multiIf(event_type = 'MediationSettled', 2, event_type = 'MediationFailed', 1, 0), 0)
FROM case_events FINAL;

-- 002's case_state, read from the folded rows: the same columns, and where the case's confirmation and mediation stand.
CREATE OR REPLACE VIEW case_state AS
SELECT
    case_id, lender_id, f_facts.3 AS region_code, f_facts.4 AS lender_region_code, f_facts.5 AS product,
    f_facts.6 AS debtor_ref, f_facts.7 AS claimed_cents, f_triage.3 AS route, f_triage.4 AS court, f_cross_region AS cross_region,
    f_stage.3 AS stage, f_stage.1 AS stage_since,
    if(f_tier_extension.1 = toDateTime64(0, 3, 'UTC'), NULL, f_tier_extension.3) AS tier_extended_to,
    length(f_confirmation_requests) AS confirmation_requests, length(f_objections_overdue) AS objections_overdue,
    if(f_opened_at = toDateTime64('2299-12-31 00:00:00', 3, 'UTC'), toDateTime64(0, 3, 'UTC'), f_opened_at) AS opened_at,
    f_closed = 1 AS closed, f_closed_at AS closed_at,
    if(f_closed = 1, (toUnixTimestamp64Milli(f_closed_at) - toUnixTimestamp64Milli(opened_at)) / 1000, NULL) AS cycle_seconds,
    greatest(arraySum(arrayMap(m -> if(m.2 = 1, m.3, 0), f_money)), arraySum(arrayMap(m -> if(m.2 = 2, m.3, 0), f_money))) AS recovered_cents,
    f_last_event_at AS last_event_at,
    toDate(opened_at, 'Asia/Shanghai') AS day,
    f_confirmation.3 AS last_confirmation_event,
    f_peoples.1 AS peoples_assigned_at, f_court.1 AS court_assigned_at
FROM case_facts FINAL;
