"""China's working days (``remedy.kernel.workdays``) against asking the ``chinese-calendar`` package each time.

    python -m bench.bench_workdays [--rounds 3]

Times, per call: a deadline 15 working days after each day of 2025 (repair's and objections' terms), the next
working day (the mediation desk's session day), and whether a day is a public holiday (notify's quiet days,
asked for every notice released and again when it is sent). The baseline is the same arithmetic over the
package's own ``is_workday`` and ``get_holiday_detail``, in the same run. Medians over the rounds, µs a call.
"""
from __future__ import annotations

import argparse
import statistics
from datetime import date, timedelta

import chinese_calendar

from bench.timing import us_per_call
from remedy.kernel import workdays

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(365)]   # 15 working days on stays in the calendar


def package_add(start: date, n: int) -> date:
    day = start
    while n > 0:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def package_holiday(day: date) -> bool:
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return on_holiday and name is not None


CASES = {
    "15 working days on": (lambda d: workdays.add_working_days(d, 15), lambda d: package_add(d, 15)),
    "next working day": (workdays.next_working_day, lambda d: package_add(d, 1)),
    "public holiday?": (workdays.is_public_holiday, package_holiday),
}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.bench_workdays", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    figures: dict[tuple[str, int], list[float]] = {}
    for r in range(args.rounds):
        for name, fns in CASES.items():
            for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                figures.setdefault((name, side), []).append(us_per_call(fns[side], DAYS))
    print(f"{len(DAYS)} days of 2025, {args.rounds} rounds (Remedy's lookups kept after the first round)")
    print(f"{'call':22s} {'Remedy µs':>10s} {'package µs':>11s} {'ratio':>6s}")
    for name in CASES:
        ours, theirs = statistics.median(figures[(name, 0)]), statistics.median(figures[(name, 1)])
        print(f"{name:22s} {ours:10.2f} {theirs:11.2f} {theirs / ours:5.0f}x")


if __name__ == "__main__":
    main()
