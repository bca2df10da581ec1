"""notify's wiring: case.events + debtor.requests → notify.intents (by debtor) → guard → channels → notice.log.

Three agents, each with concurrency 1:
- ``events``   case.events → plan.react → intents; remembers per case (table ``cases``) the figures and
  the sealed contact (ciphertext: it is opened only when a notice is sent, and never logged);
- ``requests`` debtor.requests OPT_OUT → an opt-out control for the debtor;
- ``guard``    notify.intents (keyed by debtor_ref) → guard.admit/release → dispatch → notice.log;
  state per debtor across all lenders in table ``debtors``. A released notice is stored ``inflight``
  before it is sent; a background task sends it (``notify_concurrent_sends`` at once) and its result
  comes back as a ``settle``/``unrelease`` intent, so the guard stays the only writer of a debtor's
  state. The channels dedupe by the notice id (see channels.py).
A task sleeps until the real instant at which the scaled clock reaches the next deferred notice's due time
and wakes that debtor (wakeups.py); a sweep re-reads every debtor's due time from the table after recovery or
a rebalance, and every ``RESWEEP_SECONDS`` in case anything was missed. Each notice is checked against quiet hours again at the instant it is sent
(released at 21:59:59, sent at 22:00:01 → back to waiting). The web page
``/sms/receipts`` turns the SMS provider's delivery receipts into DELIVERED / FAILED entries.
"""
from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import faust
from faust.web import View
from prometheus_client import Counter

from remedy.runtime.app import Emit, Runtime, create_app
from remedy.kernel.clock import Clock, clock_from_settings, clock_rate
from remedy.contract.codec import Codec
from remedy.runtime.generation import IndexGeneration
from remedy.runtime.metrics import ServiceMetrics
from remedy.kernel.pii import ContactSealer, PiiError, Pseudonymiser
from remedy.kernel.portal import verification_code
from remedy.kernel.settings import Settings
from remedy.runtime import tables
from services.notify import guard, plan
from services.notify.catalogue import Catalogue
from services.notify.channels import EmailChannel, LetterChannel, SmsChannel
from services.notify.dispatch import dispatch
from services.notify.wakeups import Wakeups, real_delay

SERVICE = "notify"
INTENTS = "notify.intents"
NOTICE_LOG = "notice.log"
REWAKE_SECONDS = 120.0  # a wake neither handled nor failed in this long is taken as lost
RESWEEP_SECONDS = 30.0  # real seconds between full re-reads of the debtors' due times (a safety net)
log_ = logging.getLogger(__name__)


def build(settings: Settings, clock: Clock | None = None) -> faust.App:
    app = create_app(SERVICE, settings)
    codec = Codec(settings.schemas_dir)
    clock = clock or clock_from_settings(settings)
    metrics = ServiceMetrics(SERVICE)
    notices = Counter(f"remedy_{SERVICE}_notices", "notice.log entries written", ["kind", "channel", "status"],
                      registry=metrics.registry)
    rt = Runtime(app, SERVICE, codec, clock, metrics)
    catalogue = Catalogue.load()
    sealer, pseudonymiser = ContactSealer(settings.pii_key), Pseudonymiser(settings.pseudonym_key)
    policy = guard.Policy(settings.notify_quiet_start_hour, settings.notify_quiet_end_hour, settings.notify_daily_contacts)
    callback = settings.sms_callback_url or f"http://127.0.0.1:{settings.notify_port}/sms/receipts"
    channels = {"EMAIL": EmailChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender),
                "SMS": SmsChannel(settings.sms_url, callback), "LETTER": LetterChannel(settings.data_dir)}
    documents = Path(settings.data_dir) / "documents"
    cases = app.Table("cases", default=None)
    debtors = app.Table("debtors", default=None)
    intents = app.topic(INTENTS, key_type=str, value_type=bytes, value_serializer="raw")
    wakeups = Wakeups(retry_seconds=REWAKE_SECONDS)
    nudge = asyncio.Event()

    sending: set[str] = set()   # notice ids sent by a background task whose result the guard has not applied yet
    send_slots = asyncio.Semaphore(settings.notify_concurrent_sends)

    def schedule(debtor_ref: str, state: dict | None) -> None:
        wakeups.set(debtor_ref, guard.next_due(state, sending) if state else None)
        nudge.set()

    async def log(entries: list[dict]) -> None:
        for e in entries:
            notices.labels(e["kind"], e["channel"], e["status"]).inc()
            await rt.emit(Emit(NOTICE_LOG, e["case_id"], "NoticeLogEntry", e))

    async def send_intent(debtor_ref: str, intent: dict) -> None:
        await rt.send_to(intents, debtor_ref, json.dumps(intent, ensure_ascii=False, sort_keys=True).encode())

    async def handle_event(event: faust.EventT) -> None:
        _, envelope = codec.decode(event.message.value, expect="CaseEvent")
        case_id = envelope["case_id"]
        before = cases.get(case_id)
        memory, out = plan.react(before, envelope, catalogue)
        for intent in out:
            await send_intent(memory["debtor_ref"], intent)
        if memory != before:
            await tables.put(rt, cases, case_id, memory)

    async def handle_request(event: faust.EventT) -> None:
        _, request = codec.decode(event.message.value, expect="DebtorRequest")
        if request["kind"] != "OPT_OUT":
            return
        memory = cases.get(request["case_id"])
        control = plan.opt_out(memory, request)
        await send_intent(memory["debtor_ref"], control)

    def open_contact(notice: dict) -> dict | None:
        try:
            return sealer.unseal(base64.b64decode(notice["sealed"])) or None
        except (PiiError, ValueError):
            return None

    def archive(document_no: str, pdf: bytes) -> None:
        documents.mkdir(parents=True, exist_ok=True)
        (documents / f"{document_no}.pdf").write_bytes(pdf)

    async def handle_intent(event: faust.EventT) -> None:
        debtor_ref = event.key.decode() if isinstance(event.key, bytes) else event.key
        intent = json.loads(event.value)
        if intent["op"] == "wake":
            wakeups.handled(debtor_ref)
        if intent["op"] in ("settle", "unrelease"):
            state = await sent_back(debtor_ref, intent)
            changed = True
        else:
            state, changed = guard.admit(debtors.get(debtor_ref), intent)
        if not changed and not any(nid not in sending for nid in state["inflight"]):
            metrics.duplicates.labels(event.message.topic).inc()
            schedule(debtor_ref, state)
            return
        state, sends, entries = guard.release(state, clock.now(), policy)
        await tables.put(rt, debtors, debtor_ref, state)  # the intent to send is recorded before anything is sent
        await log(entries)
        for notice in sends:
            if notice["notice_id"] not in sending:
                await send_slots.acquire()
                sending.add(notice["notice_id"])
                asyncio.ensure_future(send_in_background(debtor_ref, notice))
        schedule(debtor_ref, state)

    async def sent_back(debtor_ref: str, intent: dict) -> dict:
        """A background send's result, applied by the guard (the only writer of the debtor's state)."""
        state = debtors.get(debtor_ref) or guard.empty()
        sending.discard(intent["notice_id"])  # from now on the stored state says what became of it
        if intent["op"] == "settle":
            return guard.settle(state, intent["notice_id"], intent["status"])
        state, entries = guard.unrelease(state, intent["notice_id"], datetime.fromtimestamp(intent["at_ms"] / 1000,
                                                                                             timezone.utc), policy)
        await log(entries)
        return state

    async def send_in_background(debtor_ref: str, notice: dict) -> None:
        """Send one released notice while the guard goes on with other debtors; the result comes back
        as an intent on the debtor's partition. A crash before that leaves the notice ``inflight`` in the
        stored state, and the guard sends it again (the channels dedupe by notice id)."""
        nid, reported = notice["notice_id"], False
        try:
            sent_at = clock.now()  # checked again at the instant of sending: released 21:59:59, sent 22:00:01
            if guard.quiet(sent_at, policy) is not None:
                await send_intent(debtor_ref, {"op": "unrelease", "notice_id": nid, "at_ms": int(sent_at.timestamp() * 1000)})
                reported = True
                return
            status, entries = await dispatch(
                notice, open_contact(notice), channels, catalogue, sent_at, archive=archive,
                verification_code=lambda case_id: verification_code(settings.portal_secret, case_id),
                is_debtor=lambda c, ref=notice["debtor_ref"]: bool(c.get("national_id"))
                and pseudonymiser.debtor_ref(c["national_id"]) == ref)
            await log(entries)
            await send_intent(debtor_ref, {"op": "settle", "notice_id": nid, "status": status})
            reported = True
        except Exception:  # noqa: BLE001 - left inflight: the next wake sends it again
            log_.exception("notify: sending notice %s failed; it stays inflight and is retried", nid)
        finally:
            if not reported:
                sending.discard(nid)  # otherwise it stays "being sent" until the guard has the result
            send_slots.release()
            schedule(debtor_ref, debtors.get(debtor_ref))

    rt.agent(rt.topic("case.events"), handle_event, name="events")
    rt.agent(rt.topic("debtor.requests"), handle_request, name="requests")
    rt.agent(intents, handle_intent, name="guard")

    swept, swept_at = IndexGeneration(app), [float("-inf")]

    @app.timer(settings.notify_sweep_seconds)
    async def sweep():
        """Re-read every debtor's next due wake-up: after recovery or a rebalance (the table changed under
        us), and every ``RESWEEP_SECONDS`` as a safety net. Every change of a debtor's state schedules it
        anyway; re-reading all 8,000 debtors every second was ~6% of notify's CPU in a run."""
        if not swept.settled:
            return
        real = time.monotonic()
        if not swept.stale and real - swept_at[0] < RESWEEP_SECONDS:
            return
        for debtor_ref, state in list(debtors.items()):
            schedule(debtor_ref, state)
        swept.built()
        swept_at[0] = real

    @app.task
    async def waker():
        """Sleep until the real instant the next due wake-up comes, then wake the debtors due."""
        while True:
            try:
                now = clock.now()
                for debtor_ref in wakeups.take(int(now.timestamp() * 1000), time.monotonic()):
                    try:
                        await send_intent(debtor_ref, {"op": "wake"})
                    except Exception:
                        wakeups.failed(debtor_ref)
                        raise
                delay = real_delay(wakeups.next_ms(time.monotonic()), clock.now(), clock_rate(clock),
                                   settings.notify_sweep_seconds)
                nudge.clear()
                try:
                    await asyncio.wait_for(nudge.wait(), timeout=max(delay, 0.001))
                except asyncio.TimeoutError:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the next round retries; a lost wake is retried by Wakeups
                log_.exception("notify: waker round failed")
                await asyncio.sleep(settings.notify_sweep_seconds)

    @app.page("/sms/receipts")
    class Receipts(View):
        async def post(self, request):
            receipt = await request.json()
            meta = json.loads(receipt.get("out_id") or "{}")
            if "notice_id" not in meta:
                return self.json({"ok": False, "error": "receipt without notify metadata"}, status=400)
            status = "DELIVERED" if receipt.get("status") == "DELIVERED" else "FAILED"
            entry = guard.log_entry(meta, status, "SMS", clock.now(), rule=receipt.get("error"),
                                    detail=f"provider receipt {receipt.get('message_id')}")
            await log([entry])
            return self.json({"ok": True})

    return app
