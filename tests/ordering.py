"""Longest tests first, so that the suite's wall time on several test workers is not set by a long test
that started late.

The order comes from ``tests/durations.json`` (seconds per test, setup and teardown included), written by
``make test-durations``; a test not in it weighs what its kind usually takes. A stale file only makes the
order less good, never a test wrong. Tests of one ``xdist_group`` stay together and weigh their sum. The
Makefile runs pytest-xdist with ``--no-loadscope-reorder`` so that it hands out the tests in this order."""
from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("durations.json")
RECORD_ENV = "REMEDY_RECORD_DURATIONS"
USUAL_SECONDS = {"tests/e2e/": 90.0, "tests/chaos/": 150.0, "tests/broker/": 15.0}
RECORDED_FROM_SECONDS = 1.0          # shorter tests are left out of the file: their order does not matter


def plain_id(nodeid: str) -> str:
    """The test's id without the ``@group`` suffix that pytest-xdist's loadgroup adds."""
    return nodeid.split("@", 1)[0]


def usual_seconds(nodeid: str) -> float:
    return next((s for prefix, s in USUAL_SECONDS.items() if nodeid.startswith(prefix)), 0.0)


def known_durations() -> dict[str, float]:
    return json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    known = known_durations()
    weight = {id(i): known.get(plain_id(i.nodeid), usual_seconds(i.nodeid)) for i in items}
    group_of = {id(i): (m.args[0] if (m := i.get_closest_marker("xdist_group")) and m.args else None) for i in items}
    group_weight: dict[str, float] = defaultdict(float)
    for i in items:
        if group_of[id(i)]:
            group_weight[group_of[id(i)]] += weight[id(i)]
    position = {id(i): n for n, i in enumerate(items)}
    group_first: dict[str, int] = {}
    for i in items:
        group_first.setdefault(group_of[id(i)], position[id(i)])

    def key(item):
        group = group_of[id(item)]
        if group:
            return -group_weight[group], group_first[group], position[id(item)]
        return -weight[id(item)], position[id(item)], 0

    items.sort(key=key)


class DurationRecorder:
    """On the controlling process, adds up each test's phases and writes them when the session ends."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report):
        self.seconds[plain_id(report.nodeid)] += report.duration

    def pytest_sessionfinish(self, session):
        kept = {k: v for k, v in known_durations().items() if k not in self.seconds and Path(k.split("::")[0]).exists()}
        merged = kept | {k: round(v, 1) for k, v in self.seconds.items() if v >= RECORDED_FROM_SECONDS}
        DURATIONS.write_text(json.dumps(dict(sorted(merged.items())), indent=0, ensure_ascii=False) + "\n")


def pytest_configure(config):
    if os.environ.get(RECORD_ENV) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(DurationRecorder(), "remedy-duration-recorder")
