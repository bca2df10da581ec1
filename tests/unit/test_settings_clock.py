from datetime import timedelta

import pytest

from remedy.kernel.clock import ScaledClock, clock_from_settings, parse_instant, china_date
from remedy.kernel.settings import Settings, SettingsError


def test_settings_come_from_remedy_env_vars_with_working_defaults():
    s = Settings.from_env({"REMEDY_BROKER_PORT": "19999", "REMEDY_CLOCK_SCALE": "720"})
    assert s.kafka_bootstrap == "127.0.0.1:19999" and s.clock_scale == 720.0
    assert Settings.from_env({}).intake_port == 6101
    with pytest.raises(SettingsError, match="REMEDY_INTAKE_PORT"):
        Settings.from_env({"REMEDY_INTAKE_PORT": "abc"})


def test_scaled_clock_runs_two_months_in_minutes_and_processes_agree():
    epoch = parse_instant("2026-01-01T00:00:00Z")
    real = [1000.0]
    a, b = ScaledClock(epoch, 1000.0, 720 * 60 / 6, lambda: real[0]), ScaledClock(epoch, 1000.0, 7200, lambda: real[0])
    real[0] += 720  # 12 real minutes
    assert a.now() - epoch == timedelta(days=60) and a.now() == b.now()


def test_frozen_clock_from_settings():
    clock = clock_from_settings(Settings(clock_epoch="2026-11-28T15:30:00Z", clock_scale=0.0))
    assert clock.now() == parse_instant("2026-11-28T15:30:00Z")
    assert str(china_date(clock.now())) == "2026-11-28"
    assert str(china_date(parse_instant("2026-11-28T16:00:00Z"))) == "2026-11-29"


@pytest.mark.parametrize("level", ["debug", "info", "warning", "WARNING", "error", "critical"])
def test_every_python_log_level_is_one_the_faust_worker_command_accepts(level):
    """`python -m services.<name>` with the default REMEDY_LOG_LEVEL=warning once failed at start-up."""
    from faust.cli.base import LOGLEVELS
    from remedy.runtime.worker import faust_loglevel

    assert faust_loglevel(level).upper() in {lv.upper() for lv in LOGLEVELS}
