-- Raw facts, one row per input record. Applied at start-up by services/analytics/store.py, to chDB
-- or a ClickHouse server alike. Redelivery is harmless: ReplacingMergeTree collapses rows with the
-- same sorting key, and every sorting-key column is a function of the record itself (the event id
-- and what the event says), never of when or where it was read. Queries read these tables FINAL.

CREATE TABLE IF NOT EXISTS case_events
(
    event_id           String,
    case_id            String,
    lender_id          LowCardinality(String),
    event_type         LowCardinality(String),
    producer           LowCardinality(String),
    causation_id       String,
    occurred_at        DateTime64(3, 'UTC'),
    stage              LowCardinality(String) COMMENT 'stage this event moves the case into; empty if none',
    region_code        LowCardinality(String) COMMENT 'debtor region (CaseOpened/CaseAmended only)',
    lender_region_code LowCardinality(String),
    product            LowCardinality(String),
    debtor_ref         String COMMENT 'keyed pseudonym, never the national ID',
    batch_id           String,
    claimed_cents      Int64 COMMENT 'principal + interest + penalty (CaseOpened/CaseAmended)',
    amount_cents       Int64 COMMENT 'the event''s money: plan total, payment, claim, award, recovery',
    route              LowCardinality(String),
    tier               LowCardinality(String),
    mediator_id        LowCardinality(String),
    court              LowCardinality(String),
    reason             LowCardinality(String),
    reason_codes       Array(LowCardinality(String)),
    cross_region       UInt8,
    deadline_at        Nullable(DateTime64(3, 'UTC')) COMMENT 'a deadline the event sets, if any',
    src_partition      UInt16,
    src_offset         UInt64 COMMENT 'case-log order: all events of a case share one partition',
    ingested_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (lender_id, region_code, stage, event_type, case_id, event_id);

CREATE TABLE IF NOT EXISTS notices
(
    notice_id      String,
    case_id        String,
    lender_id      LowCardinality(String),
    debtor_ref     String,
    kind           LowCardinality(String),
    occasion       String,
    channel        LowCardinality(String),
    status         LowCardinality(String),
    rule           LowCardinality(String) COMMENT 'the rule that deferred or suppressed it; empty if none',
    at             DateTime64(3, 'UTC'),
    deferred_until Nullable(DateTime64(3, 'UTC')),
    src_partition  UInt16,
    src_offset     UInt64,
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (lender_id, status, rule, notice_id, at);

CREATE TABLE IF NOT EXISTS rejections
(
    lender_id     LowCardinality(String),
    loan_id       String,
    batch_id      String,
    reason_codes  Array(LowCardinality(String)),
    rejected_at   DateTime64(3, 'UTC'),
    src_partition UInt16,
    src_offset    UInt64,
    ingested_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (lender_id, batch_id, loan_id, rejected_at);
