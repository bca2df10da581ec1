"""From CaseEvents to notice intents: deterministic ids, no PII, bad input typed."""
from __future__ import annotations

import base64
import json

import pytest

from remedy.contract.codec import Codec
from remedy.kernel.decision import Decision
from remedy.kernel.settings import REPO_ROOT
from services.notify import plan
from services.notify.catalogue import Catalogue
from tests.notify_cases import Case, contact

CAT = Catalogue.load()
CODEC = Codec(REPO_ROOT / "schemas")


def test_scripted_events_are_valid_case_events():
    case = Case("LENDER-A", "L-1", contact())
    for e in [case.opened(), *case.every_notice_event(), case.held(), case.released(), case.closed()]:
        assert CODEC.decode(CODEC.encode("CaseEvent", e), expect="CaseEvent")[1]["type"] == e["type"]


def test_one_notice_per_case_kind_occasion_and_redelivery_gives_the_same_ids():
    case = Case("LENDER-A", "L-1", contact())
    memory = plan.react(None, case.opened(), CAT).state
    triaged = case.triaged()
    first = plan.intents(plan.react(memory, triaged, CAT))
    again = plan.intents(plan.react(memory, CODEC.decode(CODEC.encode("CaseEvent", triaged))[1], CAT))
    assert [i["notice"]["notice_id"] for i in first] == [i["notice"]["notice_id"] for i in again]
    assert len({i["notice"]["notice_id"] for i in first}) == 2
    due1 = plan.intents(plan.react(memory, case.instalment_due(seq=1), CAT))
    due2 = plan.intents(plan.react(memory, case.instalment_due(seq=2), CAT))
    assert due1[0]["notice"]["notice_id"] != due2[0]["notice"]["notice_id"]
    assert due1[0]["notice"]["occasion"] == "1"
    other = Case("LENDER-B", "L-1", contact())
    assert plan.notice_id(case.case_id, "demand_letter", "triaged") != plan.notice_id(other.case_id, "demand_letter", "triaged")


def test_intents_carry_only_the_sealed_contact_and_no_free_text():
    person = contact()
    case = Case("LENDER-A", "L-1", person)
    opened = case.opened()
    memory = plan.react(None, opened, CAT).state
    intents = []
    for e in case.every_notice_event():
        decision = plan.react(memory, e, CAT)
        memory, intents = decision.state, intents + plan.intents(decision)
        assert all(out.key == case.debtor_ref for out in decision.internal)
    text = json.dumps(intents, ensure_ascii=False) + json.dumps(memory, ensure_ascii=False)
    for secret in (person["name"], person["national_id"], person["phone"], person["email"], "13900000000"):
        assert secret not in text
    assert base64.b64decode(intents[0]["notice"]["sealed"]) == opened["event"]["facts"]["sealed_contact"]
    assert all(i["notice"]["debtor_ref"] == case.debtor_ref for i in intents)


def test_triage_to_relief_sends_no_collection_notices_and_controls_are_intents():
    case = Case("LENDER-A", "L-1", contact())
    opened = plan.react(None, case.opened(), CAT)
    memory = opened.state
    assert opened.outcome == "remembered" and opened.internal == []
    relief = plan.react(memory, case.triaged(route="RELIEF"), CAT)
    assert plan.intents(relief) == [] and relief.outcome == "noted" and relief.state["court"]
    held = plan.react(memory, case.held(), CAT)
    assert plan.intents(held) == [{"op": "hold", "case_id": case.case_id}] and held.outcome == "planned"
    assert plan.intents(plan.react(memory, case.closed(), CAT)) == [{"op": "close", "case_id": case.case_id}]
    escalated = plan.react(memory, case.escalated(to_stage="COURT_MEDIATION", from_stage="PEOPLES_MEDIATION"), CAT)
    assert plan.intents(escalated) == [] and escalated.outcome == "ignored" and escalated.state == memory


def test_events_for_an_unknown_case_and_bad_opt_outs_are_typed_errors():
    case = Case("LENDER-A", "L-1", contact())
    with pytest.raises(plan.UnknownCase):
        plan.react(None, case.triaged(), CAT)
    assert plan.react(None, case.event("MediatorAssigned", {"tier": "PEOPLES", "mediator_id": "M", "queue_wait_ms": 0}),
                      CAT) == Decision(None, outcome="ignored")
    with pytest.raises(plan.UnknownCase):
        plan.opt_out(None, {"case_id": case.case_id, "channel": "SMS", "request_id": "R"})
    with pytest.raises(plan.BadRequest):
        plan.opt_out({"debtor_ref": "D"}, {"case_id": case.case_id, "channel": "PIGEON", "request_id": "R"})
    opted = plan.opt_out({"debtor_ref": "D"}, {"case_id": "C", "channel": None, "request_id": "R"})
    assert [(out.topic, out.key, out.record["channels"]) for out in opted.internal] == [("notify.intents", "D", ["EMAIL", "SMS"])]
    assert opted.state == {"debtor_ref": "D"} and opted.outcome == "opted_out"
