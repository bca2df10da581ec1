-- The dashboard's snapshot: every case's state, flat, the funnel and the notices rolled up, built whole by the analytics
-- service (services/analytics/snapshot.py) whenever new events arrived, at most a tenth of its time. The panels read
-- these rows, not case_facts FINAL: merging a case table that is still taking inserts costs seconds at
-- ten million events; a flat, merged snapshot answers in tens of milliseconds (bench/bench_dashboard.py).
-- Each build writes a new version into a partition of its own, records it in `snapshots` once complete, and drops
-- all but the last two versions; case_now and funnel_now read the newest complete one.

-- 005's case_state, with each tier's last mediator and how the tier ended (the mediators panel).
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
    f_peoples.1 AS peoples_assigned_at, f_court.1 AS court_assigned_at,
    f_peoples.3 AS peoples_mediator, f_peoples_outcome AS peoples_outcome, f_court.3 AS court_mediator, f_court_outcome AS court_outcome
FROM case_facts FINAL;

CREATE TABLE IF NOT EXISTS case_snapshot
(
    version                 UInt64,
    case_id                 String,
    lender_id               LowCardinality(String),
    region_code             LowCardinality(String),
    lender_region_code      LowCardinality(String),
    product                 LowCardinality(String),
    claimed_cents           Int64,
    route                   LowCardinality(String),
    court                   LowCardinality(String),
    cross_region            UInt8,
    stage                   LowCardinality(String),
    stage_since             DateTime64(3, 'UTC'),
    tier_extended_to        Nullable(DateTime64(3, 'UTC')),
    confirmation_requests   UInt32,
    objections_overdue      UInt32,
    opened_at               DateTime64(3, 'UTC'),
    closed                  UInt8,
    closed_at               DateTime64(3, 'UTC'),
    cycle_seconds           Nullable(Float64),
    recovered_cents         Int64,
    last_event_at           DateTime64(3, 'UTC'),
    day                     Date,
    last_confirmation_event LowCardinality(String),
    peoples_assigned_at     DateTime64(3, 'UTC'),
    court_assigned_at       DateTime64(3, 'UTC'),
    peoples_mediator        LowCardinality(String),
    peoples_outcome         UInt8 COMMENT '2 settled, 1 failed, 0 open',
    court_mediator          LowCardinality(String),
    court_outcome           UInt8
)
ENGINE = MergeTree
PARTITION BY version
ORDER BY (lender_id, region_code, case_id);

-- The funnel by the China day a case first entered a stage (its cohort) × lender × debtor region × stage: how many
-- cases entered, how many of them settled or escalated from a stay in it, how many stays ended, and the stays'
-- lengths (exact quantile states, merged at read).
CREATE TABLE IF NOT EXISTS stage_funnel
(
    version   UInt64,
    day       Date,
    lender_id LowCardinality(String),
    region_code LowCardinality(String),
    stage     LowCardinality(String),
    entered   UInt64,
    settled   UInt64,
    escalated UInt64,
    exits     UInt64,
    seconds   AggregateFunction(quantilesExact(0.5, 0.9), Float64)
)
ENGINE = MergeTree
PARTITION BY version
ORDER BY (lender_id, stage, region_code, day);

-- Notices logged per China day × lender × the case's debtor region × status × rule.
CREATE TABLE IF NOT EXISTS notice_counts
(
    version     UInt64,
    day         Date,
    lender_id   LowCardinality(String),
    region_code LowCardinality(String),
    status      LowCardinality(String),
    rule        LowCardinality(String),
    notices     UInt64
)
ENGINE = MergeTree
PARTITION BY version
ORDER BY (lender_id, status, rule, region_code, day);

CREATE TABLE IF NOT EXISTS snapshots
(
    version  UInt64,
    as_of    DateTime64(3, 'UTC') COMMENT 'wall time the build started: every event inserted before it is in the snapshot',
    cases    UInt64,
    build_ms UInt32
)
ENGINE = MergeTree
ORDER BY version;

CREATE OR REPLACE VIEW case_now AS
SELECT * EXCEPT version FROM case_snapshot WHERE version = (SELECT max(version) FROM snapshots);

CREATE OR REPLACE VIEW funnel_now AS
SELECT * EXCEPT version FROM stage_funnel WHERE version = (SELECT max(version) FROM snapshots);

CREATE OR REPLACE VIEW notices_now AS
SELECT * EXCEPT version FROM notice_counts WHERE version = (SELECT max(version) FROM snapshots);
