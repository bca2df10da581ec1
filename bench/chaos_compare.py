"""Comparing a chaos run with its control run. Pure: what each run ended with in, differences out.

What must hold (issue 18, item 5): the same set of cases; the same final stage for every case; each
notice delivered exactly once per case and kind at the channel (as many deliveries per case and kind
as the control run, and no notice id delivered twice anywhere: two channels, two letter boxes); each
ClickHouse row exactly once (every record of the run's own topics has one row, read FINAL, and no row
comes twice or from nowhere; and the case-event rows match the control run's by case, type and time);
no record on a dead-letter topic that the control run did not have.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable, Iterable

from remedy.kernel.lifecycle import follow


@dataclass
class Outcome:
    """What one run ended with, as the comparison reads it."""
    stages: dict[str, str]                              # case_id -> final stage, from the case log
    notices: Counter                                    # (case_id, kind) -> deliveries at the channels
    repeated: Counter                                   # notice_id -> deliveries beyond the first
    rows: dict[str, tuple[int, int]]                    # ClickHouse table -> (lost, duplicated) against own topics
    signatures: Counter                                 # (case_id, event_type, occurred_at ms) of case_events rows
    dead: Counter                                       # (service, source topic, key, error type) -> dead letters
    reinserted: dict[str, int] = field(default_factory=dict)   # table -> rows inserted twice, merged by FINAL


def first_seen(events: Iterable[dict]) -> list[dict]:
    """The case log without the repeats a producer writes again after a crash (same event id)."""
    seen: set[str] = set()
    out = []
    for ev in events:
        if ev["event_id"] not in seen:
            seen.add(ev["event_id"])
            out.append(ev)
    return out


def final_stages(events: Iterable[dict]) -> dict[str, str]:
    """case_id -> the stage the case log leaves it in (``remedy.kernel.lifecycle.follow``)."""
    state: dict[str, tuple[str, str | None]] = {}
    for ev in first_seen(events):
        stage, resume = state.get(ev["case_id"], ("", None))
        state[ev["case_id"]] = follow(stage, resume, ev["type"], ev["event"])
    return {case: stage for case, (stage, _) in state.items()}


def deliveries(delivered: Iterable[str], notices: Iterable[dict]) -> tuple[Counter, Counter]:
    """(case_id, kind) -> deliveries, and notice id -> deliveries beyond the first, from the notice ids the
    channels took (each SMS, stored e-mail and letter file once) and the notice log (which names their case
    and kind; a delivered notice the log never named counts under kind ``?``)."""
    named = {n["notice_id"]: (n["case_id"], n["kind"]) for n in notices}
    per_id = Counter(delivered)
    per_kind = Counter()
    for nid, n in per_id.items():
        per_kind[named.get(nid, ("?", "?"))] += n
    return per_kind, Counter({nid: n - 1 for nid, n in per_id.items() if n > 1})


def exactly_once(expected: Iterable[Hashable], rows: Iterable[Hashable]) -> tuple[int, int]:
    """(lost, duplicated): keys the source holds with no row; rows beyond one per key, or with no source."""
    want, got = set(expected), Counter(rows)
    lost = len(want - set(got))
    duplicated = sum(n - 1 for n in got.values()) + sum(n for key, n in got.items() if key not in want)
    return lost, duplicated


def counter_diff(control: Counter, chaos: Counter) -> tuple[int, int]:
    """(lost, extra): how many the chaos run has fewer of, and more of, key by key."""
    keys = set(control) | set(chaos)
    return (sum(max(0, control[k] - chaos[k]) for k in keys), sum(max(0, chaos[k] - control[k]) for k in keys))


def notice_diff(control: Counter, chaos: Counter) -> dict[str, tuple[int, int]]:
    """kind -> (lost, duplicated) deliveries of the chaos run against the control run, case by case."""
    out: dict[str, list[int]] = {}
    for key in set(control) | set(chaos):
        lost, dup = max(0, control[key] - chaos[key]), max(0, chaos[key] - control[key])
        if lost or dup:
            kind = out.setdefault(key[1], [0, 0])
            kind[0] += lost
            kind[1] += dup
    return {kind: (lost, dup) for kind, (lost, dup) in sorted(out.items())}


@dataclass
class Diff:
    missing_cases: list[str]
    extra_cases: list[str]
    stages: dict[str, tuple[str, str]]                  # case -> (control's final stage, chaos run's)
    notices: dict[str, tuple[int, int]]                 # kind -> (lost, duplicated)
    repeated: int                                       # notice deliveries beyond one per notice id (chaos run)
    rows: dict[str, tuple[int, int]]                    # table -> (lost, duplicated), chaos run against its topics
    rows_vs_control: tuple[int, int]                    # case_events rows (lost, extra) against the control run
    dead: Counter                                       # dead letters the control run did not have

    @property
    def total(self) -> int:
        return (len(self.missing_cases) + len(self.extra_cases) + len(self.stages) + self.repeated
                + sum(a + b for a, b in self.notices.values()) + sum(a + b for a, b in self.rows.values())
                + sum(self.rows_vs_control) + sum(self.dead.values()))


def compare(control: Outcome, chaos: Outcome) -> Diff:
    both = set(control.stages) & set(chaos.stages)
    return Diff(
        missing_cases=sorted(set(control.stages) - set(chaos.stages)),
        extra_cases=sorted(set(chaos.stages) - set(control.stages)),
        stages={c: (control.stages[c], chaos.stages[c]) for c in sorted(both) if control.stages[c] != chaos.stages[c]},
        notices=notice_diff(control.notices, chaos.notices),
        repeated=sum(chaos.repeated.values()),
        rows=dict(chaos.rows),
        rows_vs_control=counter_diff(control.signatures, chaos.signatures),
        dead=chaos.dead - control.dead,
    )
