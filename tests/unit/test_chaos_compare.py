"""The chaos harness's comparison (bench/chaos_compare.py) catches every kind of difference it exists
for — a lost case, a changed final stage, a lost and a duplicated notice, a notice id delivered twice, a
ClickHouse row lost or duplicated, a new dead letter — and finds none between equal runs; the
schedule and the world that make two runs comparable depend on the seed and the cases alone."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from bench.chaos_compare import (Outcome, compare, counter_diff, deliveries, exactly_once, final_stages, first_seen,
                                 notice_diff)
from bench.chaos_kills import PIPELINE, default_instances, schedule
from bench.chaos_table import differences
from bench.chaos_world import CaseWorld
from sim.world import Action

AT = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def ev(case: str, type_: str, event_id: str, **body) -> dict:
    return {"event_id": event_id, "case_id": case, "lender_id": "L1", "type": type_, "event": body,
            "occurred_at": AT, "causation_id": "x", "producer": "p"}


def outcome(**changes) -> Outcome:
    base = Outcome(stages={"C1": "PERFORMING", "C2": "CLOSED"},
                   notices=Counter({("C1", "demand_letter"): 1, ("C1", "session_notice"): 2, ("C2", "demand_letter"): 1}),
                   repeated=Counter(), rows={"case_events": (0, 0), "notices": (0, 0)},
                   signatures=Counter({("C1", "CaseOpened", 1): 1, ("C2", "CaseOpened", 1): 1}),
                   dead=Counter({("mediation", "mediation.outcomes", "C2", "CaseOnHold"): 1}))
    for name, value in changes.items():
        setattr(base, name, value)
    return base


def test_equal_runs_have_no_difference():
    assert compare(outcome(), outcome()).total == 0


def test_a_lost_case_and_a_changed_final_stage_are_caught():
    diff = compare(outcome(), outcome(stages={"C1": "PEOPLES_MEDIATION"}))
    assert diff.missing_cases == ["C2"] and diff.extra_cases == []
    assert diff.stages == {"C1": ("PERFORMING", "PEOPLES_MEDIATION")} and diff.total == 2


def test_a_lost_and_a_duplicated_notice_are_caught_per_kind():
    chaos = Counter({("C1", "demand_letter"): 2, ("C1", "session_notice"): 1, ("C2", "demand_letter"): 1})
    diff = compare(outcome(), outcome(notices=chaos))
    assert diff.notices == {"demand_letter": (0, 1), "session_notice": (1, 0)} and diff.total == 2
    assert notice_diff(chaos, chaos) == {}


def test_a_notice_id_delivered_twice_is_caught_even_when_the_counts_match():
    per_kind, repeated = deliveries(["N1", "N2", "N1"], [{"notice_id": "N1", "case_id": "C1", "kind": "k"},
                                                       {"notice_id": "N2", "case_id": "C2", "kind": "k"}])
    assert per_kind == Counter({("C1", "k"): 2, ("C2", "k"): 1}) and repeated == Counter({"N1": 1})
    assert compare(outcome(), outcome(repeated=repeated)).repeated == 1


def test_a_delivery_the_notice_log_never_named_counts_under_an_unknown_kind():
    per_kind, _ = deliveries(["N9"], [])
    assert per_kind == Counter({("?", "?"): 1})


def test_clickhouse_rows_lost_duplicated_or_from_nowhere_are_caught():
    assert exactly_once({"E1", "E2"}, ["E1", "E2"]) == (0, 0)
    assert exactly_once({"E1", "E2"}, ["E1"]) == (1, 0)                # a record with no row
    assert exactly_once({"E1", "E2"}, ["E1", "E2", "E2"]) == (0, 1)    # a row twice, even read FINAL
    assert exactly_once({"E1"}, ["E1", "E7"]) == (0, 1)                # a row no record explains
    diff = compare(outcome(), outcome(rows={"case_events": (1, 0), "notices": (0, 2)}))
    assert diff.rows == {"case_events": (1, 0), "notices": (0, 2)} and diff.total == 3


def test_case_event_rows_are_compared_with_the_control_run():
    assert counter_diff(Counter({"a": 1, "b": 1}), Counter({"a": 2})) == (1, 1)
    diff = compare(outcome(), outcome(signatures=Counter({("C1", "CaseOpened", 1): 2})))
    assert diff.rows_vs_control == (1, 1)


def test_only_dead_letters_the_control_run_did_not_have_count():
    more = Counter({("mediation", "mediation.outcomes", "C2", "CaseOnHold"): 1, ("triage", "case.events", "C1", "KeyError"): 1})
    diff = compare(outcome(), outcome(dead=more))
    assert diff.dead == Counter({("triage", "case.events", "C1", "KeyError"): 1}) and diff.total == 1
    assert compare(outcome(), outcome(dead=Counter())).total == 0


def test_the_final_stage_follows_the_lifecycle_and_ignores_a_producers_repeats():
    log = [ev("C1", "CaseOpened", "E1"), ev("C1", "CaseTriaged", "E2", route="PEOPLES_MEDIATION"),
           ev("C1", "CaseHeld", "E3"), ev("C1", "CaseTriaged", "E2", route="PEOPLES_MEDIATION"),
           ev("C2", "CaseOpened", "E4"), ev("C2", "CaseRejected", "E5")]
    assert [e["event_id"] for e in first_seen(log)] == ["E1", "E2", "E3", "E4", "E5"]
    assert final_stages(log) == {"C1": "ON_HOLD", "C2": "REJECTED"}


def test_the_table_names_every_difference():
    chaos = outcome(stages={"C1": "ON_HOLD"}, notices=Counter({("C1", "demand_letter"): 2}))
    text = "\n".join(differences(outcome(), chaos, compare(outcome(), chaos)))
    assert "1 missing" in text and "PERFORMING in control, ON_HOLD here: C1" in text
    assert "session_notice" in text and "2 lost" in text and "differences in all: 6" in text


def test_the_schedule_kills_every_service_in_rounds_on_few_steps_from_the_seed_alone():
    instances = default_instances(2)
    plan = schedule(7, 20, 2, 4, instances)
    assert plan == schedule(7, 20, 2, 4, instances)
    assert Counter(k.service for k in plan.kills) == {service: 2 for service in instances}
    assert len({k.step for k in plan.kills}) <= 4 and all(k.step < 15 for k in plan.kills)
    assert [k.step for k in plan.kills] == sorted(k.step for k in plan.kills)
    one_step = [k.service for k in plan.kills if k.step == plan.kills[0].step]
    assert one_step == sorted(one_step, key=PIPELINE.index), "on a step, downstream services are killed first"
    assert {k.step for k in plan.kills} | {0} == set(plan.waves), "a wave of defaults on every step with kills"
    assert all(k.victim in instances[k.service] for k in plan.kills)
    assert [k.serial for k in plan.kills if k.service == "mediation"] == [True, False], "the desk's holder, then any"
    assert schedule(7, 20, 0, 4, instances).kills == []


def test_a_batch_split_into_waves_is_published_whole():
    plan = schedule(3, 20, 1, 2, default_instances(2))
    slices = plan.wave_slices(101)
    assert sorted(i for s in slices.values() for i in range(101)[s]) == list(range(101))
    assert len(range(101)[slices[0]]) == 51, "half the batch on the first step"
    assert schedule(3, 20, 0, 2, default_instances(2)).wave_slices(10) == {0: slice(0, 10)}


def session(prefix: str, case: str = "C1") -> list[dict]:
    facts = {"principal_cents": 100_000, "interest_cents": 10_000, "penalty_cents": 1_000}
    return [ev(case, "CaseOpened", prefix + "o", facts=facts),
            ev(case, "CaseTriaged", prefix + "t", route="PEOPLES_MEDIATION", court="350502"),
            ev(case, "MediatorAssigned", prefix + "m", tier="PEOPLES", mediator_id="M1"),
            ev(case, "SessionScheduled", prefix + "s", tier="PEOPLES", mediator_id="M1", scheduled_at=AT + timedelta(hours=13))]


def test_the_world_answers_a_case_the_same_whatever_its_event_ids():
    answers = []
    for prefix in ("E-run-1-", "E-run-2-"):
        world = CaseWorld(seed=11)
        for e in session(prefix):
            world.observe(e, AT)
        world.observe(session(prefix)[1], AT)          # a producer's repeat: the world knows it already
        answers.append([(a.topic, a.record) for a in world.fire(AT + timedelta(days=2))])
    assert len(answers[0]) == 1 and answers[0][0][0] == "mediation.outcomes"
    assert answers[0] == answers[1]


def test_the_world_sends_one_action_per_case_at_a_time():
    world = CaseWorld(seed=1)
    for case in ("C1", "C2"):
        for e in session(case + "-", case):
            world.observe(e, AT)
    first = world.agenda[0][2]
    world.schedule(Action(first.at, "debtor.requests", "DebtorRequest", {**first.record, "request": 2}, "open"))
    sent = world.fire(AT + timedelta(days=2))
    assert sorted(a.key for a in sent) == ["C1", "C2"] and len(world.agenda) == 1
    assert [a.key for a in world.fire(AT + timedelta(days=2))] == [first.key]


def test_which_of_a_cases_actions_goes_first_does_not_hang_on_the_hour_it_is_planned_for():
    """A mediator's outcome comes at the session's hour, which depends on the session's slot in the day, and
    that on the order the desk saw requests in: it must not decide what reaches the platform first."""
    firsts = []
    for hour in (10, 16):
        world = CaseWorld(seed=1)
        for e in session("E-", "C1"):
            world.observe(e, AT)
        day = AT + timedelta(days=2)
        claim = {"request_id": "R1", "case_id": "C1", "kind": "HARDSHIP_CLAIM", "submitted_at": day.replace(hour=6)}
        outcome_ = {"outcome_id": "O1", "case_id": "C1", "recorded_at": day.replace(hour=hour - 8)}
        world.agenda.clear()
        world.schedule(Action(day.replace(hour=hour - 8), "mediation.outcomes", "MediationOutcome", outcome_, "open"))
        world.schedule(Action(day.replace(hour=6), "debtor.requests", "DebtorRequest", claim, "open"))
        firsts.append([a.topic for a in world.fire(day + timedelta(hours=6))])
    assert firsts == [["debtor.requests"], ["debtor.requests"]]
