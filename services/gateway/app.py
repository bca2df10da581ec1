"""gateway's wiring: aiohttp routes → validation → records on the input topics; questions → the projection.

Authentication: ``Authorization: Bearer <API key>`` for lenders, mediators and payment processors
(keys.py); HMAC signatures for courts (guards.py); case reference + verification code for
debtors (remedy/kernel/portal.py), rate limited and locked out after repeated wrong codes. Every answer
about a case is scoped: another party's case is reported as not found.

Handlers live per party in ``routes/`` (lender, mediator, court, payment, debtor, portal, ops, audit, webhooks) over the
shared core (core.py: state, publishing, authentication, scoping); this module maps them to paths.
"""
from __future__ import annotations

from aiohttp import web

from services.gateway.core import SERVICE, Gateway, error, log
from services.gateway.routes.audit import AuditRoutes
from services.gateway.routes.court import CourtRoutes
from services.gateway.routes.debtor import DebtorRoutes
from services.gateway.routes.lender import LenderRoutes
from services.gateway.routes.mediator import MediatorRoutes
from services.gateway.routes.ops import OpsRoutes
from services.gateway.routes.payment import PaymentRoutes
from services.gateway.routes.portal import PortalRoutes
from services.gateway.routes.webhooks import WebhookRoutes
from services.gateway.validation import BadRequest

__all__ = ["SERVICE", "Gateway", "build_app", "errors"]


@web.middleware
async def errors(request: web.Request, handler):
    try:
        return await handler(request)
    except BadRequest as exc:
        return error(400, exc.problem, exc.field)
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - never a bare 500 page; the log says what (no PII: records aren't logged)
        log.exception("gateway error on %s %s", request.method, request.path)
        return error(500, "internal error")


def build_app(gw: Gateway) -> web.Application:
    app = web.Application(middlewares=[errors], client_max_size=1024 ** 2)
    ops, lender, mediator = OpsRoutes(gw), LenderRoutes(gw), MediatorRoutes(gw)
    court, payer, debtor, portal = CourtRoutes(gw), PaymentRoutes(gw), DebtorRoutes(gw), PortalRoutes(gw)
    r = app.router
    r.add_get("/openapi.json", ops.openapi)
    r.add_get("/healthz", ops.health)
    r.add_get("/metrics", ops.metrics)
    r.add_post("/v1/lender/batches", lender.upload)
    r.add_get("/v1/lender/batches/{batch_id}", lender.batch_status)
    r.add_get("/v1/lender/cases", lender.list_cases)
    r.add_get("/v1/lender/cases/{case_id}", lender.case_detail)
    r.add_post("/v1/lender/cases/{case_id}/withdraw", lender.withdraw)
    r.add_post("/v1/lender/cases/{case_id}/payments", lender.payment)
    r.add_get("/v1/mediator/cases", mediator.cases)
    r.add_post("/v1/mediator/cases/{case_id}/outcomes", mediator.outcome)
    r.add_post("/v1/courts/decisions", court.decision)
    r.add_post("/v1/payments", payer.payment)
    r.add_get("/v1/debtor/case", debtor.case_view)
    r.add_get("/v1/cases/{case_id}/audit", AuditRoutes(gw).case_audit)
    r.add_post("/v1/debtor/requests", debtor.send_request)
    r.add_get("/portal", portal.sign_in)
    r.add_post("/portal/case", portal.case_page)
    r.add_post("/portal/requests", portal.send_request)
    hooks = WebhookRoutes(gw)
    r.add_post("/v1/webhooks/subscriptions", hooks.create)
    r.add_get("/v1/webhooks/subscriptions", hooks.list)
    r.add_delete("/v1/webhooks/subscriptions/{subscription_id}", hooks.delete)
    r.add_get("/v1/webhooks/deliveries", hooks.deliveries)
    r.add_post("/v1/webhooks/deliveries/{delivery_id}/replay", hooks.replay)
    return app
