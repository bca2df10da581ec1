"""bench/bench_peer.py's pure parts: the case log both peers read, and how their figures are read."""
from __future__ import annotations

from collections import Counter

import pytest

from bench.peer_log import EVENTS_PER_CASE, Reading, Run, case_log, figures, ratio_line, summary
from sim.defaults import utc

NOW = utc(2026, 11, 28, 4)


def test_the_case_log_is_whole_cases_each_opened_first_and_one_in_five_failing_mediation(codec):
    log = case_log(codec, 61, NOW)
    assert (log.cases, len(log.records), log.failures) == (10, 10 * EVENTS_PER_CASE, 2)
    types = [codec.case_event_type(value) for _, value in log.records]
    assert types[::EVENTS_PER_CASE] == ["CaseOpened"] * 10
    assert Counter(types)["MediationFailed"] == 2
    for n in range(10):  # each case's events together, under its case_id
        case = log.records[n * EVENTS_PER_CASE:(n + 1) * EVENTS_PER_CASE]
        ids = {codec.decode(value)[1]["case_id"] for _, value in case}
        assert ids == {case[0][0].decode()}


def test_figures_leave_out_the_start_and_count_case_events_per_decision():
    readings = [Reading(0, 0.0, 1.0, 1.0), Reading(100, 10.0, 2.0, 1.1), Reading(300, 12.0, 2.6, 1.16)]
    rate, worker_us, broker_us = figures(readings, per_case=6)
    assert rate == pytest.approx(200 * 6 / 2)
    assert worker_us == pytest.approx(1e6 * 0.6 / 1200)
    assert broker_us == pytest.approx(1e6 * 0.06 / 1200)
    with pytest.raises(ValueError):
        figures(readings[:2], per_case=6)


def test_the_ratio_is_the_median_of_each_rounds_own():
    def run(rate, cpu):
        return Run(rate, cpu, 1.0, (1.0, 2.0), {})
    remedy, peer = [run(1000, 100), run(3000, 80), run(2000, 90)], [run(10000, 20), run(4000, 20), run(5000, 18)]
    line = ratio_line(remedy, peer)
    assert "0.40 of the records/s (rounds 0.10, 0.75, 0.40)" in line and "NOT met" in line
    assert ratio_line([run(3000, 50)], [run(5000, 40)]).endswith("met")
    assert "2,000 case events/s (1,000, 3,000, 2,000); CPU per case event: worker   90 us (100, 80, 90)" in summary("Remedy", remedy)
    assert "0.20 of the records per CPU-second (rounds 0.20, 0.25, 0.20)" in line
