"""China's working days. Pure: the calendar is the ``chinese-calendar`` package's own data.

A working day is what the State Council's yearly notice on public holidays (国务院办公厅关于部分节假日安排的
通知) makes it: Monday to Friday except the public holidays, plus the weekend days it turns into working
days (调休). Every deadline Remedy counts in working days, and the mediation desk's session days, use it.

The package ships the years up to ``LAST_YEAR``. A year's notice is published in the autumn before it, so a
deadline may run into a year nobody knows yet: for a date outside the calendar, Monday to Friday is used.
Each such lookup is counted (``beyond_calendar_lookups``, exposed as a metric by the runtime) and the first
of each year is logged as a warning: upgrade the package once the notice is out (docs/rules.md).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year

_log = logging.getLogger(__name__)
_beyond: dict[int, int] = {}   # year → lookups answered Monday–Friday: bounded by the years asked about
CALENDAR_DAYS = (date(LAST_YEAR, 12, 31) - date(FIRST_YEAR, 1, 1)).days + 1   # every day a lookup can cache


@lru_cache(maxsize=CALENDAR_DAYS)
def _workday(day: date) -> bool:
    """The package's answer, kept: each of its lookups scans every holiday it knows for the years it covers
    (~26 µs; counting 15 working days took ~0.5 ms). Bounded by the calendar's days."""
    return chinese_calendar.is_workday(day)


@lru_cache(maxsize=CALENDAR_DAYS)
def _public_holiday(day: date) -> bool:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return on_holiday and name is not None


def covers(day: date) -> bool:
    """The calendar knows the year of ``day``."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def is_working_day(day: date) -> bool:
    """A working day in China; Monday to Friday for a year the calendar does not know (warned, counted)."""
    if covers(day):
        return _workday(day)
    if day.year not in _beyond:
        _log.warning("工作日历未收录 %d 年，按周一至周五计算 / the working-day calendar ends with %d: %d is counted "
                     "Monday to Friday; upgrade chinese-calendar once the State Council's notice for %d is out",
                     day.year, LAST_YEAR, day.year, day.year)
    _beyond[day.year] = _beyond.get(day.year, 0) + 1
    return day.weekday() < 5


def is_public_holiday(day: date) -> bool:
    """A day off of a public holiday (法定节假日 and the days the State Council's notice joins to it), not a
    plain weekend; False for a year the calendar does not know (warned, counted)."""
    if covers(day):
        return _public_holiday(day)
    is_working_day(day)   # warns and counts the lookup beyond the calendar
    return False


def next_working_day(day: date) -> date:
    """The first working day after ``day`` (``day`` itself never counts)."""
    return add_working_days(day, 1)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself never counts); n=0 gives ``start``."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def beyond_calendar_lookups() -> dict[int, int]:
    """Per year outside the calendar: how many times this process answered Monday–Friday for it."""
    return dict(_beyond)
