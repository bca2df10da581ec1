"""Webhooks (lenders, departments and mediation centres with ``Authorization: Bearer <API key>``; courts with
their HMAC signature): a party's subscriptions (``webhooks.subscriptions``), its delivery log (read from
``webhooks.log``) and replays (``webhooks.replays``). A party sees and replays its own deliveries only.

A court signs as for its decisions (guards.py); a request without a body (GET, DELETE, a replay's POST) signs
``<METHOD> <path?query>`` in the body's place. A court's GET is not remembered against replay (reading twice
is harmless); everything else is.
"""
from __future__ import annotations

import functools
import secrets
from datetime import datetime, timezone

from aiohttp import web

from remedy.kernel.pii import ContactSealer
from services.gateway.core import Routes, error, ms
from services.gateway.court_auth import signed_court
from services.gateway.routes.lender import _int
from services.gateway.validation import BadRequest
from services.gateway.webhook_rules import MAX_SUBSCRIPTIONS, PARTY_OF, STATUSES, UrlRefused, subscription

SUBSCRIPTIONS, REPLAYS = "webhooks.subscriptions", "webhooks.replays"


def case_event_types(codec) -> frozenset[str]:
    event = next(f for f in codec.current["CaseEvent"].raw["fields"] if f["name"] == "event")
    return frozenset(branch["name"] for branch in event["type"] if isinstance(branch, dict))


class WebhookRoutes(Routes):
    def __init__(self, gw):
        super().__init__(gw)
        self.sealer = ContactSealer(gw.settings.pii_key)

    @functools.cached_property
    def known(self) -> frozenset[str]:
        return case_event_types(self.gw.codec) | {"CourtDocument"}   # a court's documents (docs/webhooks.md)

    async def caller(self, request: web.Request) -> tuple[str, str, str]:
        """(party key, party kind, party id) of whoever calls: a court by its signature, the others by key."""
        gw, court = self.gw, request.headers.get("X-Remedy-Court")
        if court is None:
            p = gw.principal(request, *PARTY_OF)
            return f"{PARTY_OF[p.kind]}:{p.id}", PARTY_OF[p.kind], p.id
        await signed_court(gw, request)
        return f"COURT:{court}", "COURT", court

    async def create(self, request: web.Request) -> web.Response:
        gw = self.gw
        party, kind, pid = await self.caller(request)
        try:
            url, types = subscription(await gw.json_body(request), dev=gw.settings.dev, known=self.known)
        except UrlRefused as exc:
            return error(422, str(exc).split(": ", 1)[1], "url")
        live = [s for s in gw.projection.webhooks.subscriptions(party) if s["status"] == "ACTIVE"]
        if len(live) >= MAX_SUBSCRIPTIONS:
            return error(409, f"at most {MAX_SUBSCRIPTIONS} live subscriptions per party")
        secret = "whsec_" + secrets.token_urlsafe(32)
        record = {"subscription_id": "whs_" + secrets.token_hex(8), "party_kind": kind, "party_id": pid,
                  "status": "ACTIVE", "url": url, "event_types": types, "changed_at": gw.clock.now(),
                  "sealed_secret": self.sealer.seal({"secret": secret})}
        await gw.publish(SUBSCRIPTIONS, party, "WebhookSubscription", record)
        gw.projection.webhooks.remember_subscription(record)
        view = _subscription(gw.projection.webhooks.subscription(party, record["subscription_id"]))
        return web.json_response({**view, "secret": secret}, status=201)

    async def list(self, request: web.Request) -> web.Response:
        party, _, _ = await self.caller(request)
        subs = [_subscription(s) for s in self.gw.projection.webhooks.subscriptions(party) if s["status"] == "ACTIVE"]
        return web.json_response({"total": len(subs), "subscriptions": subs})

    async def delete(self, request: web.Request) -> web.Response:
        gw = self.gw
        party, kind, pid = await self.caller(request)
        found = gw.projection.webhooks.subscription(party, request.match_info["subscription_id"])
        if found is None or found["status"] != "ACTIVE":
            return error(404, "no such subscription for this party")
        record = {"subscription_id": found["subscription_id"], "party_kind": kind, "party_id": pid, "status": "DELETED",
                  "url": found["url"], "event_types": found["event_types"], "changed_at": gw.clock.now(),
                  "sealed_secret": None}
        await gw.publish(SUBSCRIPTIONS, party, "WebhookSubscription", record)
        gw.projection.webhooks.remember_subscription(record)
        return web.json_response({"subscription_id": found["subscription_id"], "status": "DELETED"})

    async def deliveries(self, request: web.Request) -> web.Response:
        party, _, _ = await self.caller(request)
        q = request.query
        status = q.get("status")
        if status is not None and status not in STATUSES:
            raise BadRequest("status", "must be one of " + ", ".join(STATUSES))
        since = 0
        if q.get("since"):
            try:
                at = datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
            except ValueError:
                raise BadRequest("since", "must be an ISO-8601 instant, e.g. 2026-12-01T10:00:00Z") from None
            since = max(0, ms(at if at.tzinfo else at.replace(tzinfo=timezone.utc)))
        found = self.gw.projection.webhooks.deliveries(party, since_ms=since, status=status,
                                                      limit=_int(q, "limit", 100, 1, 1000))
        return web.json_response({"total": len(found), "deliveries": [_view(d) for d in found]})

    async def replay(self, request: web.Request) -> web.Response:
        gw = self.gw
        party, kind, pid = await self.caller(request)
        found = gw.projection.webhooks.delivery(party, request.match_info["delivery_id"])
        if found is None:
            return error(404, "no such delivery for this party")
        record = {"replay_id": "whr_" + secrets.token_hex(8), "delivery_id": found["delivery_id"], "party_kind": kind,
                  "party_id": pid, "requested_at": gw.clock.now()}
        await gw.publish(REPLAYS, party, "WebhookReplay", record)
        return web.json_response({"replay_id": record["replay_id"], "delivery_id": found["delivery_id"]}, status=202)


def _subscription(s: dict) -> dict:
    return {**s, "changed_at": _iso(s["changed_at"])}


def _view(d: dict) -> dict:
    out = {k: v for k, v in d.items() if k not in ("party_kind", "party_id")}
    out["at"] = _iso(d["at"])
    out["next_attempt_at"] = _iso(d["next_attempt_at"])
    return out


def _iso(at_ms: int | None) -> str | None:
    if at_ms is None:
        return None
    return datetime.fromtimestamp(at_ms / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
