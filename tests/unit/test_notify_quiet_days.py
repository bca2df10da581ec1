"""Quiet days (docs/rules.md C8): no contact on China's public holidays, by the working-day calendar."""
from __future__ import annotations

import pytest

from remedy.kernel.settings import SettingsError
from services.notify import guard
from services.notify.quiet import Policy, quiet, quiet_rule
from services.notify.settings import NotifySettings
from tests.notify_cases import Case, china, contact
from tests.unit.test_notify_guard import Debtor

POLICY = Policy()


def test_national_day_is_quiet_until_8_00_of_the_first_day_after_the_break():
    after_break = china(2026, 10, 8, 8)                  # 1 – 7 October 2026 off; the 8th a working Thursday
    assert quiet(china(2026, 10, 1, 12), POLICY) == after_break
    assert quiet(china(2026, 10, 4, 3), POLICY) == after_break
    assert quiet(china(2026, 9, 30, 23), POLICY) == after_break, "the eve's night runs into the holiday"
    assert quiet_rule(china(2026, 10, 1, 12), POLICY) == "QUIET_DAY"
    assert quiet_rule(china(2026, 9, 30, 23), POLICY) == "QUIET_HOURS"


def test_weekends_and_the_working_saturdays_of_a_holiday_are_not_quiet_days():
    assert quiet(china(2026, 12, 5, 12), POLICY) is None      # a plain Saturday
    assert quiet(china(2026, 10, 10, 12), POLICY) is None     # 调休: a Saturday worked for National Day
    assert quiet(china(2026, 2, 14, 12), POLICY) is None      # 调休 before the Spring Festival
    assert quiet(china(2026, 2, 16, 12), POLICY) is not None  # the Spring Festival itself


def test_the_switch_turns_quiet_days_off_and_reads_from_the_environment():
    assert quiet(china(2026, 10, 1, 12), Policy(quiet_holidays=False)) is None
    assert NotifySettings.from_env({"REMEDY_NOTIFY_QUIET_HOLIDAYS": "false"}).quiet_holidays is False
    assert NotifySettings.from_env({"REMEDY_NOTIFY_QUIET_HOLIDAYS": "1"}).quiet_holidays is True
    with pytest.raises(SettingsError):
        NotifySettings.from_env({"REMEDY_NOTIFY_QUIET_HOLIDAYS": "maybe"})


def test_a_demand_letter_triaged_on_national_day_waits_for_the_first_working_morning():
    case, d = Case("LENDER-A", "L-1", contact()), Debtor()
    d.feed(case, case.triaged(), china(2026, 10, 2, 10))
    assert not d.sent, "nothing goes out on a public holiday"
    assert {rule for _, _, rule in d.rules("DEFERRED")} == {"QUIET_DAY"}
    assert all(e["deferred_until"] == china(2026, 10, 8, 8) for e in d.logs if e["status"] == "DEFERRED")
    d.wake(china(2026, 10, 8, 8))
    assert sorted(k for _, k, _ in d.sent) == ["demand_letter", "mediation_invitation"]   # legal documents first
    assert guard.Policy is Policy
