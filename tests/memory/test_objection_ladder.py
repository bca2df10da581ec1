"""An objection nobody answers, on the in-memory funnel: the case is never held without an owner, the objection
climbs from the lender's complaint desk to its supervisor and then to the case's mediation centre, collection never
resumes while it is unanswered, and the case does not stay held for ever (docs/rules.md O1, O2, O7, O8)."""
from __future__ import annotations

from datetime import date

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.kernel.lifecycle import ON_HOLD, follow
from remedy.ops.memory_funnel import MemoryFunnel
from tests.memory.world import Script, World, tier, types

EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
LENDER = "LENDER-MEM"
OWNERS = {"CaseHeld": "LENDER_COMPLAINT_DESK", "ObjectionOverdue": "LENDER_SUPERVISOR",
          "ObjectionEscalated": "MEDIATION_CENTRE"}


async def test_an_unanswered_objection_escalates_and_never_leaves_the_case_held_without_an_owner():
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)))
    world = World(funnel, LENDER)
    ids = world.open_cases([Script("unanswered", [("SessionScheduled", tier("PEOPLES"),
                                                   world.request("OBJECTION", ground="WRONG_AMOUNT"), 0)])], seed=7)
    await world.run(days=80)
    events = funnel.by_case[ids["unanswered"]]
    got = types(events)
    held_at = got.index("CaseHeld")
    assert got[held_at:] == ["CaseHeld", "ObjectionOverdue", "ObjectionEscalated", "CaseClosed"], got
    body = {e["type"]: e["event"] for e in events}
    filed = body["ObjectionFiled"]["answer_by"]
    assert {t: body[t]["owner"] for t in OWNERS} == OWNERS, "every rung names who answers for the held case"
    assert body["ObjectionEscalated"]["mediation_centre"] == "MC-350502", "the centre triage named for the case"
    assert body["ObjectionOverdue"]["escalate_on"] == date.fromordinal(filed.toordinal() + 11)
    assert body["CaseClosed"] == {"reason": "OBJECTION_UNANSWERED", "final_stage": "PEOPLES_MEDIATION",
                                  "recovered_cents": 0}
    stage, resume = "OPENED", None
    for e in events:                          # the lifecycle's view: held from the hold to the close, nothing resumed
        stage, resume = follow(stage, resume, e["type"], e["event"])
        if e["type"] in OWNERS:
            assert stage == ON_HOLD, f"{e['type']} while the case was {stage}"
    assert stage == "CLOSED"
