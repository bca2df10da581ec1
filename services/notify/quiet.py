"""When the debtor may not be contacted: quiet hours every night (rule C4) and quiet days, China's public
holidays (rule C8: 法定节假日 and the days off the State Council's notice joins to them, by the working-day
calendar of ``remedy.kernel.workdays``). Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from remedy.kernel.clock import CHINA_TZ
from remedy.kernel.workdays import is_public_holiday


@dataclass(frozen=True)
class Policy:
    quiet_start_hour: int = 22
    quiet_end_hour: int = 8
    daily_contacts: int = 3
    quiet_holidays: bool = True


def _night(local: datetime, policy: Policy) -> bool:
    start, end = policy.quiet_start_hour, policy.quiet_end_hour
    return (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)


def _holiday(day, policy: Policy) -> bool:
    return policy.quiet_holidays and is_public_holiday(day)


def quiet(now: datetime, policy: Policy) -> datetime | None:
    """When the quiet time ``now`` falls in ends (the first morning, ``quiet_end_hour`` local time, that is
    not a public holiday), or None when ``now`` is not quiet."""
    local = now.astimezone(CHINA_TZ)
    if not _night(local, policy) and not _holiday(local.date(), policy):
        return None
    day = local.date() + timedelta(days=1) if local.hour >= policy.quiet_end_hour else local.date()
    while _holiday(day, policy):
        day += timedelta(days=1)
    return datetime.combine(day, time(policy.quiet_end_hour), CHINA_TZ).astimezone(timezone.utc)


def quiet_rule(now: datetime, policy: Policy) -> str:
    """The rule a notice deferred at ``now`` waits under: ``QUIET_DAY`` on a public holiday, else ``QUIET_HOURS``."""
    return "QUIET_DAY" if _holiday(now.astimezone(CHINA_TZ).date(), policy) else "QUIET_HOURS"


def next_morning(now: datetime, policy: Policy) -> datetime:
    day = now.astimezone(CHINA_TZ).date() + timedelta(days=1)
    return datetime.combine(day, time(policy.quiet_end_hour), CHINA_TZ).astimezone(timezone.utc)
