"""A tiny harness for mediation's pure state machine: events in, state and emitted events out."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from remedy.contract.codec import Codec
from remedy.kernel.settings import REPO_ROOT
from services.mediation import case, desk, queue

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)   # 10:00 China time
TERMS = case.Terms(tier_days=30, confirmation_days=30, reminder_days=3, grace_days=5)
CODEC = Codec(REPO_ROOT / "schemas")
HARDSHIP = {k: False for k in ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")}


def ev(type_: str, body: dict, *, producer: str = "triage", eid: str | None = None, case_id: str = "C1",
       cause: str = "x") -> dict:
    return {"event_id": eid or f"E-{type_}-{producer}", "case_id": case_id, "lender_id": "L1", "occurred_at": T0,
            "producer": producer, "causation_id": cause, "type": type_, "event": body}


def opened(principal=1_000_000, interest=200_000, penalty=50_000, **hardship) -> dict:
    return ev("CaseOpened", {"facts": {"principal_cents": principal, "interest_cents": interest, "penalty_cents": penalty,
                                       "region_code": "350502", "hardship": {**HARDSHIP, **hardship}}}, producer="intake")


def triaged(route="PEOPLES_MEDIATION", reasons=("DEFAULT_ROUTE",)) -> dict:
    return ev("CaseTriaged", {"route": route, "rule_version": "v1", "reason_codes": list(reasons), "score": 600,
                              "mediation_centre": "MC-350502", "court": "CT-350502", "cross_region": False})


def plan(kind="INSTALMENTS", amounts=(60_000, 40_000), first=date(2027, 1, 10), waived_penalty=50_000) -> dict:
    return {"kind": kind, "total_cents": sum(amounts), "waived_penalty_cents": waived_penalty, "waived_interest_cents": 0,
            "instalments": [{"seq": n + 1, "due_date": first + timedelta(days=30 * n), "amount_cents": a}
                            for n, a in enumerate(amounts)]}


def outcome(kind: str, *, tier="PEOPLES", mediator="PM-1", oid=None, with_plan=None) -> dict:
    return {"outcome_id": oid or f"O-{kind}-{tier}", "case_id": "C1", "mediator_id": mediator, "tier": tier,
            "outcome": kind, "plan": with_plan, "note": "", "recorded_at": T0}


def decision(kind: str, did=None, reason="") -> dict:
    return {"decision_id": did or f"D-{kind}", "case_id": "C1", "court": "CT-350502", "kind": kind,
            "court_case_no": "(2026)闽0502民特1号", "awarded_cents": None, "performance_due": None,
            "enforcement_result": None, "recovered_cents": 0, "reason": reason, "decided_at": T0}


def payment(ref: str, amount: int) -> dict:
    return {"payment_ref": ref, "case_id": "C1", "amount_cents": amount, "paid_at": T0, "channel": "bank_transfer"}


class Case:
    """One case driven through the machine; ``events`` collects everything emitted, all checked
    against the Avro contract."""

    def __init__(self, terms=TERMS):
        self.state, self.events, self.desk, self.terms = None, [], [], terms

    def _take(self, step: case.Step) -> case.Step:
        if step.state is not None:
            self.state = step.state
        for out in step.emits:
            CODEC.decode(CODEC.encode("CaseEvent", out.record), expect="CaseEvent")
            self.events.append(out.record)
        self.desk += [{k: v for k, v in out.record.items() if v is not None} for out in step.internal]
        return step

    def event(self, e: dict, now=T0) -> case.Step:
        return self._take(case.on_case_event(self.state, e, self.terms, now))

    def outcome(self, o: dict, now=T0) -> case.Step:
        return self._take(case.on_outcome(self.state, o, f"mediation.outcomes/0/{o['outcome_id']}", self.terms, now))

    def decision(self, d: dict, now=T0) -> case.Step:
        return self._take(case.on_court_decision(self.state, d, f"court.decisions/0/{d['decision_id']}", self.terms, now))

    def pay(self, p: dict, now=T0) -> case.Step:
        return self._take(case.on_payment(self.state, p, f"payments/0/{p['payment_ref']}", now))

    def sweep(self, now) -> case.Step:
        step = case.sweep(self.state, self.terms, now)
        due = case.next_due_ms(self.state, self.terms)
        if due is None or now.timestamp() * 1000 < due:  # the due index would not tick it: nothing may change
            assert step.state is None and not step.emits
        return self._take(step)

    def assignment(self, e: dict) -> case.Step:
        return self._take(case.on_assignment(self.state, e))

    def assign(self, tier="PEOPLES", mediator="PM-1") -> None:
        self.assignment(ev("MediatorAssigned", {"tier": tier, "mediator_id": mediator, "queue_wait_ms": 0},
                           producer="mediation", eid=f"E-assign-{tier}-{self.state['attempt']}",
                           cause=self.state["tier_cause"]))   # as the desk answers: the request's cause
        self.assignment(ev("SessionScheduled", {"tier": tier, "mediator_id": mediator, "mode": "PHONE",
                                                "scheduled_at": T0, "location": None, "video_link": None},
                           producer="mediation", eid=f"E-session-{tier}-{self.state['attempt']}"))

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def last(self, type_: str) -> dict:
        return [e for e in self.events if e["type"] == type_][-1]

    @property
    def stage(self) -> str:
        return self.state["stage"]


def in_peoples_session() -> Case:
    c = Case()
    c.event(opened())
    c.event(triaged())
    c.assign()
    return c


def confirmed(amounts=(60_000, 40_000), first=date(2027, 1, 10)) -> Case:
    c = in_peoples_session()
    c.outcome(outcome("SETTLED", with_plan=plan(amounts=amounts, first=first)))
    c.decision(decision("CONFIRMATION_GRANTED"))
    return c


# ---- the desk over a table ------------------------------------------------------------------------

class Table(dict):
    """A desk table as a dict that counts its reads: a decision must not read the whole queue."""

    reads = 0

    def get(self, key, default=None):
        self.reads += 1
        return super().get(key, default)


def empty() -> queue.Desk:
    return queue.Desk(Table())


def apply(state: queue.Desk, change: desk.Change) -> queue.Desk:
    """The desk after ``change``, as the worker persists it."""
    table = state.table
    for key, value in queue.plan(table, change).items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return queue.Desk(table)


def restore(waiting: dict[str, dict], day: str, loads: dict[str, int]) -> queue.Desk:
    return apply(empty(), desk.Change(day, loads, joined=waiting))
