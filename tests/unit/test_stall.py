"""remedy.runtime.stall: a worker not ready, reaching its broker, without progress in its rebalance or table
recovery for its limit ends itself (to be restarted) with a line saying why; a long recovery that progresses,
a worker cut off from its broker, and a ready worker are left alone."""
from __future__ import annotations

import logging
from collections import Counter
from types import SimpleNamespace

from remedy.runtime.stall import STUCK_EXIT, Progress, StallWatch, check, faust_progress


class Clock:
    def __init__(self):
        self.t = 500.0

    def __call__(self) -> float:
        return self.t


class Exits:
    def __init__(self):
        self.codes: list[int] = []

    def __call__(self, code: int) -> None:
        self.codes.append(code)


def recovering(offset: int, highwater: int = 100, count: int = 3) -> Progress:
    return Progress(True, (count, offset), highwater - offset)


def test_no_progress_for_the_limit_while_recovering_ends_the_worker_with_a_reason(caplog):
    clock, exits = Clock(), Exits()
    watch = StallWatch(60, now=clock)
    with caplog.at_level(logging.ERROR, logger="remedy.runtime.stall"):
        assert check(watch, recovering(97), True, "intake", exits) == 0
        clock.t += 59
        assert check(watch, recovering(97), True, "intake", exits) == 59 and exits.codes == []
        clock.t += 1
        check(watch, recovering(97), True, "intake", exits)
    assert exits.codes == [STUCK_EXIT]
    assert "intake: not ready and no progress for 60 s (recovering its tables, 3 changelog record(s) left" in caplog.text


def test_a_recovery_that_reads_its_changelog_is_never_stuck_however_long_it_takes():
    clock, exits = Clock(), Exits()
    watch = StallWatch(60, now=clock)
    for offset in range(0, 1_000_000, 10_000):          # 100 looks, 30 s apart: 50 minutes of recovery
        assert check(watch, recovering(offset, highwater=1_000_000), True, "notify", exits) == 0
        clock.t += 30
    assert exits.codes == []


def test_a_new_rebalance_counts_as_progress():
    clock, exits = Clock(), Exits()
    watch = StallWatch(60, now=clock)
    check(watch, Progress(True, (1, 0)), True, "triage", exits)
    clock.t += 50
    assert check(watch, Progress(True, (2, 0)), True, "triage", exits) == 0
    clock.t += 50
    assert check(watch, Progress(True, (2, 0)), True, "triage", exits) == 50 and exits.codes == []


def test_a_worker_cut_off_from_its_broker_is_not_stuck_but_unreachable():
    """A restart would not bring the broker back; /healthz says unreachable. The stall is counted afresh once
    the broker answers again."""
    clock, exits = Clock(), Exits()
    watch = StallWatch(60, now=clock)
    for _ in range(10):
        assert check(watch, recovering(5), False, "mediation", exits) == 0
        clock.t += 30
    assert check(watch, recovering(5), True, "mediation", exits) == 0
    clock.t += 30
    assert check(watch, recovering(5), True, "mediation", exits) == 30 and exits.codes == []


def test_a_ready_worker_is_never_stuck_and_a_limit_of_zero_never_ends_one():
    clock, exits = Clock(), Exits()
    ready, off = StallWatch(60, now=clock), StallWatch(0, now=clock)
    for _ in range(10):
        assert check(ready, Progress(False, (1, 5)), True, "repair", exits) == 0
        check(off, recovering(5), True, "repair", exits)
        clock.t += 30
    assert exits.codes == [] and not off.stuck(10_000)


def fake_app(*, rebalancing: bool, in_recovery: bool, offsets: dict, highwaters: dict, count: int = 4):
    recovery = SimpleNamespace(active_offsets=Counter(offsets))
    recovery.active_remaining = lambda: Counter({tp: highwaters[tp] - recovery.active_offsets[tp] for tp in highwaters})
    return SimpleNamespace(rebalancing=rebalancing, in_recovery=in_recovery, rebalancing_count=count,
                           tables=SimpleNamespace(recovery=recovery))


def test_progress_is_read_from_faust_public_state():
    stuck = faust_progress(fake_app(rebalancing=False, in_recovery=True, offsets={"a": 7, "b": -1},
                                    highwaters={"a": 9, "b": 1}))
    assert stuck == Progress(True, (4, 6), 4)        # 2 left on a, 2 on b
    joining = faust_progress(fake_app(rebalancing=True, in_recovery=False, offsets={}, highwaters={}, count=5))
    assert joining == Progress(True, (5, 0), 0)
    ready = faust_progress(fake_app(rebalancing=False, in_recovery=False, offsets={"a": 9}, highwaters={"a": 9}))
    assert not ready.not_ready
