-- Derived views over the raw tables, computed at query time from FINAL (deduplicated) rows, so
-- redelivered input never inflates a figure. Stage rules mirror services/analytics/stages.py.
-- A case's events are ordered by (occurred_at, src_offset): the case log's order (one partition
-- per case), robust to a producer re-emitting an old event at a later offset.
-- Days are China calendar days (UTC+8).

-- The current state of every case, one row per case.
CREATE OR REPLACE VIEW case_state AS
SELECT
    case_id, s_lender AS lender_id, s_region AS region_code, s_lender_region AS lender_region_code,
    s_product AS product, s_debtor_ref AS debtor_ref, s_claimed AS claimed_cents, s_route AS route, s_court AS court,
    s_cross_region AS cross_region, s_stage AS stage, s_stage_since AS stage_since,
    s_tier_extended_to AS tier_extended_to, s_confirmation_requests AS confirmation_requests,
    s_objections_overdue AS objections_overdue, s_opened_at AS opened_at, s_closed AS closed, s_closed_at AS closed_at,
    if(s_closed, (toUnixTimestamp64Milli(s_closed_at) - toUnixTimestamp64Milli(s_opened_at)) / 1000, NULL) AS cycle_seconds,
    -- recovered: what the case closed with, or what was paid and enforced so far if more
    greatest(s_closed_recovered, s_paid) AS recovered_cents,
    s_last_event_at AS last_event_at,
    toDate(s_opened_at, 'Asia/Shanghai') AS day
FROM
(
    SELECT
        case_id,
        any(lender_id)                                                                        AS s_lender,
        argMaxIf(region_code, (occurred_at, src_offset), event_type IN ('CaseOpened', 'CaseAmended'))        AS s_region,
        argMaxIf(lender_region_code, (occurred_at, src_offset), event_type IN ('CaseOpened', 'CaseAmended')) AS s_lender_region,
        argMaxIf(product, (occurred_at, src_offset), event_type IN ('CaseOpened', 'CaseAmended'))            AS s_product,
        argMaxIf(debtor_ref, (occurred_at, src_offset), event_type IN ('CaseOpened', 'CaseAmended'))         AS s_debtor_ref,
        argMaxIf(claimed_cents, (occurred_at, src_offset), event_type IN ('CaseOpened', 'CaseAmended'))      AS s_claimed,
        argMaxIf(route, (occurred_at, src_offset), event_type = 'CaseTriaged')                               AS s_route,
        argMaxIf(court, (occurred_at, src_offset), event_type = 'CaseTriaged')                               AS s_court,
        maxIf(cross_region, event_type = 'CaseTriaged')                                       AS s_cross_region,
        argMaxIf(stage, (occurred_at, src_offset), stage != '')                                              AS s_stage,
        argMaxIf(occurred_at, (occurred_at, src_offset), stage != '')                                        AS s_stage_since,
        argMaxIf(deadline_at, (occurred_at, src_offset), event_type = 'TierExtended')                        AS s_tier_extended_to,
        countIf(event_type = 'ConfirmationRequested')                                         AS s_confirmation_requests,
        countIf(event_type = 'ObjectionOverdue')                                              AS s_objections_overdue,
        minIf(occurred_at, event_type = 'CaseOpened')                                         AS s_opened_at,
        countIf(event_type = 'CaseClosed') > 0                                                AS s_closed,
        maxIf(occurred_at, event_type = 'CaseClosed')                                         AS s_closed_at,
        sumIf(amount_cents, event_type = 'CaseClosed')                                        AS s_closed_recovered,
        sumIf(amount_cents, event_type IN ('InstalmentPaid', 'EnforcementConcluded'))         AS s_paid,
        max(occurred_at)                                                                      AS s_last_event_at
    FROM case_events FINAL
    GROUP BY case_id
);

-- Every stay of a case in a stage, with how it ended (consecutive events entering the same stage
-- are one stay). outcome: open | settled | escalated | held | closed | advanced.
CREATE OR REPLACE VIEW stage_visits AS
SELECT
    case_id,
    lender_id,
    stage,
    entered_at,
    next_stage,
    next_reason,
    if(next_stage = '', NULL, (toUnixTimestamp64Milli(left_at) - toUnixTimestamp64Milli(entered_at)) / 1000) AS seconds,
    toDate(entered_at, 'Asia/Shanghai') AS day,
    multiIf(
        next_stage = '', 'open',
        next_stage = 'ON_HOLD', 'held',
        next_stage IN ('CONFIRMATION', 'PERFORMING', 'CREDIT_REPAIR')
            OR (next_stage = 'CLOSED' AND next_reason IN ('PAID_OFF', 'PERFORMED', 'LENDER_PAID_IN_FULL', 'CREDIT_REPAIRED')), 'settled',
        next_stage IN ('PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT')
            AND (stage IN ('RELIEF', 'CONFIRMATION', 'PERFORMING')
                 OR transform(toString(stage), ['PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT'], [1, 2, 3, 4, 5], 99)
                    < transform(toString(next_stage), ['PEOPLES_MEDIATION', 'COURT_MEDIATION', 'LITIGATION', 'JUDGMENT', 'ENFORCEMENT'], [1, 2, 3, 4, 5], 99)), 'escalated',
        next_stage IN ('CLOSED', 'REJECTED'), 'closed',
        'advanced') AS outcome
FROM
(
    SELECT
        case_id, lender_id, stage, occurred_at AS entered_at,
        leadInFrame(toString(stage)) OVER w        AS next_stage,
        leadInFrame(toString(reason)) OVER w       AS next_reason,
        leadInFrame(occurred_at) OVER w            AS left_at
    FROM
    (
        SELECT case_id, lender_id, toString(stage) AS stage, occurred_at, reason, src_offset,
               lagInFrame(toString(stage)) OVER (PARTITION BY case_id ORDER BY occurred_at, src_offset
                                                 ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev_stage
        FROM case_events FINAL
        WHERE stage != ''
    )
    WHERE stage != prev_stage
    WINDOW w AS (PARTITION BY case_id ORDER BY occurred_at, src_offset ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)
);

-- The funnel by day × lender × region × product × route × stage.
CREATE OR REPLACE VIEW funnel AS
SELECT
    v.day AS day, v.lender_id AS lender_id, c.region_code AS region_code, c.product AS product, c.route AS route,
    v.stage AS stage,
    uniqExact(v.case_id)                               AS entered,
    uniqExactIf(v.case_id, v.outcome = 'settled')      AS settled,
    uniqExactIf(v.case_id, v.outcome = 'escalated')    AS escalated,
    countIf(v.outcome != 'open')                       AS exits,
    if(entered = 0, 0, settled / entered)              AS settle_rate,
    if(entered = 0, 0, escalated / entered)            AS escalate_rate,
    quantileExactIf(0.5)(v.seconds, v.outcome != 'open') AS stage_p50_seconds,
    quantileExactIf(0.9)(v.seconds, v.outcome != 'open') AS stage_p90_seconds
FROM stage_visits AS v
LEFT JOIN case_state AS c ON c.case_id = v.case_id
GROUP BY day, lender_id, region_code, product, route, stage;

-- Recovery and whole-cycle time by opening day × lender × region × product × route.
CREATE OR REPLACE VIEW recovery AS
SELECT
    day, lender_id, region_code, product, route,
    count()                                           AS cases,
    countIf(closed)                                   AS closed_cases,
    sum(claimed_cents)                                AS claimed_total,
    sum(recovered_cents)                              AS recovered_total,
    if(claimed_total = 0, 0, recovered_total / claimed_total) AS recovery,
    quantileExactIf(0.5)(cycle_seconds, closed)       AS cycle_p50_seconds,
    quantileExactIf(0.9)(cycle_seconds, closed)       AS cycle_p90_seconds
FROM case_state
GROUP BY day, lender_id, region_code, product, route;

-- Debtor region × lender region × court.
CREATE OR REPLACE VIEW cross_region AS
SELECT
    day, lender_id, region_code AS debtor_region, lender_region_code AS lender_region, court,
    count() AS cases, sum(cross_region) AS cross_region_cases,
    sum(claimed_cents) AS claimed_total, sum(recovered_cents) AS recovered_total
FROM case_state
GROUP BY day, lender_id, debtor_region, lender_region, court;

-- Each mediation assignment (the last mediator per case and tier) and how that tier ended.
CREATE OR REPLACE VIEW mediator_cases AS
SELECT
    a.case_id AS case_id, a.a_tier AS tier, a.a_mediator AS mediator_id, a.a_lender AS lender_id,
    toDate(a.assigned_at, 'Asia/Shanghai') AS day, c.region_code AS region_code,
    multiIf(o.settled > 0, 'settled', o.failed > 0, 'failed', 'open') AS outcome
FROM
(
    SELECT case_id, toString(tier) AS a_tier, any(lender_id) AS a_lender, toString(argMax(mediator_id, (occurred_at, src_offset))) AS a_mediator,
           max(occurred_at) AS assigned_at
    FROM case_events FINAL WHERE event_type = 'MediatorAssigned' GROUP BY case_id, a_tier
) AS a
LEFT JOIN
(
    SELECT case_id, toString(tier) AS o_tier, countIf(event_type = 'MediationSettled') AS settled,
           countIf(event_type = 'MediationFailed') AS failed
    FROM case_events FINAL WHERE event_type IN ('MediationSettled', 'MediationFailed') GROUP BY case_id, o_tier
) AS o ON a.case_id = o.case_id AND a.a_tier = o.o_tier
LEFT JOIN case_state AS c ON c.case_id = a.case_id;

CREATE OR REPLACE VIEW mediator_stats AS
SELECT
    mediator_id, tier,
    count() AS assigned, countIf(outcome = 'open') AS active,
    countIf(outcome = 'settled') AS settled, countIf(outcome = 'failed') AS failed,
    if(settled + failed = 0, 0, settled / (settled + failed)) AS settlement_rate
FROM mediator_cases
GROUP BY mediator_id, tier;

-- Notices by day × lender × status × rule × channel.
CREATE OR REPLACE VIEW notice_stats AS
SELECT toDate(at, 'Asia/Shanghai') AS day, lender_id, status, rule, channel, count() AS notices
FROM notices FINAL
GROUP BY day, lender_id, status, rule, channel;

-- Rejected defaults by day × lender × reason code.
CREATE OR REPLACE VIEW rejection_reasons AS
SELECT toDate(rejected_at, 'Asia/Shanghai') AS day, lender_id, arrayJoin(reason_codes) AS reason, count() AS rejections
FROM rejections FINAL
GROUP BY day, lender_id, reason;
