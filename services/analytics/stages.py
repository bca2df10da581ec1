"""Which stage an event moves a case into, and how a stage visit ended. Pure.

The lifecycle is ``remedy.kernel.lifecycle``: each event type either moves the case into a stage or
leaves it where it is (``stage_entered``, the ``stage`` column of ``case_events``).
``deploy/clickhouse/002_views.sql`` classifies visits in SQL (``visit_outcome`` ↔ the ``outcome``
column of ``stage_visits``); tests/unit/test_lifecycle.py runs that SQL against this function for
every pair of stages, and the broker test checks that the two agree on real events.
"""
from __future__ import annotations

from remedy.kernel.lifecycle import CLOSED, LADDER, ON_HOLD, PLANS, SETTLEMENT, STAGES, TERMINAL, stage_entered

__all__ = ["STAGES", "TERMINAL", "LADDER", "SETTLEMENT_STAGES", "PAID_CLOSE_REASONS", "ESCALATABLE", "stage_entered",
           "visit_outcome"]

SETTLEMENT_STAGES = SETTLEMENT
PAID_CLOSE_REASONS = ("PAID_OFF", "PERFORMED", "LENDER_PAID_IN_FULL", "CREDIT_REPAIRED")
# Stages a case can be escalated out of: the ladder, and a settlement or relief plan that was not kept.
ESCALATABLE = PLANS


def visit_outcome(stage: str, next_stage: str, next_reason: str = "") -> str:
    """How a stage visit ended, from the next stage the case entered (and that event's reason):
    open | settled | escalated | held | closed | advanced."""
    if not next_stage:
        return "open"
    if next_stage == ON_HOLD:
        return "held"
    if next_stage in SETTLEMENT_STAGES or (next_stage == CLOSED and next_reason in PAID_CLOSE_REASONS):
        return "settled"
    if next_stage in LADDER and (stage in ESCALATABLE or LADDER.get(stage, 99) < LADDER[next_stage]):
        return "escalated"
    if next_stage in TERMINAL:
        return "closed"
    return "advanced"
