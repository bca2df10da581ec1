"""Judicial confirmation that the court does not answer (docs/rules.md M14, M15). Pure.

A settlement asks the case's court to confirm the plan (``ConfirmationRequested``, ``due_by`` =
settled day + ``confirmation_days``). The court decides within 15 days of accepting the application,
25 with its president's leave [S18]: on the day ``confirmation_chase_days`` after the request
an unanswered request is chased (``ConfirmationChased``, which reaches the court's webhook). Still
unanswered when ``due_by`` ends, the request lapses (``ConfirmationLapsed``) and the plan goes into
force on the agreement's own force: a mediation agreement binds the parties [S2, art. 31], but only a
court's confirmation makes it enforceable [S2, art. 33; S3, arts. 205–206], so a miss of an
unconfirmed plan goes to litigation, not to enforcement (M11). A confirmation granted late makes the
plan enforceable from then on; a late denial leaves it in force, unconfirmed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from remedy.kernel.clock import china_date
from remedy.kernel.deadlines import end_of_china_day_ms, ms, start_of_china_day_ms
from remedy.kernel.lifecycle import CONFIRMATION
from services.mediation.step import Out, Terms, start_plan

UNCONFIRMED = "SETTLEMENT_UNCONFIRMED"   # plan_source of a settlement in force without the court's confirmation


def request(out: Out, settled: str, terms: Terms) -> None:
    """Ask the court to confirm the settlement just made; set the chase and the lapse."""
    s, today = out.state, china_date(out.now)
    due_by = today + timedelta(days=terms.confirmation_days)
    out.event("ConfirmationRequested", {"court": s["court"], "due_by": due_by}, settled)
    s.update(stage=CONFIRMATION, deadline_ms=end_of_china_day_ms(due_by), confirmation_cause=settled,
             chase_ms=start_of_china_day_ms(today + timedelta(days=terms.confirmation_chase_days)), chased=False)


def next_due_ms(state: dict) -> int | None:
    """When the request is next chased or lapses (None for a case settled before requests were timed)."""
    if state.get("chase_ms") is None:
        return state["deadline_ms"]
    return state["deadline_ms"] if state.get("chased") else min(state["chase_ms"], state["deadline_ms"])


def sweep(out: Out) -> str | None:
    """What time does to an unanswered request: the chase, then the lapse; None if nothing is due."""
    s, now = out.state, ms(out.now)
    if s["deadline_ms"] is None:
        return None
    due_by = china_date_of_end(s["deadline_ms"])
    if now >= s["deadline_ms"]:
        lapsed = out.event("ConfirmationLapsed", {"court": s["court"], "due_by": due_by}, s["confirmation_cause"])
        start_plan(s, s["plan"], UNCONFIRMED, lapsed)
        return "confirmation_lapsed"
    if s.get("chase_ms") is not None and not s.get("chased") and now >= s["chase_ms"]:
        out.event("ConfirmationChased", {"court": s["court"], "due_by": due_by}, s["confirmation_cause"])
        s["chased"] = True
        return "confirmation_chased"
    return None


def china_date_of_end(deadline_ms: int) -> date:
    """The China calendar day a deadline set by ``end_of_china_day_ms`` ends."""
    return china_date(datetime.fromtimestamp(deadline_ms / 1000 - 1, timezone.utc))
