"""The gateway's shared core: its state (the read model, the producer, the guards) and the plumbing every
party's routes use — publishing a record, who is calling, the JSON body, a case as a party sees it, a
debtor's sign-in, and recording a payment once per payment_ref (remembered in the read model on disk)."""
from __future__ import annotations

import asyncio
import json
import logging
import uuid

from aiohttp import web

from remedy.contract.codec import Codec
from remedy.kernel.clock import Clock
from remedy.kernel.deadlines import ms  # noqa: F401 - the routes take it from here too
from remedy.contract.signing import PartyKey, dev_key, read_key_file
from remedy.kernel.portal import Notice, code_valid, current_notice, sms_code
from remedy.kernel.sessions import derive_key
from remedy.kernel.settings import Settings, SettingsError
from remedy.runtime.metrics import ServiceMetrics
from remedy.runtime.http import client_address, trusted_networks
from services.gateway.guards import RateLimit, ReplayGuard, SignInCodes, Throttle
from services.gateway.shared_guards import CODE_USED, FAILURE, REQUEST, SIGNATURE, SharedGuards
from services.gateway.replay_memory import ReplayMemory
from services.gateway.keys import Keys, Principal
from services.gateway.projection import Case, Projection
from services.gateway.settings import GatewaySettings
from services.gateway.validation import parse_json

log = logging.getLogger("remedy.gateway")
SERVICE = "gateway"
PORTAL_STATUS = {"limited": 429, "locked": 429, "wrong": 401}  # a debtor's refused sign-in, by why


def error(status: int, message: str, field: str | None = None, **headers) -> web.Response:
    body = {"error": message} if field is None else {"error": f"{field}: {message}", "field": field}
    return web.json_response(body, status=status, headers=headers or None)


def gateway_key(settings: Settings, gateway: GatewaySettings) -> PartyKey:
    """The key the gateway signs what it publishes for the parties it authenticated (docs/security.md):
    ``REMEDY_GATEWAY_SIGNING_KEY``; without it, in dev, the gateway's development key."""
    if gateway.signing_key:
        return read_key_file(gateway.signing_key)
    if not settings.dev:
        raise SettingsError("REMEDY_GATEWAY_SIGNING_KEY: outside dev (REMEDY_ENV) the gateway signs with its own key "
                            "file; the development key is refused")
    return dev_key("gateway", "gateway")


class Gateway:
    def __init__(self, settings: Settings, gateway: GatewaySettings, clock: Clock, codec: Codec, keys: Keys,
                 projection: Projection, producer, metrics: ServiceMetrics | None = None, signer: PartyKey | None = None):
        self.settings, self.own, self.clock, self.codec, self.keys = settings, gateway, clock, codec, keys
        self.signer = signer or gateway_key(settings, gateway)
        self.projection, self.producer = projection, producer
        self.metrics = metrics or ServiceMetrics(SERVICE)
        memory = ReplayMemory(projection.store)   # accepted signatures survive a restart
        self.replays = ReplayGuard(gateway.replay_window_seconds, memory.load(), self._kept(memory))
        self.throttle = Throttle(gateway.portal_max_failures, gateway.portal_lock_minutes * 60.0, gateway.portal_max_clients)
        self.rate = RateLimit(gateway.portal_rate_per_minute, gateway.portal_max_clients)
        self.codes = SignInCodes(gateway.portal_sms_code_minutes * 60.0, gateway.portal_sms_codes_per_case_hour,
                                 gateway.portal_max_clients)
        self.code_asks = RateLimit(gateway.portal_sms_codes_per_client_hour, gateway.portal_max_clients, window_s=3600.0)
        self.shared = SharedGuards(uuid.uuid4().hex[:16], derive_key(settings.portal_secret, "clients"), self.throttle,
                                   self.rate, self.replays, self.codes, self.code_asks)   # told to the other instances
        self.feed = None   # the GuardFeed (guard_feed.py) that carries ``shared`` to and from gateway.guards
        self.trusted = trusted_networks(gateway.trusted_proxies)
        self.payment_lock = asyncio.Lock()
        self.uploading: set[tuple[str, str]] = set()  # (lender, batch) of the uploads in progress on this instance
        self.reader = None  # the Replayer keeping the read model up to date (kafka.py), for /healthz and /readyz
        self.reading = None  # its task: /healthz says when it died

    def _kept(self, memory: ReplayMemory):
        def kept(signature: str, until_s: float) -> None:   # on disk, and told to the other instances
            memory.keep(signature, until_s)
            self.shared.tell(SIGNATURE, signature, until_s - self.own.replay_window_seconds, until=until_s)
        return kept

    async def publish(self, topic: str, key: str, schema: str, record: dict, *, wait: bool = True):
        value, raw_key = self.codec.encode(schema, record), key.encode()
        future = await self.producer.send(topic, value=value, key=raw_key, headers=self.signer.sign(topic, raw_key, value))
        self.metrics.emitted.labels(topic, schema).inc()
        if wait:
            await future
        return future

    def principal(self, request: web.Request, *kinds: str) -> Principal:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        found = self.keys.principal(token)
        if found is None:
            raise web.HTTPUnauthorized(text=json.dumps({"error": "missing or wrong API key"}),
                                       content_type="application/json", headers={"WWW-Authenticate": "Bearer"})
        if found.kind not in kinds:
            raise web.HTTPForbidden(text=json.dumps({"error": f"this endpoint is for {' and '.join(kinds)}s"}),
                                    content_type="application/json")
        return found

    async def json_body(self, request: web.Request):
        return parse_json(await request.read() or b"null", self.own.max_json_depth)

    def client(self, request: web.Request) -> str:
        """Who is asking, for the portal's limits: the peer, or the client a trusted proxy forwarded for."""
        return client_address(request.remote, request.headers.get("X-Forwarded-For"), self.trusted)

    def lender_case(self, request: web.Request, lender: Principal) -> Case:
        case = self.projection.cases.get(request.match_info["case_id"])
        if case is None or case.lender_id != lender.id:
            raise web.HTTPNotFound(text=json.dumps({"error": "no such case for this lender"}), content_type="application/json")
        return case

    def view(self, case: Case, *, timeline: bool = False) -> dict:
        out = case.summary()
        out["next_deadline"] = case.next_deadline(ms(self.clock.now()))
        out["offer"] = case.open_offer(ms(self.clock.now()))
        out["plan"] = case.plan
        out["sessions"] = case.sessions
        out["credit"] = case.credit
        if timeline:
            out["timeline"] = self.projection.timeline(case.case_id)
        return out

    def client_ref(self, request: web.Request) -> str:
        """The client as the portal's limits count it on every instance (a keyed hash of ``client``)."""
        return self.shared.client_ref(self.client(request))

    def allow(self, client: str, now_s: float) -> bool:
        """The portal's rate limit, counted here and told to the other instances."""
        if not self.rate.allow(client, now_s):
            self.metrics.rejected.labels("PORTAL_RATE_LIMITED").inc()
            return False
        self.shared.tell(REQUEST, client, now_s)
        return True

    def debtor_case(self, request: web.Request, case_id: str, code: str) -> tuple[Case | None, str | None]:
        case, why, _ = self.sign_in(request, case_id, code)
        return case, why

    def sign_in(self, request: web.Request, case_id: str, code: str) -> tuple[Case | None, str | None, str | None]:
        """(case, None, None) when the code is the case's current notice's; (case, None, its request id) for a fresh
        one-time code sent by SMS, accepted once even from a client locked out; (None, "limited" | "locked" | "wrong",
        None) otherwise. Wrong codes are counted per client, never per case: nobody can lock a debtor out of their case."""
        now_s, client = self.clock.now().timestamp(), self.client_ref(request)
        if not self.allow(client, now_s):
            return None, "limited", None
        case_id = (case_id or "").strip()[:64]
        case = self.projection.cases.get(case_id)
        secret = self.settings.portal_secret
        sent = case and self.codes.match(lambda rid: sms_code(secret, case_id, rid), case_id, code, now_s)
        if sent:
            self.codes.use(sent, now_s + self.codes.valid_s)
            self.shared.tell(CODE_USED, sent, now_s)
            return case, None, sent
        if self.throttle.locked(client, now_s):
            return None, "locked", None
        notice = self.notice(case_id) if case is not None else None
        if case is None or not code_valid(secret, case_id, code, notice, int(now_s * 1000), self.own.portal_code_days):
            self.metrics.rejected.labels("PORTAL_WRONG_CODE").inc()
            self.shared.tell(FAILURE, client, now_s)
            return None, "locked" if self.throttle.failed(client, now_s) else "wrong", None
        return case, None, None

    def notice(self, case_id: str) -> Notice | None:
        """The case's current notice: the one whose code signs its debtor in (remedy/kernel/portal.py)."""
        return current_notice(self.projection.audit_notices(case_id))

    async def record_payment(self, record: dict) -> web.Response:
        """Idempotent by payment_ref: the same ref again gets the same answer and writes nothing. Every ref is
        remembered in the read model (``p/<ref>``): the ones this gateway published, and every one on ``payments``."""
        ref = record["payment_ref"]
        async with self.payment_lock:
            known = self.projection.payment(ref)
            if known is not None:
                if (known["case_id"], known["amount_cents"]) != (record["case_id"], record["amount_cents"]):
                    return error(409, "this payment_ref was already used for another case or amount", "payment_ref")
                return web.json_response(_payment_answer(ref, known), status=200)
            await self.publish("payments", record["case_id"], "Payment", record)
            self.projection.remember_payment(ref, record["case_id"], record["amount_cents"])
            return web.json_response(_payment_answer(ref, record), status=202)


def _payment_answer(ref: str, payment: dict) -> dict:
    return {"payment_ref": ref, "case_id": payment["case_id"], "amount_cents": payment["amount_cents"], "status": "RECORDED"}


class Routes:
    """One party's handlers, over the shared core."""

    def __init__(self, gw: Gateway):
        self.gw = gw
