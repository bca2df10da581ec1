"""The lifecycle is said once (``remedy.kernel.lifecycle``) and everything that speaks of stages agrees
with it: every CaseEvent type is placed, every stage can be reached, the terminal stages stay put,
the gateway's read model and analytics follow it on the schema's examples and on scripted case logs,
the ClickHouse views classify stage visits as ``visit_outcome`` does, and docs/lifecycle.md shows it.

``python -m tests.unit.test_lifecycle`` prints the tables docs/lifecycle.md must contain.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from remedy.contract.codec import Codec
from remedy.contract.examples import load_example
from remedy.kernel import lifecycle as lc
from remedy.kernel.settings import REPO_ROOT
from services.analytics.rows import event_row
from services.analytics.stages import PAID_CLOSE_REASONS, stage_entered, visit_outcome
from services.gateway.projection import Projection
from services.objections.docket import stage_after
from sim.funnel_events import scripted

SCHEMAS = REPO_ROOT / "schemas"
DOC = REPO_ROOT / "docs" / "lifecycle.md"
VIEWS = REPO_ROOT / "deploy" / "clickhouse" / "002_views.sql"


def event_types() -> list[str]:
    latest = max((SCHEMAS / "CaseEvent").glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    (field,) = [f for f in json.loads(latest.read_text())["fields"] if f["name"] == "event"]
    return [branch["name"] for branch in field["type"]]


def producers() -> dict[str, str]:
    return {k: v for k, v in json.loads((SCHEMAS / "CaseEvent" / "producers.json").read_text()).items()
            if not k.startswith("_")}


def examples() -> list[dict]:
    schema = Codec(SCHEMAS).current["CaseEvent"]
    return [load_example(p, schema) for p in sorted((SCHEMAS / "CaseEvent" / "examples").glob("*.json"))]


# ---------------------------------------------------------------- the table itself

def test_every_event_type_is_a_move_a_step_within_a_stage_or_stage_less():
    kinds = [set(lc.MOVES), set(lc.WITHIN), set(lc.STILL)]
    assert all(not (a & b) for i, a in enumerate(kinds) for b in kinds[i + 1:]), "an event type placed twice"
    placed = set().union(*kinds)
    assert sorted(set(event_types()) - placed) == [], "CaseEvent types the lifecycle does not place"
    assert sorted(placed - set(event_types())) == [], "the lifecycle names types the schema does not have"
    assert set(producers()) == placed


def test_moves_lead_between_stages():
    for event_type, move in lc.MOVES.items():
        assert move.sources <= set(lc.STAGES) and move.into <= set(lc.STAGES), event_type
        assert move.into, event_type
    assert {stage for stage in lc.WITHIN.values() if stage != "tier"} <= set(lc.STAGES)
    assert set(lc.TIER_STAGE.values()) == set(lc.MEDIATION) and set(lc.LADDER) <= set(lc.STAGES)
    assert all(lc.ESCALATION_REASON[frm, to] for frm, to, _ in lc.ESCALATIONS)


def test_every_stage_is_reachable_from_opened():
    assert lc.reachable(lc.OPENED) == set(lc.STAGES)


def test_closed_and_rejected_are_terminal():
    assert set(lc.TERMINAL) == {lc.CLOSED, lc.REJECTED}
    leaving = {(event, source, target) for event, source, target in lc.transitions() if lc.is_terminal(source)}
    assert leaving == {("CaseClosed", lc.REJECTED, lc.CLOSED)}  # a rejected default closed by its lender
    assert all(lc.is_terminal(s) != lc.is_active(s) for s in lc.STAGES if s != lc.ON_HOLD)
    assert not lc.is_active(lc.ON_HOLD) and not lc.is_terminal(lc.ON_HOLD)
    assert lc.follow(lc.CLOSED, None, "CaseEscalated", {"to_stage": lc.ENFORCEMENT}) == (lc.CLOSED, None)


def test_a_hold_pauses_the_stage_and_moves_made_while_held_are_resumed():
    stage, resume = lc.follow(lc.PEOPLES_MEDIATION, None, "CaseHeld", {"stage": lc.PEOPLES_MEDIATION})
    assert (stage, resume) == (lc.ON_HOLD, lc.PEOPLES_MEDIATION)
    stage, resume = lc.follow(stage, resume, "CaseEscalated", {"to_stage": lc.COURT_MEDIATION})
    assert (stage, resume) == (lc.ON_HOLD, lc.COURT_MEDIATION)
    assert lc.follow(stage, resume, "CaseReleased", {"stage": lc.PEOPLES_MEDIATION, "held_ms": 1}) == (lc.COURT_MEDIATION, None)
    assert lc.work_stage_after("CaseHeld", {"stage": lc.LITIGATION}, lc.LITIGATION) == lc.LITIGATION
    assert lc.work_stage_after("InstalmentDue", {}, lc.RELIEF) == lc.PERFORMING
    assert lc.stage_entered("CaseTriaged", {"route": "NOWHERE"}) == lc.TRIAGED
    assert lc.stage_entered("CaseEscalated", {"to_stage": "NOWHERE"}) == ""


# ---------------------------------------------------------------- the places that follow it

def _opened(example: dict, template: dict) -> dict:
    return {**template, "case_id": example["case_id"], "lender_id": example["lender_id"],
            "event_id": "E-opened-" + example["event_id"]}


@pytest.mark.parametrize("example", examples(), ids=lambda e: e["type"])
def test_the_gateway_and_analytics_agree_with_the_kernel_on_every_example(example):
    (opened,) = [e for e in examples() if e["type"] == "CaseOpened"]
    kind, body = example["type"], example["event"]
    assert event_row(example, 0, 0)["stage"] == lc.stage_entered(kind, body)
    move = lc.MOVES.get(kind)
    for source in sorted(move.sources if move and move.sources else {lc.OPENED}):
        p = Projection()
        p.apply_event(_opened(example, opened))
        case = p.cases[example["case_id"]]
        case.stage = source
        if kind != "CaseOpened":
            assert p.apply_event(example)
        assert (case.stage, case.resume_stage) == lc.follow(source, None, kind, body), source
        assert stage_after(kind, body, source) == lc.work_stage_after(kind, body, source)


def test_the_gateway_and_analytics_follow_the_kernel_through_scripted_case_logs():
    logs: dict[str, list[dict]] = {}
    for e in scripted({"LENDER-A": 24, "LENDER-B": 16}, datetime(2026, 10, 1, tzinfo=timezone.utc)).events:
        logs.setdefault(e["case_id"], []).append(e)
    p = Projection()
    for case_id, log in logs.items():
        stage, resume = lc.OPENED, None
        for e in log:
            p.apply_event(e)
            stage, resume = lc.follow(stage, resume, e["type"], e["event"])
            assert (p.cases[case_id].stage, p.cases[case_id].resume_stage) == (stage, resume), e["type"]
            assert stage_entered(e["type"], e["event"]) == lc.stage_entered(e["type"], e["event"])


def _stage_visits_outcome_sql() -> str:
    view = VIEWS.read_text(encoding="utf-8").split("CREATE OR REPLACE VIEW stage_visits", 1)[1]
    view = view.split("CREATE OR REPLACE VIEW", 1)[0]
    match = re.search(r"(multiIf\(.*?\))\s+AS outcome", view, re.S)
    assert match, "stage_visits has no multiIf(...) AS outcome"
    return match.group(1)


def test_the_clickhouse_stage_visits_classify_every_pair_of_stages_as_the_kernel_does():
    pytest.importorskip("clickhouse_connect")
    pytest.importorskip("chdb")
    stages, nexts = [*lc.STAGES, "UNKNOWN"], ["", *lc.STAGES, "UNKNOWN"]
    reasons = ["", *PAID_CLOSE_REASONS, "ENFORCEMENT_TERMINATED", "WITHDRAWN", "OBJECTION_UPHELD"]
    sql = (f"SELECT stage, next_stage, next_reason, {_stage_visits_outcome_sql()} AS outcome "
           f"FROM (SELECT arrayJoin({stages!r}) AS stage) AS a, (SELECT arrayJoin({nexts!r}) AS next_stage) AS b, "
           f"(SELECT arrayJoin({reasons!r}) AS next_reason) AS c")
    # chDB keeps one engine per process: the query runs in a process of its own.
    code = ("import json, sys, clickhouse_connect\n"
            "client = clickhouse_connect.get_client(interface='chdb', path=':memory:')\n"
            "print(json.dumps(client.query(sys.stdin.read()).result_rows))\n")
    done = subprocess.run([sys.executable, "-c", code], input=sql, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout)
    assert len(rows) == len(stages) * len(nexts) * len(reasons)
    wrong = [(s, n, r, got, visit_outcome(s, n, r)) for s, n, r, got in rows if got != visit_outcome(s, n, r)]
    assert wrong == [], "002_views.sql's stage_visits.outcome and stages.visit_outcome disagree"


# ---------------------------------------------------------------- docs/lifecycle.md

def _stages(stages) -> str:
    stages = set(stages)
    if not stages:
        return "—"
    if set(lc.ACTIVE) <= stages:
        rest = [s for s in lc.STAGES if s in stages - set(lc.ACTIVE)]
        return ", ".join(["every active stage", *rest])
    return ", ".join(s for s in lc.STAGES if s in stages)


def moves_table() -> str:
    owner = producers()
    rows = ["| Event | From | To | Producer |", "| --- | --- | --- | --- |"]
    for event_type, move in lc.MOVES.items():
        to = _stages({move.target}) if not move.field else f"the stage its `{move.field}` names: {_stages(move.targets)}"
        if move.fallback:
            to += f"; {move.fallback} if it names none"
        rows.append(f"| `{event_type}` | {_stages(move.sources)} | {to} | {owner[event_type]} |")
    return "\n".join(rows)


def escalations_table() -> str:
    rows = ["| from_stage | to_stage | reason |", "| --- | --- | --- |"]
    rows += [f"| {frm} | {to} | `{reason}` |" for frm, to, reason in lc.ESCALATIONS]
    return "\n".join(rows)


def within_table() -> str:
    rows = ["| Event | Happens in | Producer |", "| --- | --- | --- |"]
    owner = producers()
    for event_type, stage in lc.WITHIN.items():
        where = "the tier's stage: " + _stages(lc.MEDIATION) if stage == "tier" else stage
        rows.append(f"| `{event_type}` | {where} | {owner[event_type]} |")
    return "\n".join(rows)


def still_list() -> str:
    return ", ".join(f"`{t}`" for t in sorted(lc.STILL))


def test_the_doc_lists_every_stage_and_every_move_the_kernel_has():
    text = DOC.read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([A-Z_]+)` \|", text, re.M)
    assert [s for s in listed if s in lc.STAGES] == list(lc.STAGES), "the stages table: one row per stage, in order"
    for name, table in (("moves", moves_table()), ("escalations", escalations_table()), ("steps", within_table()),
                        ("stage-less events", still_list())):
        assert table in text, f"docs/lifecycle.md: the {name} table is not the kernel's; it should read:\n{table}"


if __name__ == "__main__":
    print(moves_table(), escalations_table(), within_table(), still_list(), sep="\n\n")
