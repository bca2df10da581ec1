-- The debtor's birth year (from CaseFacts, CaseOpened/CaseAmended only), for the research export's
-- age bands (remedy/ops/research, docs/research-export.md). Rows written before this column read NULL.
ALTER TABLE case_events ADD COLUMN IF NOT EXISTS birth_year Nullable(UInt16)
    COMMENT 'debtor birth year (CaseOpened/CaseAmended only); exported only as an age band' AFTER debtor_ref;
