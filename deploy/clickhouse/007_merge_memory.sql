-- How much memory a merge takes. A merge reads every column file of every part it merges through a buffer of its
-- own (up to 1 MiB each), unless it merges vertically, a column at a time, which an AggregatingMergeTree cannot.
-- case_facts, about 50 column files a part: 8 parts of 300,000 cases took 316 MiB to merge. In the compact format
-- a part is one file: the same merge takes 65 MiB, the parts are as large, and the snapshot, which reads every
-- column, builds as fast (1.8 million events: 7.1 s against 8.5 s wide, 150 MiB against 185). Measured on chDB 26.9,
-- 2026-12-07; what it does to analytics' memory as a whole: bench/bench_analytics_memory.py.
ALTER TABLE case_facts MODIFY SETTING min_bytes_for_wide_part = 1099511627776;

-- case_events merges vertically only from 131,072 rows by default: below, 6 parts of 100,000 events took 120 MiB;
-- vertically, 40.
ALTER TABLE case_events MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1;
