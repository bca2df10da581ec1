"""China's working-day calendar, pure: the State Council's holidays and adjusted working days (调休), and
what happens for a year the calendar does not know yet."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest

from remedy.kernel import workdays
from remedy.kernel.workdays import add_working_days, is_working_day, next_working_day


@pytest.mark.parametrize("day,working", [
    (date(2026, 2, 13), True),    # Friday before the Spring Festival
    (date(2026, 2, 14), True),    # Saturday, an adjusted working day (调休)
    (date(2026, 2, 16), False),   # Monday, Spring Festival
    (date(2026, 2, 23), False),   # Monday, the Festival's last day off
    (date(2026, 2, 24), True),    # Tuesday, back at work
    (date(2026, 2, 28), True),    # Saturday, an adjusted working day
    (date(2026, 10, 1), False),   # Thursday, National Day
    (date(2026, 10, 7), False),   # Wednesday, still National Day
    (date(2026, 10, 10), True),   # Saturday, an adjusted working day
    (date(2026, 10, 11), False),  # an ordinary Sunday
    (date(2026, 6, 1), True),     # an ordinary Monday
])
def test_working_days_follow_the_state_council_calendar(day, working):
    assert is_working_day(day) is working


def test_a_deadline_counted_in_working_days_skips_the_spring_festival_and_counts_the_adjusted_saturday():
    assert add_working_days(date(2026, 2, 12), 1) == date(2026, 2, 13)   # Thu → Fri
    assert add_working_days(date(2026, 2, 12), 2) == date(2026, 2, 14)   # the 调休 Saturday counts
    assert add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)   # Sat 14, then Tue 24, Wed 25
    assert add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)   # Wed 30, then Fri 9 Oct
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)


def test_the_next_working_day_after_a_holiday():
    assert next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)      # National Day: Thu 1 – Wed 7 off
    assert next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)      # the 调休 Saturday
    assert next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert next_working_day(date(2026, 6, 5)) == date(2026, 6, 8)        # an ordinary weekend


def test_a_year_beyond_the_calendar_falls_back_to_monday_to_friday_warned_once_and_counted(caplog):
    last = workdays.LAST_YEAR
    later = date(last + 1, 1, 1)
    while later.weekday() != 4:   # a Friday of the year after the calendar's last
        later = date.fromordinal(later.toordinal() + 1)
    before = workdays.beyond_calendar_lookups().get(later.year, 0)
    with caplog.at_level(logging.WARNING, logger="remedy.kernel.workdays"):
        assert next_working_day(later).weekday() == 0
        assert is_working_day(later) and not is_working_day(date.fromordinal(later.toordinal() + 1))
    assert workdays.beyond_calendar_lookups()[later.year] > before
    warned = [r for r in caplog.records if str(later.year) in r.getMessage()]
    assert len(warned) <= 1, "one warning per year and process, not one per lookup"
    assert workdays.covers(date(last, 12, 31)) and not workdays.covers(later)


def test_every_service_exposes_the_lookups_beyond_the_calendar_as_a_metric():
    from remedy.runtime.metrics import ServiceMetrics
    year = workdays.LAST_YEAR + 2
    is_working_day(date(year, 3, 2))
    text = ServiceMetrics("repair").exposition()[0].decode()
    counted = workdays.beyond_calendar_lookups()[year]
    assert f'remedy_repair_workdays_beyond_calendar_total{{year="{year}"}} {float(counted)}' in text
    assert f"remedy_repair_workdays_calendar_last_year {float(workdays.LAST_YEAR)}" in text


def test_every_day_of_the_calendar_gets_the_packages_own_answer_and_the_kept_answers_stay_bounded():
    day, last = date(workdays.FIRST_YEAR, 1, 1), date(workdays.LAST_YEAR, 12, 31)
    while day <= last:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert workdays.is_working_day(day) == chinese_calendar.is_workday(day), day
        assert workdays.is_public_holiday(day) == (on_holiday and name is not None), day
        day += timedelta(days=1)
    for kept in (workdays._workday, workdays._public_holiday):
        info = kept.cache_info()
        assert info.maxsize == workdays.CALENDAR_DAYS and info.currsize <= info.maxsize
