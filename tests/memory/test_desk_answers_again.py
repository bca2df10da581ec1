"""A mediation worker killed after the desk assigned a case but before the case's own state was saved: once
restarted, the case still gets its mediator and its session, each published once.

The order the kill leaves behind, played on the in-memory funnel: the case's request reached the desk and the
desk's answer reached ``mediation.assignments``, but the case's state after ``CaseTriaged`` was lost, and so was
the commit of ``CaseTriaged``. After the restart the answer is read first, while the case is still only opened,
and is dropped as stale; then ``CaseTriaged`` is read again and the case asks the desk again. The desk has the
request as assigned, so it answers it again with the same events instead of ignoring it."""
from __future__ import annotations

import copy
from collections import Counter

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.ops.memory_funnel import MemoryFunnel
from remedy.runtime.memory import Agent, MemoryHost, MemoryRunner
from tests.memory.world import Script, World

MONDAY_10_IN_CHINA = "2026-12-07T02:00:00+00:00"


def agent_of(host: MemoryHost, topic: str) -> Agent:
    return next(a for a in host.agents if a.topic == topic)


async def read(host: MemoryHost, topic: str, until=lambda record: False) -> None:
    """Hand ``topic``'s waiting records to ``host``'s agent one by one, stopping after the one ``until`` picks."""
    agent = agent_of(host, topic)
    for partition, position in enumerate(agent.positions):
        for record in host.bus.read(topic, partition, position, 10_000):
            await agent.handle(record)
            agent.positions[partition] = agent.committed[partition] = record.offset + 1
            if until(record):
                return


async def test_an_answer_dropped_after_a_restart_is_given_again_and_the_case_gets_its_session_once():
    funnel = MemoryFunnel(FrozenClock(parse_instant(MONDAY_10_IN_CHINA)), services=("intake", "triage", "mediation"))
    case_id = next(iter(World(funnel, "LENDER-DESK").open_cases([Script("c1")], seed=3).values()))
    await MemoryRunner(funnel.bus, [funnel.host("intake"), funnel.host("triage")]).settle()
    mediation = funnel.host("mediation")
    cases, events = mediation.tables["cases"], funnel.codec

    def is_a(type_):
        return lambda record: events.decode(record.value, expect="CaseEvent")[1]["type"] == type_

    await read(mediation, "case.events", until=is_a("CaseOpened"))
    case_log = agent_of(mediation, "case.events")
    opened, positions = copy.deepcopy(cases.get(case_id)), list(case_log.positions)
    await read(mediation, "case.events", until=is_a("CaseTriaged"))
    await read(mediation, "mediation.desk")                 # the desk assigns: its answer waits on mediation.assignments
    assert cases.get(case_id)["stage"] == "PEOPLES_MEDIATION" and opened["stage"] != "PEOPLES_MEDIATION"

    await cases.put(case_id, opened)                        # killed: the case's state and its commit were lost
    case_log.positions = case_log.committed = positions
    await read(mediation, "mediation.assignments")          # read first after the restart: the case is only opened
    assert cases.get(case_id)["mediator_id"] is None
    await funnel.settle()

    published = Counter(e["type"] for e in funnel.decoded("case.events", "CaseEvent") if e["case_id"] == case_id)
    assert published["MediatorAssigned"] == published["SessionScheduled"] == 1
    assert cases.get(case_id)["mediator_id"] and cases.get(case_id)["session"]
    assigned = [e for e in funnel.decoded("mediation.assignments", "CaseEvent") if e["type"] == "MediatorAssigned"]
    assert len(assigned) == 2 and assigned[0] == assigned[1], "the same answer again: same event id, same mediator"
    loads = {k: v for k, v in mediation.tables["desk"].items() if k.startswith("load/")}
    assert sum(count for _, count in loads.values()) == 1, "the mediator's day counts the case once"
