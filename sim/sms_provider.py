"""A local SMS provider double speaking a small HTTP API, as real providers do.

``POST /v1/messages`` {client_ref, to, text, callback_url, out_id, sent_at (the sender's clock, recorded)}:
- 400 {"error": "INVALID_NUMBER"} unless ``to`` is a mainland mobile in E.164 (+861[3-9]xxxxxxxxx);
- 200 {"message_id", "status": "ACCEPTED", "duplicate"}: a client_ref seen before is acknowledged with
  its first message_id and NOT sent again (the provider-side dedupe that makes re-sends safe);
- then a delivery receipt {client_ref, message_id, status: DELIVERED|FAILED, error, out_id} is POSTed
  to ``callback_url``, retried until it is taken. Numbers in ``unreachable`` get FAILED/UNDELIVERABLE.
``latency_seconds``: how long each POST takes to answer (a provider's round trip).
``GET /v1/messages`` lists what was delivered to handsets.

Run in a test with ``SmsProvider().start()`` (own thread and loop) or ``python -m sim.sms_provider PORT``.
"""
from __future__ import annotations

import asyncio
import re
import sys
import threading
import uuid

from aiohttp import ClientSession, ClientTimeout, web

E164_CN_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")


class SmsProvider:
    def __init__(self, unreachable: set[str] | None = None, receipt_retry_seconds: float = 120.0,
                 latency_seconds: float = 0.0):
        self.latency = latency_seconds
        self.delivered: list[dict] = []      # one per handset delivery
        self.requests = 0                    # every accepted POST, duplicates included
        self.duplicates = 0
        self.receipts_taken: list[dict] = []
        self.unreachable = unreachable or set()
        self.retry_seconds = receipt_retry_seconds
        self._by_ref: dict[str, str] = {}
        self._lock = threading.Lock()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: ClientSession | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/messages", self._post)
        app.router.add_get("/v1/messages", self._list)
        return app

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.latency:
            await asyncio.sleep(self.latency)
        ref, to = body.get("client_ref"), body.get("to") or ""
        if not ref:
            return web.json_response({"error": "MISSING_CLIENT_REF"}, status=400)
        if not E164_CN_MOBILE.match(to):
            return web.json_response({"error": "INVALID_NUMBER"}, status=400)
        with self._lock:
            self.requests += 1
            if ref in self._by_ref:
                self.duplicates += 1
                return web.json_response({"message_id": self._by_ref[ref], "status": "ACCEPTED", "duplicate": True})
            mid = "M" + uuid.uuid4().hex[:16]
            self._by_ref[ref] = mid
            self.delivered.append({"client_ref": ref, "to": to, "text": body.get("text", ""), "message_id": mid,
                                   "sent_at": body.get("sent_at")})
        status, error = ("FAILED", "UNDELIVERABLE") if to in self.unreachable else ("DELIVERED", None)
        if body.get("callback_url"):
            receipt = {"client_ref": ref, "message_id": mid, "status": status, "error": error, "out_id": body.get("out_id", "")}
            asyncio.get_running_loop().create_task(self._deliver_receipt(body["callback_url"], receipt))
        return web.json_response({"message_id": mid, "status": "ACCEPTED", "duplicate": False})

    async def _list(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response(list(self.delivered))

    async def _deliver_receipt(self, url: str, receipt: dict) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_seconds
        if self._session is None:  # one kept-alive session: a connection per receipt cost both ends dearly
            self._session = ClientSession(timeout=ClientTimeout(total=5))
        while loop.time() < deadline:
            try:
                async with self._session.post(url, json=receipt) as resp:
                    if resp.status < 300:
                        self.receipts_taken.append(receipt)
                        return
            except Exception:  # noqa: BLE001 - the receiver is down: retry, as providers do
                pass
            await asyncio.sleep(1.0)

    def start(self, port: int = 0) -> "SmsProvider":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            runner = web.AppRunner(self.app())
            self._loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", port)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            self._runner = runner
            ready.set()
            self._loop.run_forever()
            if self._session is not None:
                self._loop.run_until_complete(self._session.close())
            self._loop.run_until_complete(runner.cleanup())

        self._thread = threading.Thread(target=run, daemon=True, name="sms-provider")
        self._thread.start()
        ready.wait(10)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


if __name__ == "__main__":
    provider = SmsProvider().start(int(sys.argv[1]) if len(sys.argv) > 1 else 8025)
    print(f"SMS provider double on {provider.url}", flush=True)
    threading.Event().wait()
