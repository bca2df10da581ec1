"""objections' wiring: case.events, debtor.requests, lender.updates, objections.ticks → decide → case.events | objections.dlq.

A docket per case (``remedy.runtime.casefile``: one table, one lock, deadline ticks): the case's stage from
case.events, holds, objections, pending claims and closes. The case.events input also closes cases
other stages finished (CreditRepairDone, enforcement terminated). A tick for an objection past its
answer date climbs its ladder (ladder.py), each rung counted: ``remedy_objections_overdue_total`` (the
lender's supervisor), ``remedy_objections_escalated_total`` (the mediation centre or the operator),
``remedy_objections_closed_unanswered_total``; alerts ``RemedyObjectionOverdue`` and ``RemedyObjectionEscalated``.
Complaints are counted as they are routed, answered and overdue (``remedy_objections_complaints_*_total``).
"""
from __future__ import annotations

import faust
from prometheus_client import Counter

from remedy.kernel import lifecycle
from remedy.kernel.clock import Clock
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host
from remedy.runtime.casefile import CaseFiles
from remedy.runtime.faust_host import build_app
from services.objections import decide as d
from services.objections.docket import Docket
from services.objections.rules import ComplaintRules, Term
from services.objections.settings import ObjectionsSettings

SERVICE = "objections"
LADDER = (("ObjectionOverdue", "overdue", "Objections not answered by their answer date (to the lender's supervisor)"),
          ("ObjectionEscalated", "escalated", "Overdue objections still unanswered, handed to the mediation centre or the operator"),
          ("CaseClosed:OBJECTION_UNANSWERED", "closed_unanswered", "Cases closed because an objection was never answered"),
          ("ComplaintRouted", "complaints_routed", "Complaints routed to a department"),
          ("ComplaintAnswered", "complaints_answered", "Complaints a department answered"),
          ("ComplaintOverdue", "complaints_overdue", "Complaints a department did not answer in time"))


def build(settings: Settings, objections: ObjectionsSettings, clock: Clock | None = None) -> faust.App:
    return build_app(SERVICE, settings, lambda host: wire(host, settings, objections), clock=clock, web_port=objections.port)


def wire(host: Host, settings: Settings, objections: ObjectionsSettings) -> None:
    rules = d.ObjectionRules(objections.answer_days, complaint_rules(objections), objections.escalate_days,
                             objections.close_days)
    rungs = {kind: Counter(f"remedy_{SERVICE}_{name}", text, registry=host.metrics.registry) for kind, name, text in LADDER}
    files = CaseFiles(host, load=Docket.from_json, next_due_ms=lambda docket: d.next_due_ms(docket, rules),
                      may_be_due=lambda s: bool(s["objections"]) or bool(s.get("complaints")),
                      sweep_seconds=objections.sweep_seconds,
                      backlog_stage=lambda s: lifecycle.ON_HOLD if s["held_since"] is not None and not s["closed"] else None,
                      on_applied=lambda dec: _count(rungs, dec.emits))
    files.on("case.events", "CaseEvent", lambda docket, record, cause, now: d.on_case_event(docket, record, now))
    files.on("debtor.requests", "DebtorRequest", lambda docket, record, cause, now: d.on_request(docket, record, cause, now, rules))
    files.on("lender.updates", "LenderUpdate", d.on_lender_update, concerns=lambda u: u["kind"] != "EVIDENCE_ADDED")
    files.on_tick(lambda docket, now: d.on_tick(docket, now, rules))


def complaint_rules(objections: ObjectionsSettings) -> ComplaintRules:
    return ComplaintRules(Term(objections.complaint_regulator_working_days, True),
                          Term(objections.complaint_association_working_days, True),
                          Term(objections.complaint_lender_days, False), Term(objections.complaint_centre_days, False))


def _count(rungs: dict, emits: list) -> None:
    for e in emits:
        body = e.record["event"]
        kind = "CaseClosed:" + body["reason"] if e.record["type"] == "CaseClosed" else e.record["type"]
        if kind in rungs:
            rungs[kind].inc()
