"""The compliance guard, pure: one debtor owing several lenders, bursts across the 22:00 boundary."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

from services.notify import guard, plan
from services.notify.catalogue import Catalogue
from tests.notify_cases import Case, china, contact

CAT = Catalogue.load()
POLICY = guard.Policy()
PERSON = contact()


class Debtor:
    """Drives the guard as the worker does: admit → release → (send) → settle."""

    def __init__(self):
        self.state = None
        self.memory: dict[str, dict] = {}
        self.sent: list[tuple] = []   # (local time, kind, case lender)
        self.logs: list[dict] = []

    def feed(self, case: Case, envelope: dict, now) -> None:
        memory = self.memory.get(case.case_id) or plan.react(None, case.opened(), CAT).state
        decision = plan.react(memory, envelope, CAT)
        self.memory[case.case_id] = decision.state
        for intent in plan.intents(decision):
            self.intent(intent, now)

    def intent(self, intent: dict, now, settle: bool = True) -> list[dict]:
        released = guard.release(guard.admit(self.state, intent).state, now, POLICY)
        self.state, sends = released.state, guard.to_send(released)
        self.logs += guard.entries(released)
        for n in sends:
            self.sent.append((now, n["kind"], n["lender_id"]))
            if settle:
                self.state = guard.settle(self.state, n["notice_id"], "SENT").state
        return sends

    def wake(self, now) -> None:
        self.intent({"op": "wake"}, now)

    def rules(self, status: str) -> list[tuple]:
        return [(e["kind"], e["lender_id"], e["rule"]) for e in self.logs if e["status"] == status]


def at(case: Case, *when) -> Case:
    """The case whose next event happens (and arrives) at ``china(*when)``."""
    case.at = china(*when)
    return case


def test_burst_from_three_lenders_across_22_00_is_deferred_to_08_00_legal_first_and_capped():
    a, b, c = (Case(f"LENDER-{x}", f"L-{x}", PERSON) for x in "ABC")
    assert a.debtor_ref == b.debtor_ref == c.debtor_ref
    d = Debtor()
    d.feed(a, at(a, 2026, 11, 28, 21, 58).triaged(), a.at)               # invitation + demand letter
    d.feed(b, at(b, 2026, 11, 28, 21, 59, 59).session(china(2026, 12, 2, 10)), b.at)
    assert [k for _, k, _ in d.sent] == ["mediation_invitation", "demand_letter", "session_notice"]
    d.feed(c, at(c, 2026, 11, 28, 22, 0, 0).triaged(), c.at)             # the boundary itself is quiet
    d.feed(b, at(b, 2026, 11, 28, 22, 30).instalment_due(), b.at)
    d.feed(a, at(a, 2026, 11, 28, 23, 59).escalated(), a.at)             # risk notice (legal)
    d.feed(c, at(c, 2026, 11, 29, 3).pre_report(), c.at)
    assert len(d.sent) == 3, "nothing is sent between 22:00 and 08:00"
    morning = china(2026, 11, 29, 8)
    deferred = [e for e in d.logs if e["status"] == "DEFERRED"]
    assert {(e["rule"], e["deferred_until"]) for e in deferred} == {("QUIET_HOURS", morning)}
    assert len(deferred) == 5 and all(e["channel"] in ("SMS", "EMAIL") for e in deferred)

    d.wake(morning - timedelta(seconds=1))
    assert len(d.sent) == 3 and len(d.logs) == 5, "07:59:59 is still quiet, and nothing is logged twice"
    d.wake(morning)
    released = [(k, lender) for t, k, lender in d.sent[3:]]
    assert released == [("demand_letter", "LENDER-C"), ("litigation_risk_notice", "LENDER-A"),
                        ("mediation_invitation", "LENDER-C")], "legal documents first, then by arrival"
    capped = [e for e in d.logs if e["rule"] == "DAILY_CAP"]
    assert {(e["kind"], e["deferred_until"]) for e in capped} == {
        ("instalment_reminder", china(2026, 11, 30, 8)), ("pre_report_notice", china(2026, 11, 30, 8))}
    d.wake(china(2026, 11, 29, 12))
    assert len(d.sent) == 6, "the cap holds all day"
    d.wake(china(2026, 11, 30, 8))
    assert [k for _, k, _ in d.sent[6:]] == ["instalment_reminder", "pre_report_notice"]
    per_day = Counter((t + timedelta(hours=8)).date() for t, _, _ in d.sent)
    assert max(per_day.values()) == 3
    assert all(8 <= (t + timedelta(hours=8)).hour < 22 for t, _, _ in d.sent)
    assert not d.rules("SUPPRESSED")


def test_quiet_hours_and_cap_are_settings():
    a = Case("LENDER-A", "L-A", PERSON)
    memory = plan.react(None, a.opened(), CAT).state
    intents = plan.intents(plan.react(memory, a.triaged(), CAT))
    policy = guard.Policy(quiet_start_hour=20, quiet_end_hour=9, daily_contacts=1)
    state = None
    for i in intents:
        state = guard.admit(state, i).state
    night = guard.release(state, china(2026, 11, 28, 20, 30), policy)
    assert not guard.to_send(night) and {e["deferred_until"] for e in guard.entries(night)} == {china(2026, 11, 29, 9)}
    assert night.outcome == "waiting" and {out.topic for out in night.emits} == {"notice.log"}
    morning = guard.release(state, china(2026, 11, 29, 9), policy)
    assert [n["kind"] for n in guard.to_send(morning)] == ["demand_letter"] and morning.outcome == "released"
    assert [e["rule"] for e in guard.entries(morning)] == ["DAILY_CAP"]


def test_hold_defers_everything_but_the_objection_acknowledgement_and_release_lets_it_go():
    a, b = Case("LENDER-A", "L-A", PERSON), Case("LENDER-B", "L-B", PERSON)
    d = Debtor()
    noon = china(2026, 11, 28, 12)
    d.feed(a, a.held(), noon)
    d.feed(a, a.session(china(2026, 12, 2, 10)), noon)
    d.feed(a, a.objection(), noon)
    d.feed(b, b.instalment_due(), noon)
    assert [(k, lender) for _, k, lender in d.sent] == [("objection_ack", "LENDER-A"), ("instalment_reminder", "LENDER-B")]
    assert d.rules("DEFERRED") == [("session_notice", "LENDER-A", "CASE_ON_HOLD")]
    d.feed(a, a.released(), noon + timedelta(hours=1))
    assert d.sent[-1][1] == "session_notice"


def test_nothing_after_close_except_closing_documents():
    a = Case("LENDER-A", "L-A", PERSON)
    d = Debtor()
    night = china(2026, 11, 28, 23)
    d.feed(a, a.instalment_due(), night)                    # waiting for the morning
    d.feed(a, a.resolved(decision="UPHELD_CLOSE"), night)   # waiting too
    d.feed(a, a.closed("OBJECTION_UPHELD"), night)
    d.feed(a, a.instalment_missed(), night)
    d.feed(a, a.repaired(), night)
    d.wake(china(2026, 11, 29, 8))
    assert sorted(k for _, k, _ in d.sent) == ["credit_repair_certificate", "objection_decision"]
    assert sorted(d.rules("SUPPRESSED")) == [("instalment_reminder", "LENDER-A", "CASE_CLOSED"),
                                             ("missed_payment_warning", "LENDER-A", "CASE_CLOSED")]


def test_opt_out_closes_a_channel_for_the_debtor_across_lenders():
    a, b = Case("LENDER-A", "L-A", PERSON), Case("LENDER-B", "L-B", PERSON)
    d = Debtor()
    noon = china(2026, 11, 28, 12)
    d.intent({"op": "opt_out", "case_id": a.case_id, "channels": ["SMS"], "request_id": "R1"}, noon)
    d.feed(b, b.instalment_due(), noon)
    assert d.rules("SUPPRESSED") == [("instalment_reminder", "LENDER-B", "OPTED_OUT")]
    assert [e["channel"] for e in d.logs if e["status"] == "SUPPRESSED"] == ["SMS"]
    sends = d.intent({"op": "notice", "notice": _notice(a, a.session(china(2026, 12, 2, 10)))}, noon)
    assert sends[0]["channels"] == ["EMAIL", "LETTER"]
    d.intent({"op": "opt_out", "case_id": a.case_id, "channels": ["EMAIL", "LETTER"], "request_id": "R2"}, noon)
    sends = d.intent({"op": "notice", "notice": _notice(a, a.filed())}, noon)
    assert not sends and d.logs[-1]["status"] == "SUPPRESSED" and d.logs[-1]["rule"] == "OPTED_OUT"


def _notice(case: Case, envelope: dict) -> dict:
    memory = plan.react(None, case.opened(), CAT).state
    return plan.intents(plan.react(memory, envelope, CAT))[0]["notice"]


def test_a_notice_is_admitted_once_and_a_crash_before_settling_resends_without_recounting():
    a = Case("LENDER-A", "L-A", PERSON)
    n = _notice(a, a.instalment_due())
    noon = china(2026, 11, 28, 12)
    admitted = guard.admit(None, {"op": "notice", "notice": n})
    released = guard.release(admitted.state, noon, POLICY)
    state = released.state
    assert admitted.changed and [s["notice_id"] for s in guard.to_send(released)] == [n["notice_id"]]
    # crash: the inflight record survived, the settle did not
    again = guard.admit(state, {"op": "notice", "notice": n})
    assert not again.changed and again.outcome == "duplicate"
    resent = guard.release(again.state, noon, POLICY)
    state2 = resent.state
    assert [s["notice_id"] for s in guard.to_send(resent)] == [n["notice_id"]] and state2["days"] == state["days"] == {"2026-11-28": 1}
    settled = guard.settle(state2, n["notice_id"], "SENT")
    assert settled.changed and not guard.settle(settled.state, n["notice_id"], "SENT").changed
    third = guard.admit(settled.state, {"op": "notice", "notice": n})
    state3 = third.state
    assert not third.changed
    assert guard.to_send(guard.release(state3, noon, POLICY)) == []
    assert guard.next_due(state) == 0 and guard.next_due(state3) is None


def test_redelivered_controls_change_nothing():
    held = guard.admit(None, {"op": "hold", "case_id": "C1"})
    assert held.changed
    assert guard.admit(held.state, {"op": "hold", "case_id": "C1"}).changed is False
    assert guard.admit(held.state, {"op": "release", "case_id": "C1"}).state["held"] == []


def test_a_notice_whose_case_closed_after_its_release_is_not_sent():
    n = {"case_id": "C1", "after_close": False}
    assert not guard.closed_since_release(None, n)
    assert not guard.closed_since_release({"closed": ["C2"]}, n)
    assert guard.closed_since_release({"closed": ["C1"]}, n)
    assert not guard.closed_since_release({"closed": ["C1"]}, {**n, "after_close": True}), "closing documents still go"
