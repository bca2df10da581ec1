"""The 1M benchmark's pure parts (bench/million_*.py): /proc parsing and sampling over a fake /proc, metric
parsing and the stages' progress, when a stage was done, and the targets' verdicts. No stack is started."""
from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from bench import million_report as rep
from bench.million_load import book_sizes
from bench.million_metrics import (INTAKE, MEDIATION, NOTIFY, SENT, TRIAGE, Counters, Poller, done_at, first_notice_kinds,
                                   first_notices_expected, parse_prometheus, progress, quantities, started_at)
from bench.million_proc import ProcSampler, children_of, descendants, loadavg, mem_available, parse_stat, parse_status

STAT = "4242 (python -m services.intake) S 4200 4242 4242 0 -1 4194560 1 0 0 0 {u} {s} 7 8 20 0 9 0 1 2 3"
STATUS = "Name:\tpython\nVmPeak:\t  900000 kB\nVmHWM:\t  {hwm} kB\nVmRSS:\t  {rss} kB\nThreads:\t9\n"


def test_stat_gives_the_parent_and_user_plus_system_ticks_even_with_spaces_and_parens_in_the_name():
    assert parse_stat(STAT.format(u=150, s=25)) == (4200, 175)
    assert parse_stat("7 (odd) name) (x) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 6 7") == (1, 7)


def test_status_gives_rss_and_high_water_mark_in_bytes_and_zero_for_a_zombie():
    assert parse_status(STATUS.format(hwm=2048, rss=1024)) == {"VmRSS": 1024 * 1024, "VmHWM": 2048 * 1024}
    assert parse_status("Name:\tdefunct\nState:\tZ (zombie)\n") == {"VmRSS": 0, "VmHWM": 0}


def test_descendants_walk_the_whole_tree():
    kids = children_of({10: 1, 11: 10, 12: 11, 13: 10, 20: 1})
    assert sorted(descendants(10, kids)) == [10, 11, 12, 13]
    assert descendants(20, kids) == [20]


def write_proc(root, pid: int, ppid: int, ticks: int, hwm_kb: int, rss_kb: int) -> None:
    d = root / str(pid)
    d.mkdir(exist_ok=True)
    (d / "stat").write_text(f"{pid} (w) S {ppid} 0 0 0 -1 0 0 0 0 0 {ticks} 0 0 0 20 0 1 0 1 2 3")
    (d / "status").write_text(STATUS.format(hwm=hwm_kb, rss=rss_kb))


def test_a_restarted_process_keeps_its_dead_predecessors_cpu_and_the_larger_peak(tmp_path):
    write_proc(tmp_path, 100, 1, ticks=300, hwm_kb=500_000, rss_kb=400_000)
    write_proc(tmp_path, 101, 100, ticks=100, hwm_kb=50_000, rss_kb=50_000)    # a child of the worker
    write_proc(tmp_path, 1, 0, ticks=5, hwm_kb=10, rss_kb=10)                   # the benchmark itself
    sampler = ProcSampler(tmp_path, clk_tck=100, solo=frozenset({"bench"}))
    sampler.sample({"triage-1": 100, "bench": 1})
    for pid in (100, 101):
        for name in ("stat", "status"):
            (tmp_path / str(pid) / name).unlink()
        (tmp_path / str(pid)).rmdir()                                           # SIGKILLed
    write_proc(tmp_path, 200, 1, ticks=50, hwm_kb=200_000, rss_kb=150_000)      # restarted
    sampler.sample({"triage-1": 200, "bench": 1})
    assert sampler.cpu_seconds("triage-1") == pytest.approx(4.5)               # (300 + 100 + 50) / 100
    assert sampler.peak("triage-1") == 500_000 * 1024                          # the first process's VmHWM
    assert sampler.cpu_seconds("bench") == pytest.approx(0.05)                 # without its children
    assert sampler.peak_sum({"triage-1"}) == 450_000 * 1024                    # worker + child at one instant


def test_the_tree_sum_counts_as_a_peak_when_it_exceeds_the_roots_high_water_mark(tmp_path):
    write_proc(tmp_path, 100, 1, ticks=1, hwm_kb=100, rss_kb=100)
    write_proc(tmp_path, 101, 100, ticks=1, hwm_kb=300, rss_kb=300)
    sampler = ProcSampler(tmp_path, clk_tck=100)
    sampler.sample({"broker": 100, "gone": 999, "not-running": None})
    assert sampler.peak("broker") == 400 * 1024
    assert sampler.cpu_seconds("gone") == 0


EXPOSITION = '''# HELP remedy_intake_emitted_total Records emitted
# TYPE remedy_intake_emitted_total counter
remedy_intake_emitted_total{topic="case.events",type="CaseOpened"} 120.0
remedy_intake_emitted_total{topic="loan.batches",type="BatchReport"} 3.0
remedy_intake_consumed_total{topic="loan.defaults"} 125.0
remedy_intake_emitted_created{topic="case.events",type="CaseOpened"} 1.7e+09
remedy_triage_decisions_total{route="PEOPLES_MEDIATION",rule_version="2026.1 \\"b\\""} 7
process_cpu_seconds_total 12.5 1700000000000
'''


def test_prometheus_text_is_parsed_with_escaped_labels_timestamps_and_comments():
    samples = parse_prometheus(EXPOSITION)
    assert samples[0] == ("remedy_intake_emitted_total", {"topic": "case.events", "type": "CaseOpened"}, 120.0)
    assert samples[4] == ("remedy_triage_decisions_total", {"route": "PEOPLES_MEDIATION", "rule_version": '2026.1 "b"'}, 7.0)
    assert samples[-1] == ("process_cpu_seconds_total", {}, 12.5)
    assert len(samples) == 6


def test_an_instances_quantities_are_the_counters_the_stages_are_followed_by():
    assert quantities("intake", parse_prometheus(EXPOSITION)) == {"written": 120.0, "opened": 120.0,
                                                                  "route:PEOPLES_MEDIATION": 7.0}
    text = ('remedy_mediation_steps_total{input="case.events",outcome="facts"} 5\n'
            'remedy_mediation_steps_total{input="case.events",outcome="entered_peoples"} 4\n'
            'remedy_mediation_consumed_total{topic="case.events"} 9\n'
            'remedy_notify_notices_total{kind="demand_letter",channel="EMAIL",status="SENT"} 2\n')
    assert quantities("mediation", parse_prometheus(text)) == {"files": 5.0, "read": 9.0,
                                                               "notice:demand_letter:SENT": 2.0}


def test_counters_of_a_restarted_instance_add_to_what_its_predecessor_counted():
    c = Counters()
    assert c.update("triage-1", {"read": 100.0, "handled": 10.0}) == {"read": 100.0, "handled": 10.0}
    assert c.update("triage-1", {"read": 30.0}) == {"read": 130.0, "handled": 10.0}   # restarted; handled not yet
    assert c.update("triage-1", {"read": 40.0, "handled": 2.0}) == {"read": 140.0, "handled": 12.0}
    assert c.corrected("triage-1") == {"read": 140.0, "handled": 12.0}


def test_first_notices_expected_follow_the_catalogue_kinds_on_case_triaged():
    kind = lambda on, when=None: SimpleNamespace(on=on, when=when or {})  # noqa: E731
    catalogue = SimpleNamespace(kinds={"invite": kind("CaseTriaged", {"route": ["PEOPLES", "COURT"]}),
                                       "letter": kind("CaseTriaged"), "session": kind("SessionScheduled")})
    kinds = first_notice_kinds(catalogue)
    assert kinds == {"invite": frozenset({"PEOPLES", "COURT"}), "letter": None}
    assert first_notices_expected({"PEOPLES": 10, "COURT": 5, "RELIEF": 2, "REJECTED": 3}, kinds) == 15 * 2 + 2


def totals(opened=0.0, decided=0.0, notices=0.0, read=0.0, written=0.0, released=None):
    return {"intake": {"opened": opened, "written": opened}, "triage": {"route:PEOPLES": decided, "written": decided},
            "mediation": {"files": opened, "written": written}, "enforcement": {"read": read},
            "notify": {"notice:invite:released": notices - 1 if released is None else released,
                       "notice:invite:SENT": notices - 1, "notice:invite:DEFERRED": 1, "notice:invite:FAILED": 9}}


def test_progress_has_no_target_for_notices_and_readers_until_every_case_is_decided():
    kinds = {"invite": None}
    early = progress(totals(opened=10, decided=4, notices=3, read=12), 10, kinds, ("enforcement",))
    assert early[INTAKE] == (10, 10) and early[TRIAGE] == (4, 10) and early[MEDIATION] == (10, 10)
    assert early[NOTIFY] == (3, math.inf)
    assert early["enforcement: cases opened (case.events read)"] == (12, math.inf)
    late = progress(totals(opened=10, decided=10, notices=10, read=21, written=2), 10, kinds, ("enforcement",))
    assert late[NOTIFY] == (10, 10) and late[SENT] == (10, 10)       # FAILED entries are fallbacks, not decisions
    printing = progress(totals(opened=10, decided=10, notices=4, released=9), 10, kinds, ("enforcement",))
    assert printing[NOTIFY] == (10, 10), "released to go now, or deferred: decided"
    assert printing[SENT] == (4, 10), "released notices still waiting for a send slot are not sent"
    assert late["enforcement: cases opened (case.events read)"] == (21, 22)
    frozen = progress(totals(opened=10, decided=10, read=21, written=9), 10, kinds, ("enforcement",), written_then=21)
    assert frozen["enforcement: cases opened (case.events read)"] == (21, 21)


def line(*points):
    return [(t, {"s": (count, target)}) for t, count, target in points]


def test_a_stage_is_done_when_it_reaches_its_target_for_good_interpolated_between_samples():
    assert done_at(line((0, 0, 100), (1, 40, 100), (2, 80, 100), (3, 120, 100)), "s") == pytest.approx(2.5)
    caught_up_then_behind = line((0, 5, 5), (1, 10, 10), (2, 10, 14), (3, 14, 14), (4, 14, 14))
    assert done_at(caught_up_then_behind, "s") == pytest.approx(3)
    assert done_at(line((0, 1, 2), (1, 1, 2)), "s") is None
    assert done_at(line((0, 3, 3)), "s") == 0


def test_a_stage_started_between_its_last_idle_sample_and_the_first_that_counted():
    assert started_at(line((0, 0, 9), (1, 0, 9), (2, 50, 9), (3, 150, 9)), "s") == pytest.approx(1.5)
    assert started_at(line((0, 0, 9), (1, 0, 9), (2, 500, 9), (3, 510, 9)), "s") == 1      # no earlier than idle
    assert started_at(line((0, 5, 9), (1, 6, 9)), "s") == 0
    assert started_at(line((0, 0, 9), (1, 0, 9)), "s") == 1


def test_verdicts_say_met_or_by_how_much_a_target_is_missed():
    assert rep.Target("t", 0.9e-3, 1.2e-3, "ms").verdict() == "met"
    assert rep.Target("t", 1.5e-3, 1.2e-3, "ms").verdict() == "missed by 0.300 ms (25%)"
    assert rep.Target("t", 700 * rep.MIB, rep.SERVICE_RSS_LIMIT, "bytes").verdict() == "missed by 223 MiB (47%)"
    assert rep.Target("t", 0.8, 1.0, "x", at_most=False).verdict() == "missed by 0.200 (20%)"
    assert rep.Target("t", 0.9994, 1.0, "x", at_most=False).figure() == "0.999"   # not the 1.00 it misses
    assert rep.Target("t", 1.3, 1.0, "x", at_most=False).verdict() == "met"
    assert rep.Target("t", None, 30.0, "s").verdict() == "not measured"


def test_time_targets_are_extrapolated_to_a_million_and_a_stage_not_done_is_a_lower_bound():
    met = rep.time_target("triaged", 50.0, 80.0, 100_000)
    assert met.value == 500.0 and met.verdict() == "met" and "x10: extrapolated from 100,000 cases" in met.label
    short = rep.time_target("notices", None, 700.0, rep.MILLION)
    assert short.label == "notices" and short.figure() == ">= 11 min 40 s"
    assert short.verdict() == "missed by more than 100.0 s (17%)"


def test_tables_align_their_columns():
    text = rep.table([("a", "1"), ("bbb", "22")], ("x", "yy"))
    assert text.splitlines() == ["x    yy", "---  --", "a     1", "bbb  22"]


def test_books_split_the_cases_unevenly_over_the_lenders():
    sizes = book_sizes(1_000_000, 12)
    assert sum(sizes) == 1_000_000 and len(sizes) == 12 and sizes == sorted(sizes, reverse=True)


def test_load_average_and_available_memory_come_from_proc(tmp_path):
    (tmp_path / "loadavg").write_text("12.65 8.27 4.56 3/812 99\n")
    (tmp_path / "meminfo").write_text("MemTotal:       24000000 kB\nMemAvailable:    2000000 kB\n")
    assert loadavg(tmp_path) == "12.65 8.27 4.56"
    assert mem_available(tmp_path) == 2_000_000 * 1024


def test_records_waiting_is_a_gauge_that_may_fall_and_is_summed_per_topic():
    text = ('remedy_notify_records_waiting{partition="0",topic="notify.intents"} 700\n'
            'remedy_notify_records_waiting{partition="1",topic="notify.intents"} 300\n'
            'remedy_notify_records_waiting{partition="0",topic="case.events"} 0\n')
    q = quantities("notify", parse_prometheus(text))
    assert q == {"waiting:notify.intents": 1000.0, "waiting:case.events": 0.0}
    c = Counters()
    c.update("notify-1", q)
    assert c.update("notify-1", {"waiting:notify.intents": 10.0})["waiting:notify.intents"] == 10.0


def test_the_poller_names_where_records_wait_largest_first():
    poller = Poller([("notify", "notify-1", 1)], 10, {})
    poller.last_totals = {"notify": {"waiting:notify.intents": 5.0, "waiting:case.events": 0.0, "read": 3.0},
                          "mediation": {"waiting:mediation.desk": 9.0}}
    assert poller.waiting() == {"mediation mediation.desk": 9.0, "notify notify.intents": 5.0}
    poller.close()
