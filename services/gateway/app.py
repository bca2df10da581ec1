"""gateway's wiring: aiohttp routes → validation → records on the input topics; questions → the projection.

Authentication: ``Authorization: Bearer <API key>`` for lenders, mediators, payment processors, departments
and judicial bureaus (keys.py); HMAC signatures for courts (guards.py); case reference + verification code for
debtors (remedy/kernel/portal.py), rate limited and throttled per client after repeated wrong codes, or a one-time
code sent by SMS (routes/codes.py) that opens the portal despite a lockout; the portal's pages then keep a signed
session cookie. Several instances share their limits and replay memory through ``gateway.guards`` (shared_guards.py). Every answer about a case is scoped: another party's case is reported as
not found. Limits, JSON errors and security headers for every route: hardening.py.

Handlers live per party in ``routes/`` (lender, mediator, court, payment, debtor, portal, department, ops, audit,
roster, webhooks, evidence, court_bundle) over the shared core (core.py: state, publishing, authentication, scoping); this module maps them
to paths.
"""
from __future__ import annotations

import logging

from aiohttp import web

from services.gateway import access_log
from services.gateway.core import SERVICE, Gateway
from services.gateway.hardening import application, errors
from services.gateway.routes.audit import AuditRoutes
from services.gateway.routes.codes import SignInCodeRoutes
from services.gateway.routes.court import CourtRoutes
from services.gateway.routes.court_bundle import CourtBundleRoutes
from services.gateway.routes.debtor import DebtorRoutes
from services.gateway.routes.department import DepartmentRoutes
from services.gateway.routes.evidence import EvidenceRoutes
from services.gateway.routes.lender import LenderRoutes
from services.gateway.routes.mediator import MediatorRoutes
from services.gateway.routes.ops import OpsRoutes
from services.gateway.routes.payment import PaymentRoutes
from services.gateway.routes.parties import PartyRoutes
from services.gateway.routes.portal import PortalRoutes
from services.gateway.routes.roster import RosterRoutes
from services.gateway.routes.webhooks import WebhookRoutes

__all__ = ["SERVICE", "Gateway", "build_app", "errors"]


def build_app(gw: Gateway) -> web.Application:
    app = application(gw.own)
    if gw.own.access_log:
        access_log.access.setLevel(logging.INFO)
        app.middlewares.insert(0, access_log.middleware(gw.client))   # outermost: it sees every answer's status
    ops, lender, mediator = OpsRoutes(gw), LenderRoutes(gw), MediatorRoutes(gw)
    court, payer, debtor, portal = CourtRoutes(gw), PaymentRoutes(gw), DebtorRoutes(gw), PortalRoutes(gw)
    r = app.router
    r.add_get("/openapi.json", ops.openapi)
    r.add_get("/healthz", ops.health)
    r.add_get("/readyz", ops.ready)
    r.add_get("/metrics", ops.metrics)
    r.add_post("/v1/lender/batches", lender.upload)
    r.add_get("/v1/lender/batches/{batch_id}", lender.batch_status)
    r.add_get("/v1/lender/cases", lender.list_cases)
    r.add_get("/v1/lender/cases/{case_id}", lender.case_detail)
    r.add_post("/v1/lender/cases/{case_id}/withdraw", lender.withdraw)
    r.add_post("/v1/lender/cases/{case_id}/payments", lender.payment)
    evidence = EvidenceRoutes(gw)
    r.add_post("/v1/lender/cases/{case_id}/evidence", evidence.upload)
    r.add_get("/v1/lender/cases/{case_id}/evidence", evidence.list)
    r.add_get("/v1/mediator/cases", mediator.cases)
    r.add_post("/v1/mediator/cases/{case_id}/outcomes", mediator.outcome)
    r.add_post("/v1/courts/decisions", court.decision)
    r.add_post("/v1/payments", payer.payment)
    r.add_get("/v1/debtor/case", debtor.case_view)
    r.add_get("/v1/cases/{case_id}/audit", AuditRoutes(gw).case_audit)
    r.add_post("/v1/debtor/requests", debtor.send_request)
    department = DepartmentRoutes(gw)
    r.add_get("/v1/departments/complaints", department.complaints)
    r.add_post("/v1/departments/complaints/{complaint_id}/answer", department.answer)
    r.add_get("/portal", portal.sign_in)
    r.add_post("/portal/case", portal.case_page)
    r.add_post("/portal/requests", portal.send_request)
    r.add_get("/portal/case", portal.case_again)
    r.add_post("/portal/sign-out", portal.sign_out)
    codes = SignInCodeRoutes(gw)
    r.add_post("/v1/debtor/sign-in-codes", codes.json_request)
    r.add_get("/portal/sign-in-code", codes.page)
    r.add_post("/portal/sign-in-code", codes.form)
    roster = RosterRoutes(gw)
    r.add_get("/v1/roster", roster.list_mediators)
    r.add_get("/v1/roster/changes", roster.changes)
    r.add_put("/v1/roster/mediators/{mediator_id}", roster.designate)
    r.add_delete("/v1/roster/mediators/{mediator_id}", roster.withdraw)
    parties = PartyRoutes(gw)
    r.add_get("/v1/courts/cases", parties.court_cases)
    r.add_get("/v1/courts/documents/{document_id}", parties.court_document)
    r.add_get("/v1/courts/bundles/{bundle_id}", parties.court_bundle)
    r.add_get("/v1/courts/bundles/{bundle_id}/package", CourtBundleRoutes(gw).package)
    r.add_get("/v1/centres/queue", parties.centre_queue)
    hooks = WebhookRoutes(gw)
    r.add_post("/v1/webhooks/subscriptions", hooks.create)
    r.add_get("/v1/webhooks/subscriptions", hooks.list)
    r.add_delete("/v1/webhooks/subscriptions/{subscription_id}", hooks.delete)
    r.add_get("/v1/webhooks/deliveries", hooks.deliveries)
    r.add_post("/v1/webhooks/deliveries/{delivery_id}/replay", hooks.replay)
    return app
