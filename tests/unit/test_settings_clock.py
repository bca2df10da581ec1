import dataclasses
from datetime import timedelta

import pytest

from remedy.kernel.clock import ScaledClock, clock_from_settings, parse_instant, china_date
from remedy.kernel.settings import Settings, SettingsError
from remedy.ops.settings import PlatformSettings, parts
from services.analytics.settings import AnalyticsSettings
from services.intake.settings import IntakeSettings
from services.notify.settings import NotifySettings
from services.triage.settings import TriageSettings
from sim.world_config import WorldConfig


def test_settings_come_from_remedy_env_vars_with_working_defaults():
    s = Settings.from_env({"REMEDY_BROKER_PORT": "19999", "REMEDY_CLOCK_SCALE": "720"})
    assert s.kafka_bootstrap == "127.0.0.1:19999" and s.clock_scale == 720.0
    assert IntakeSettings.from_env({}).port == 6101
    with pytest.raises(SettingsError, match="REMEDY_INTAKE_PORT"):
        IntakeSettings.from_env({"REMEDY_INTAKE_PORT": "abc"})


def test_a_service_reads_its_own_prefix_and_the_variables_its_fields_name():
    assert TriageSettings.from_env({"REMEDY_TRIAGE_RULES_PATH": "/r.json", "REMEDY_RULES_PATH": "no"}).rules_path == "/r.json"
    notify = NotifySettings.from_env({"REMEDY_SMTP_HOST": "mail", "REMEDY_NOTIFY_PORT": "7000", "REMEDY_NOTIFY_SMTP_HOST": "no"})
    assert (notify.smtp_host, notify.port) == ("mail", 7000)
    assert AnalyticsSettings.from_env({"REMEDY_DATA_DIR": "/d"}).clickhouse_url == "chdb:///d/clickhouse"
    assert AnalyticsSettings.from_env({"REMEDY_DATA_DIR": "/d", "REMEDY_CLICKHOUSE_URL": "http://h/db"}).clickhouse_url == "http://h/db"
    assert PlatformSettings.from_env({"REMEDY_GATEWAY_PORT": "9"}).port_for("gateway") == 9
    with pytest.raises(SettingsError, match="REMEDY_SIM_CONFIRM_DAYS"):
        WorldConfig.from_env({"REMEDY_SIM_CONFIRM_DAYS": "1,x"})


def test_no_two_settings_read_the_same_variable():
    kinds = [kind for _, kind in parts()] + [WorldConfig]
    names = [kind.env_name(f) for kind in kinds for f in dataclasses.fields(kind)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


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


def test_real_delay_is_the_real_time_until_a_scaled_clock_reaches_an_instant():
    from datetime import datetime, timezone

    from remedy.kernel.clock import real_delay
    epoch = datetime(2026, 1, 1, tzinfo=timezone.utc)
    two = datetime.fromtimestamp(2, tz=timezone.utc)
    assert real_delay(9_000, two, 1000.0, 1.0) == 0.007          # 7 simulated seconds at 1000x
    assert real_delay(None, epoch, 1000.0, 1.0) == 1.0           # nothing due: the ceiling
    assert real_delay(1, epoch, 0.0, 1.0) == 0.0                  # already past
    assert real_delay(10**13, epoch, 0.0, 1.0) == 1.0             # a frozen clock never gets there by itself
