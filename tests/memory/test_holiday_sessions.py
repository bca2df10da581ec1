"""A case triaged on the eve of National Day has its mediation session on the next working day, on the in-memory
funnel (intake, triage and mediation on their own wiring): 1 – 7 October 2026 are public holidays."""
from __future__ import annotations

from datetime import date, timedelta

from remedy.kernel.clock import CHINA_TZ, FrozenClock, parse_instant
from remedy.ops.memory_funnel import MemoryFunnel
from tests.memory.world import Script, World

EVE_OF_NATIONAL_DAY = "2026-09-30T02:00:00+00:00"   # Wednesday 10:00 in China


async def test_a_session_booked_on_the_eve_of_national_day_is_held_on_8_october():
    funnel = MemoryFunnel(FrozenClock(parse_instant(EVE_OF_NATIONAL_DAY)), services=("intake", "triage", "mediation"))
    world = World(funnel, "LENDER-HOLIDAY")
    ids = world.open_cases([Script(f"case{n}") for n in range(3)], seed=5)
    await funnel.run(timedelta(hours=6), step=timedelta(hours=1))
    sessions = [e["event"] for cid in ids.values() for e in funnel.by_case[cid] if e["type"] == "SessionScheduled"]
    assert len(sessions) == 3
    assert {s["scheduled_at"].astimezone(CHINA_TZ).date() for s in sessions} == {date(2026, 10, 8)}
