"""The chaos harness's small run (issue 18, item 5), for CI: a few hundred defaults played twice side by
side — a control run, and a chaos run in which one instance of every service is SIGKILLed once, mid-batch
(``bench/chaos.py``; two instances of each stateful service) — and the two compared. One pair of runs
(about 3 minutes on 2 cores) feeds every test of the module; ``-s`` prints the comparison table."""
from __future__ import annotations

import pytest

from bench.chaos import run_pair, summary
from bench.chaos_kills import default_instances
from bench.chaos_run import RunConfig

pytestmark = [pytest.mark.broker, pytest.mark.e2e, pytest.mark.chaos, pytest.mark.timeout(900),
              pytest.mark.xdist_group("chaos")]  # one pair of runs for the module, on one test worker
CONFIG = RunConfig(cases=200, lenders=4, seed=7, horizon_days=30, step_days=3, instances=2)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("chaos")
    pair = run_pair(CONFIG, kills=1, kill_steps=2, root=root, report=lambda line: None)
    print("\n" + "\n".join(summary(pair, root)))
    return pair


def test_one_instance_of_every_service_was_killed_once_mid_batch(pair):
    services = sorted(default_instances(2))
    assert sorted(k.service for k in pair.chaos.kills) == services
    assert sum(1 for k in pair.chaos.kills if k.busy) >= len(services) - 1, "kills land while work is in flight"
    back = {r.name for r in pair.chaos.restarts if r.back_after is not None}
    assert {k.victim for k in pair.chaos.kills} <= back, "every killed worker came back"
    assert not pair.control.kills and not pair.control.restarts


def test_clickhouse_holds_every_record_of_each_run_exactly_once(pair):
    for run in (pair.control, pair.chaos):
        assert all(lost == dup == 0 for lost, dup in run.outcome.rows.values()), (run.name, run.outcome.rows)


def test_no_notice_id_is_delivered_twice(pair):
    assert not pair.control.outcome.repeated and not pair.chaos.outcome.repeated


def test_the_chaos_run_ends_as_the_control_run(pair):
    assert pair.diff.total == 0, "\n".join(summary(pair))


def test_the_control_run_dead_letters_nothing(pair):
    assert not pair.control.outcome.dead, pair.control.outcome.dead.most_common(5)
