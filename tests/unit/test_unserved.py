"""``remedy_<service>_unserved_seconds``: how long a partition with records waiting has gone without one handled,
as the lag sampler reads it from a faust consumer's bookkeeping (a stand-in app, a clock moved by hand)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from faust.types import TP
from prometheus_client import CollectorRegistry

from remedy.runtime import lag as lag_module
from remedy.runtime.lag import LagGauges, attach_faust

TOPIC = "loan.defaults"


class StandInApp:
    """What the sampler reads of a faust app: its consumer's assignment and offsets, the streams' input times."""

    def __init__(self):
        self.rebalancing_count, self.timers = 0, []
        self.monitor = SimpleNamespace(stream_inbound_time={})
        self.committed, self.ends = {}, {}
        self.consumer = SimpleNamespace(assignment=lambda: set(self.ends), _committed_offset=self.committed,
                                        highwater=self.ends.get)

    def timer(self, interval):
        return self.timers.append


def sampled(app, gauges) -> dict[str, float]:
    asyncio.run(app.timers[0]())
    return {s.labels["partition"]: s.value for s in gauges.unserved_seconds.collect()[0].samples}


def test_a_partition_left_waiting_reads_how_long_it_has_gone_unserved(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(lag_module.time, "monotonic", lambda: clock[0])
    app, gauges = StandInApp(), LagGauges(CollectorRegistry(), "intake")
    attach_faust(app, gauges)
    tp = {p: TP(TOPIC, p) for p in range(3)}
    app.ends.update({tp[0]: 900, tp[1]: 500, tp[2]: 300})
    app.committed.update({tp[0]: 100, tp[1]: 500, tp[2]: 0})
    app.monitor.stream_inbound_time[tp[0]] = 970.0      # handled before this assignment: not counted

    assert sampled(app, gauges) == {"0": 0.0, "1": 0.0, "2": 0.0}   # just assigned: unserved from now on
    assert app.monitor.stream_inbound_time[tp[1]] == 1000.0         # nothing waits on 1: its stream keeps up

    app.monitor.stream_inbound_time[tp[0]] = 1004.0                 # a record of 0 handled, none of 2
    clock[0] = 1012.5
    assert sampled(app, gauges) == {"0": 8.5, "1": 0.0, "2": 12.5}

    gauges.handled[tp[0]] = 900                                     # partition 0 caught up
    clock[0] = 1020.0
    assert sampled(app, gauges) == {"0": 0.0, "1": 0.0, "2": 20.0}

    app.rebalancing_count += 1                                      # partitions moved: 2 counts from now again
    assert sampled(app, gauges) == {"0": 0.0, "1": 0.0, "2": 0.0}
    clock[0] = 1023.0
    assert sampled(app, gauges)["2"] == 3.0
