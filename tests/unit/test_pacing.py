"""The paced clock: simulated time that slows and stops while the services lag, shared by file."""
from datetime import timedelta

from remedy.kernel.clock import ClockFile, PacedClock, clock_from_settings, clock_rate, parse_instant
from remedy.ops.pacing import Pacer, pacing_groups, rate_for
from remedy.kernel.settings import Settings
from remedy.contract.topics import load_registry

EPOCH = parse_instant("2026-01-05T00:00:00Z")
HOUR_PER_SECOND = 3600.0


class Real:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_rate_is_full_while_caught_up_slower_as_records_wait_and_zero_beyond_the_stop():
    assert rate_for(0, 100.0, 300, 3000) == 100.0
    assert rate_for(300, 100.0, 300, 3000) == 100.0
    assert rate_for(1650, 100.0, 300, 3000) == 50.0
    assert rate_for(3000, 100.0, 300, 3000) == 0.0
    assert rate_for(50_000, 100.0, 300, 3000) == 0.0


def test_every_process_reading_the_file_sees_the_pacers_time(tmp_path):
    real, lag = Real(), [0]
    pacer = Pacer(ClockFile(tmp_path / "clock"), EPOCH, HOUR_PER_SECOND, probe=lambda: lag[0], real=real)
    a, b = PacedClock(tmp_path / "clock", refresh=0, real=real), PacedClock(tmp_path / "clock", refresh=0, real=real)
    assert a.now() == EPOCH and clock_rate(a) == 0.0          # held at the epoch until pacing starts
    pacer.step()
    real.t += 10
    assert a.now() == b.now() == EPOCH + timedelta(hours=10)
    lag[0] = 10_000                                           # the services fall behind: time stops
    pacer.step()
    real.t += 60
    assert a.now() == EPOCH + timedelta(hours=10) and clock_rate(b) == 0.0
    assert pacer.held_seconds > 0
    lag[0] = 0                                                # caught up: time runs on from where it stopped
    pacer.step()
    real.t += 2
    assert b.now() == EPOCH + timedelta(hours=12)


def test_a_process_never_sees_time_go_backwards_after_a_pause(tmp_path):
    real, lag = Real(), [0]
    pacer = Pacer(ClockFile(tmp_path / "clock"), EPOCH, HOUR_PER_SECOND, probe=lambda: lag[0], real=real)
    pacer.step()
    clock = PacedClock(tmp_path / "clock", refresh=5.0, real=real)
    clock.now()
    lag[0] = 10_000
    real.t += 1
    pacer.step()                                              # paused at +1 h, but the clock has not re-read yet
    real.t += 2
    ahead = clock.now()                                       # extrapolates to +3 h
    real.t += 5                                               # re-reads: the shared clock says +1 h
    assert clock.now() == ahead == EPOCH + timedelta(hours=3)


def test_a_failing_lag_probe_holds_time(tmp_path):
    real = Real()

    def probe():
        raise ConnectionError("broker gone")

    pacer = Pacer(ClockFile(tmp_path / "clock"), EPOCH, HOUR_PER_SECOND, probe=probe, real=real)
    assert pacer.step() == 0.0


def test_paced_clock_from_settings(tmp_path):
    real = Real()
    Pacer(ClockFile(tmp_path / "clock"), EPOCH, HOUR_PER_SECOND, probe=lambda: 0, real=real)
    clock = clock_from_settings(Settings(clock_file=str(tmp_path / "clock"), clock_scale=720.0))
    assert isinstance(clock, PacedClock) and clock.now() == EPOCH


def test_groups_that_hold_time_come_from_the_topic_registry():
    groups = pacing_groups(load_registry(), {"remedy-sim": ["case.events"]})
    assert groups["intake"] == ["loan.defaults", "intake.tallies"]
    assert "case.events" in groups["notify"] and "case.events" in groups["remedy-sim"]
    assert not {"gateway", "operators", "analytics"} & groups.keys()    # they only watch the funnel
    assert not any(t.endswith("-changelog") or t.endswith(".dlq") for topics in groups.values() for t in topics)


def test_lag_is_read_from_what_each_worker_reports_not_from_the_broker(tmp_path):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from remedy.ops.pacing import ServiceLag

    class Worker(BaseHTTPRequestHandler):  # a notify worker's /records-waiting page
        def do_GET(self):
            body = json.dumps({"notify.intents": 125, "case.events": 7, "notify-debtors-changelog": 900}).encode()
            self.send_response(200 if self.path == "/records-waiting" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Worker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "sim.lag").write_text("42")
        probe = ServiceLag({"notify": server.server_port}, {"notify": ["notify.intents", "case.events"],
                                                           "remedy-sim": ["case.events"]}, "remedy-sim", str(tmp_path / "sim.lag"))
        assert probe.per_group() == {"notify": 132, "remedy-sim": 42}   # not the changelog: recovery does not hold time
        assert probe() == 174
    finally:
        server.shutdown()
    assert ServiceLag({}, {"remedy-sim": ["case.events"]}, "remedy-sim", str(tmp_path / "none"))() == 0


def test_records_waiting_count_from_what_was_handled_not_from_the_commit_behind_it():
    from prometheus_client import CollectorRegistry

    from remedy.runtime.lag import LagGauges

    gauges = LagGauges(CollectorRegistry(), "triage")
    gauges.start_sample()
    gauges.observe("case.events", 0, committed=100, end_offset=900, handled=850)
    gauges.observe("case.events", 1, committed=400, end_offset=900, handled=None)   # nothing handled yet
    gauges.observe("case.events", 2, committed=700, end_offset=900, handled=600)    # read again after a rebalance
    waiting = {s.labels["partition"]: s.value for s in gauges.records_waiting.collect()[0].samples}
    lag = {s.labels["partition"]: s.value for s in gauges.consumer_lag.collect()[0].samples}
    assert waiting == {"0": 50, "1": 500, "2": 200}
    gauges.end_sample()
    assert gauges.waiting == {"case.events": 750}
    assert lag == {"0": 800, "1": 500, "2": 200}
