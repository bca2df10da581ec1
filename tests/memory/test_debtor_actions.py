"""The debtor's actions on the in-memory funnel: a mediator's offer accepted by the debtor settles the case on that
plan and goes to the court for confirmation; a complaint is routed to its department, answered, and shown to the
debtor by the gateway's read model built from the same topics (docs/rules.md M12, M13, C1 – C4)."""
from __future__ import annotations

from datetime import timedelta

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.ops.memory_funnel import MemoryFunnel
from services.gateway import complaints
from services.gateway.projection import Projection
from tests.broker.funnel_helpers import outcome, plan
from tests.memory.world import Script, World, anything, tier, types

EPOCH = "2026-12-01T01:00:00+00:00"   # 09:00 in China
LENDER = "LENDER-MEM"
TEXT, ANSWER = "催收员在晚上十一点打电话", "已约谈贷款机构，责令整改"


def offer(w: World, amount: int):
    return lambda e: w.send("mediation.outcomes", "MediationOutcome", outcome(
        e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "OFFERED", w.now(),
        plan([amount], w.today() + timedelta(days=10), kind="LUMP_SUM"), oid=f"O-offer-{e['event_id']}"))


def read_model(funnel: MemoryFunnel) -> Projection:
    """The gateway's read model of the funnel's topics, as its reader builds it."""
    p = Projection()
    for r in funnel.bus.records("debtor.requests"):
        p.apply_input("debtor.requests", r.id, funnel.codec.decode(r.value, expect="DebtorRequest")[1])
    for e in sorted((e for events in funnel.by_case.values() for e in events), key=lambda e: e["occurred_at"]):
        p.apply_event(e)
    return p


async def test_an_accepted_offer_settles_on_its_plan_and_goes_for_confirmation_and_a_second_acceptance_is_refused():
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)))
    w = World(funnel, LENDER)
    ids = w.open_cases([Script("accepts", [("SessionScheduled", tier("PEOPLES"), offer(w, 700_000), 0),
                                           ("SettlementOffered", anything, w.request("ACCEPT_OFFER"), 1),
                                           ("MediationSettled", anything, w.request("ACCEPT_OFFER"), 0)]),
                        Script("ignores", [("SessionScheduled", tier("PEOPLES"), offer(w, 800_000), 0)])], seed=11)
    await w.run(days=12)
    got = types(funnel.by_case[ids["accepts"]])
    assert got[-3:] == ["SettlementOffered", "MediationSettled", "ConfirmationRequested"], got
    settled = next(e["event"] for e in funnel.by_case[ids["accepts"]] if e["type"] == "MediationSettled")
    assert settled["accepted_by_debtor"] and settled["plan"]["total_cents"] == 700_000
    dead = funnel.decoded("mediation.dlq", "DeadLetter")
    assert [d["error_type"] for d in dead] == ["NoOpenOffer"], "the second acceptance: nothing left to accept"
    assert "MediationSettled" not in types(funnel.by_case[ids["ignores"]]), "an offer nobody accepts settles nothing"
    await w.run(days=25)
    ignored = types(funnel.by_case[ids["ignores"]])
    assert "MediationFailed" in ignored and "MediationSettled" not in ignored, "it lapses with the tier"
    p = read_model(funnel)
    assert p.cases[ids["accepts"]].plan["plan"]["total_cents"] == 700_000 and p.cases[ids["accepts"]].offer is None


async def test_a_complaint_is_routed_answered_and_shown_to_the_debtor_and_an_unanswered_one_goes_overdue():
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)))
    w = World(funnel, LENDER)
    routed = lambda field: (lambda e: e["event"][field])   # noqa: E731
    answer = w.request("COMPLAINT_ANSWER", complaint_id=routed("complaint_id"), department_id=routed("department_id"),
                       answer_outcome="UPHELD", detail=ANSWER)
    ids = w.open_cases([Script("answered", [("SessionScheduled", tier("PEOPLES"),
                                             w.request("COMPLAINT", category="COLLECTION_CONDUCT", detail=TEXT), 0),
                                            ("ComplaintRouted", anything, answer, 3)]),
                        Script("unanswered", [("SessionScheduled", tier("PEOPLES"),
                                               w.request("COMPLAINT", category="FEES_AND_CHARGES", detail=TEXT), 0)])],
                       seed=12)
    await w.run(days=20)
    got = types(funnel.by_case[ids["answered"]])
    assert "ComplaintRouted" in got and "ComplaintAnswered" in got and "ComplaintOverdue" not in got, got
    body = {e["type"]: e["event"] for e in funnel.by_case[ids["answered"]]}
    assert body["ComplaintRouted"]["department_id"] == "DEPT-CBIRC-350500"
    assert body["ComplaintAnswered"]["outcome"] == "UPHELD" and not body["ComplaintAnswered"]["late"]
    assert types(funnel.by_case[ids["unanswered"]])[-2:] == ["ComplaintRouted", "ComplaintOverdue"], \
        "the lender's desk had 15 days"
    assert TEXT not in str(funnel.by_case) and ANSWER not in str(funnel.by_case), "no text on the case log"
    p = read_model(funnel)
    (shown,) = complaints.for_debtor(p, p.cases[ids["answered"]])
    assert (shown["department"], shown["status"], shown["text"]) == ("FINANCIAL_REGULATOR", "ANSWERED", TEXT)
    assert (shown["answer"]["outcome"], shown["answer"]["text"]) == ("UPHELD", ANSWER)
    (late,) = complaints.for_department(p, "DEPT-LENDER-" + LENDER)
    assert late["status"] == "OVERDUE" and late["text"] == TEXT
