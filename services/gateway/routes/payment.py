"""Payment processors (``Authorization: Bearer <API key>``): payment notifications (``payments``),
idempotent by payment_ref (``Gateway.record_payment``, shared with lenders' reported payments)."""
from __future__ import annotations

from aiohttp import web

from services.gateway import validation
from services.gateway.core import Routes, error


class PaymentRoutes(Routes):
    async def payment(self, request: web.Request) -> web.Response:
        gw = self.gw
        gw.principal(request, "payer")
        record = validation.payment(await gw.json_body(request), now=gw.clock.now())
        if record["case_id"] not in gw.projection.cases:
            return error(404, "no such case", "case_id")
        return await gw.record_payment(record)
