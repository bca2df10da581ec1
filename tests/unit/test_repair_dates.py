"""repair, pure: working-day counting, record expiry, the PBOC one-off repair window edges."""
from __future__ import annotations

from datetime import date

import pytest

from remedy.kernel.workdays import add_working_days
from services.repair.dates import PbocOneOff, add_years

RULE = PbocOneOff()


@pytest.mark.parametrize("start,n,expected", [   # June 2026: no public holiday, no adjusted working day
    (date(2026, 6, 1), 3, date(2026, 6, 4)),    # Mon → Thu
    (date(2026, 6, 3), 3, date(2026, 6, 8)),    # Wed → next Mon
    (date(2026, 6, 5), 3, date(2026, 6, 10)),   # Fri → Wed
    (date(2026, 6, 6), 3, date(2026, 6, 10)),   # Sat → Wed (Mon, Tue, Wed)
    (date(2026, 6, 7), 3, date(2026, 6, 10)),   # Sun → Wed
    (date(2026, 6, 5), 1, date(2026, 6, 8)),    # Fri → Mon
    (date(2026, 6, 6), 0, date(2026, 6, 6)),
])
def test_ordinary_weeks_count_monday_to_friday_after_the_start(start, n, expected):
    assert add_working_days(start, n) == expected


def test_negative_record_expires_five_years_after_the_behaviour_ends():
    assert add_years(date(2026, 5, 4), 5) == date(2031, 5, 4)
    assert add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)


@pytest.mark.parametrize("amount,due,repaid,applies", [
    (1_000_000, date(2023, 6, 1), date(2026, 3, 31), True),    # exactly 10,000 CNY, repaid on the last day
    (1_000_001, date(2023, 6, 1), date(2026, 3, 31), False),   # one fen over
    (500_000, date(2023, 6, 1), date(2026, 4, 1), False),      # repaid a day late
    (500_000, date(2019, 12, 31), date(2026, 1, 5), True),     # overdue from 2020-01-01: first day of the window
    (500_000, date(2019, 12, 30), date(2026, 1, 5), False),    # overdue from 2019-12-31
    (500_000, date(2025, 12, 30), date(2026, 1, 5), True),     # overdue from 2025-12-31: last day of the window
    (500_000, date(2025, 12, 31), date(2026, 1, 5), False),    # overdue from 2026-01-01
])
def test_pboc_one_off_repair_window_edges(amount, due, repaid, applies):
    assert RULE.applies(amount, due, repaid) is applies
