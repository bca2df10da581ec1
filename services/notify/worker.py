"""notify's wiring: case.events + debtor.requests → notify.intents (by debtor) → guard → channels → notice.log;
case.events → the courts' documents (``court.py``) → court.documents; portal.codes → a one-time sign-in code by
SMS (``sign_in_codes.py``, agent ``sign-in-codes``).

Three agents, each with concurrency 1:
- ``events``   case.events → plan.react → intents; remembers per case (table ``cases``) the figures and
  the sealed contact (ciphertext: it is opened only when a notice is sent, and never logged);
- ``requests`` debtor.requests OPT_OUT → an opt-out control for the debtor;
- ``guard``    notify.intents (keyed by debtor_ref) → guard.admit/release → dispatch → notice.log;
  state per debtor across all lenders in table ``debtors``. A released notice is stored ``inflight``
  before it is sent; a background task sends it (``notify_concurrent_sends`` at once) and its result
  comes back as a ``settle``/``unrelease`` intent, so the guard stays the only writer of a debtor's
  state. The channels dedupe by the notice id (see channels.py).
Each debtor's next due instant (a deferred notice's, or now for a notice left inflight by a crash) is kept
by due time in table ``index`` (``remedy.runtime.due.Deadlines``, precise): a task sleeps until the real
instant the scaled clock reaches the earliest; the debtors due are woken by a ``wake`` intent. At the instant
it is sent a notice is checked again: against quiet hours (released 21:59:59, sent 22:00:01 → back to
waiting) and its case's close (closed in between → suppressed). When partitions move between instances, a
notice is sent again only once no instance is sending it (``handover.py``). ``/sms/receipts`` turns the SMS
provider's delivery receipts into DELIVERED / FAILED entries.
"""
from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import faust
from prometheus_client import Counter

from remedy.kernel.clock import Clock, clock_rate
from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from remedy.kernel.pii import ContactSealer, PiiError, Pseudonymiser
from remedy.kernel.portal import notice_code
from remedy.kernel.settings import Settings
from remedy.kernel.stage import Host, Input
from remedy.runtime.due import Deadlines
from remedy.runtime.faust_host import build_app
from services.notify import courtdocs, guard, plan, proof
from services.notify.archive import Archive
from services.notify.catalogue import Catalogue
from services.notify.channels import EmailChannel, LetterChannel, SmsChannel
from services.notify.court import CourtDocuments
from services.notify.dispatch import dispatch
from services.notify.handover import MARKER, Handover
from services.notify.printer import Printer
from services.notify.printing import PRINTING
from services.notify.refusals import Refusals
from services.notify.sign_in_codes import SignInCodes
from services.notify.recorder import Recorder
from services.notify.slots import SendSlots
from services.notify.settings import NotifySettings

SERVICE = "notify"
INTENTS = plan.INTENTS
LOOK_AHEAD = 64         # due debtors a finished send looks through for a waiting one before leaving it to a tick
REWAKE_SECONDS = 120.0  # a due debtor whose wake changed nothing is woken again after this long (real time)
log_ = logging.getLogger(__name__)


def build(settings: Settings, notify: NotifySettings, clock: Clock | None = None) -> faust.App:
    PRINTING.warm(notify.printer)
    return build_app(SERVICE, settings, lambda host: wire(host, settings, notify), clock=clock, web_port=notify.port)


def default_channels(settings: Settings, notify: NotifySettings) -> dict:
    callback = notify.sms_callback_url or f"http://127.0.0.1:{notify.port}/sms/receipts"
    return {"EMAIL": EmailChannel(notify.smtp_host, notify.smtp_port, notify.smtp_sender),
            "SMS": SmsChannel(notify.sms_url, callback), "LETTER": LetterChannel(settings.data_dir, notify.letters_dir)}


def wire(host: Host, settings: Settings, notify: NotifySettings, channels: dict | None = None) -> None:
    Notify(host, settings, notify, channels or default_channels(settings, notify)).register(notify.sweep_seconds)


class Notify:
    """The three agents, the waker, the sweep and the receipts page, over tables ``cases`` and ``debtors``."""

    def __init__(self, host: Host, settings: Settings, notify: NotifySettings, channels: dict):
        self.host, self.clock, self.channels, self.secret = host, host.clock, channels, settings.portal_secret
        self.notices = Counter(f"remedy_{SERVICE}_notices", "notice.log entries written", ["kind", "channel", "status"],
                               registry=host.metrics.registry)
        self.catalogue = Catalogue.load()
        self.reads = plan.reads(self.catalogue) | courtdocs.READS
        self.ignored = Counter(f"remedy_{SERVICE}_case_events_ignored", "case.events inputs no notice or case memory "
                               "needs, told by their header and not decoded", registry=host.metrics.registry)
        self.sealer, self.pseudonymiser = ContactSealer(settings.pii_key), Pseudonymiser(settings.pseudonym_key)
        self.policy = guard.Policy(notify.quiet_start_hour, notify.quiet_end_hour, notify.daily_contacts,
                                   notify.quiet_holidays)
        self.archive = Archive(Path(settings.data_dir) / "documents")
        self.printer = Printer.from_settings(*notify.printer)
        self.refusals = Refusals(host, SERVICE)   # documents that cannot be printed: counted, dead-lettered
        self.court = CourtDocuments(host, self.sealer, self.printer, self.catalogue.labels, self.refusals)
        self.cases, self.debtors = host.table("cases"), host.table("debtors")
        self.codes = SignInCodes(host, settings.portal_secret, self.cases, channels.get("SMS"), self.sealer)
        self.sending: dict[str, str] = {}   # notice id → debtor, being sent or its result not applied yet (bounded: slots.py)
        self.slots = SendSlots(notify.concurrent_sends, unsettled=lambda: len(self.sending))
        self.released = Counter(f"remedy_{SERVICE}_released", "notices the guard released to go now (recorded "
                                "inflight, then printed and sent as send slots free up)", ["kind"],
                                registry=host.metrics.registry)
        self.handover = Handover()
        self.recorder = Recorder(lambda emits: self.log(emits, acknowledged=True), self.send_settles,
                                 notify.record_gather_ms / 1000)
        self.resumed = Counter(f"remedy_{SERVICE}_resumed", "notices an instance that stopped was sending, sent again "
                               "by the instance that took over their partition", registry=host.metrics.registry)
        self.deadlines: Deadlines | None = None

    def register(self, sweep_seconds: float) -> None:
        self.host.agent("case.events", self.on_event, name="events")
        self.host.agent("debtor.requests", self.on_request, name="requests")
        self.host.agent(INTENTS, self.on_intent, name="guard")
        self.host.agent("portal.codes", self.codes.on_request, name="sign-in-codes")   # one-time codes by SMS
        self.deadlines = Deadlines(self.host, sweep_seconds=sweep_seconds, on_due=self.wake, precise=True,
                                   current_due=lambda ref: self.due_of(self.debtors.get(ref)),
                                   retick_seconds=REWAKE_SECONDS, swept=self.slots.swept,
                                   rebalanced=self.rebalanced, ready=self.handover.ready.__contains__)
        self.slots.ask = self.send_next
        self.host.on_revoke(self.revoked)
        self.host.page("/sms/receipts", self.on_receipt)

    def due_of(self, state: dict | None) -> int | None:
        """When the debtor must be woken: at once (the instant its case event happened) for a notice released
        and waiting for a send slot, or left inflight by a crash; a deferred notice's instant; and while
        notices are being sent, ``REWAKE_SECONDS`` of real time from now, in case this process dies first."""
        if not state:
            return None
        due = guard.next_due(state, self.sending)
        if due == 0:
            return min(n["at"] for n in self.waiting(state))
        if not state["inflight"]:
            return due
        rewake = int(self.clock.now().timestamp() * 1000 + self.rewake_ms())
        return rewake if due is None else min(due, rewake)

    def rewake_ms(self) -> float:
        """``REWAKE_SECONDS`` on the stage's clock (1 ms on a stopped one)."""
        return max(1.0, REWAKE_SECONDS * clock_rate(self.clock) * 1000)

    async def wake(self, partition: int, debtor_ref: str, now) -> bool:
        """A due debtor: its released notices waiting for a send slot are sent while slots are free (False when
        one is not: the debtor and those after it stay due); notices deferred until now are the guard's. A
        partition taken over is ticked once the old owner's results are read (``handover``)."""
        if partition not in self.handover.ready:
            return False
        state = self.debtors.get(debtor_ref) or guard.empty()
        for notice in self.waiting(state):
            if not self.slots.take(partition, fresh=False):
                return False
            self.start_send(debtor_ref, notice)
        if state["pending"] or not state["inflight"]:
            await self.send_intent(debtor_ref, {"op": "wake"})
        return True

    def send_next(self) -> None:
        """A send finished while debtors wait for a slot: start the earliest waiting send of a queued partition
        now, without waiting for a tick (the next tick finds it under way and moves the debtor's entry). Reads
        the due index a page at a time; a partition found with nobody waiting is no longer queued."""
        now_ms = int(self.clock.now().timestamp() * 1000)
        busy = set(self.sending.values())   # at most the slots times UNSETTLED_PER_SLOT (slots.py)
        for partition in sorted(self.slots.queued & self.handover.ready):
            looked = 0
            for debtor_ref, _ in self.deadlines.index.due(partition, now_ms):
                if debtor_ref in busy:
                    continue   # not read: what else it has waiting is due again once the guard has its result
                waiting = self.waiting(self.debtors.get(debtor_ref) or guard.empty())
                if waiting:
                    if self.slots.take(partition, fresh=False):
                        self.start_send(debtor_ref, waiting[0])
                    return
                looked += 1
                if looked >= LOOK_AHEAD:
                    return   # due debtors the guard must decide first (deferred until now): the next tick's
            self.slots.swept(partition, finished=True)

    def waiting(self, state: dict) -> list[dict]:
        """The debtor's released notices not being sent: waiting for a send slot, or left inflight by a crash."""
        return [n for nid, n in state["inflight"].items() if nid not in self.sending]

    def start_send(self, debtor_ref: str, notice: dict) -> None:
        """Send one released notice in the background, in a slot already taken."""
        self.sending[notice["notice_id"]] = debtor_ref
        self.handover.started()
        self.host.spawn(self.send_in_background(debtor_ref, notice))

    async def wake_now(self, debtor_ref: str) -> None:
        """A send that failed: the guard sends the notice again at once (it is still inflight)."""
        try:
            await self.send_intent(debtor_ref, {"op": "wake"})
        except Exception:  # noqa: BLE001 - the due index wakes the debtor after REWAKE_SECONDS anyway
            log_.exception("notify: could not wake debtor after a failed send")

    async def log(self, emits: list[Emit], *, acknowledged: bool = False) -> None:
        """notice.log entries (``guard.logged``), counted by kind, channel and status, and the case events
        that prove (or fail to prove) a notice's delivery (``proof``). ``acknowledged``: returns once the broker
        has them all, for a sent notice whose result is recorded next (``Host.emit_acknowledged``)."""
        for out in emits:
            if out.topic == guard.NOTICE_LOG:
                e = out.record
                self.notices.labels(e["kind"], e["channel"], e["status"]).inc()
        if acknowledged:
            await self.host.emit_acknowledged(emits)
        else:
            await self.host.emit_all(emits)

    async def send_intent(self, debtor_ref: str, intent: dict) -> None:
        await self.host.send(INTENTS, debtor_ref, json.dumps(intent, ensure_ascii=False, sort_keys=True).encode())

    async def send_settles(self, intents: list[tuple[str, dict]]) -> None:
        """Results of sends (``Recorder``), written as one batch per partition."""
        async with self.host.batch():
            for debtor_ref, intent in intents:
                await self.send_intent(debtor_ref, intent)

    async def send_intents(self, decision: Decision) -> None:
        """A plan decision's intents (records for notify.intents, keyed by debtor_ref)."""
        for out in decision.internal:
            await self.send_intent(out.key, out.record)

    # ---- the agents -----------------------------------------------------------------------------

    async def on_event(self, msg: Input) -> None:
        if self.host.codec.case_event_type(msg.value) not in self.reads:  # decoding it would change nothing
            self.ignored.inc()
            return
        _, envelope = self.host.codec.decode(msg.value, expect="CaseEvent")
        case_id = envelope["case_id"]
        before = self.cases.get(case_id)
        decision = plan.react(before, envelope, self.catalogue)
        await self.send_intents(decision)
        state, court_jobs = courtdocs.react(decision.state, envelope)   # a court's documents, first or again
        if state != before:
            await self.cases.put(case_id, state)
        await self.court.publish(state, envelope, court_jobs)   # printed, sealed, published

    async def on_request(self, msg: Input) -> None:
        _, request = self.host.codec.decode(msg.value, expect="DebtorRequest")
        if request["kind"] != "OPT_OUT":
            return
        await self.send_intents(plan.opt_out(self.cases.get(request["case_id"]), request))

    async def on_intent(self, msg: Input) -> None:
        debtor_ref, intent = msg.key_text, json.loads(msg.value)
        if intent["op"] == MARKER:
            await self.take_over(msg.partition, intent)
            return
        before = self.debtors.get(debtor_ref)
        old_due = self.due_of(before)
        result = intent["op"] in ("settle", "unrelease")
        settled = result and self.sending.pop(intent["notice_id"], None) is not None
        if result:
            state, changed = await self.sent_back(debtor_ref, intent), True
        else:
            admitted = guard.admit(before, intent)
            state, changed = admitted.state, admitted.changed
        if not changed and not any(nid not in self.sending for nid in state["inflight"]):
            self.host.metrics.duplicates.labels(msg.topic).inc()
            await self.deadlines.ensure(msg.partition, debtor_ref, old_due)
            return
        released = guard.release(state, self.clock.now(), self.policy)
        await self.debtors.put(debtor_ref, released.state)  # the intent to send is recorded before anything is sent
        await self.log(released.emits)
        for notice in guard.to_send(released):
            fresh = notice["notice_id"] not in state["inflight"]
            if fresh:
                self.released.labels(notice["kind"]).inc()
            elif msg.partition not in self.handover.ready:
                continue   # its old owner's result may be behind this intent: decided at the marker (handover)
            if notice["notice_id"] not in self.sending and self.slots.take(msg.partition, fresh=True):
                self.start_send(debtor_ref, notice)
        await self.deadlines.changed(msg.partition, debtor_ref, old_due, self.due_of(released.state))
        if settled:   # stored first: a send started from here reads the debtor's state as it is now
            self.slots.settled()

    async def sent_back(self, debtor_ref: str, intent: dict) -> dict:
        """A background send's result, applied by the guard (the only writer of the debtor's state)."""
        state = self.debtors.get(debtor_ref) or guard.empty()   # no longer ``sending``: the state says what became of it
        if intent["op"] == "settle":
            return guard.settle(state, intent["notice_id"], intent["status"]).state
        at = datetime.fromtimestamp(intent["at_ms"] / 1000, timezone.utc)
        unreleased = guard.unrelease(state, intent["notice_id"], at, self.policy)
        await self.log(unreleased.emits)
        return unreleased.state

    # ---- sending --------------------------------------------------------------------------------

    def open_contact(self, notice: dict) -> dict | None:
        try:
            return self.sealer.unseal(base64.b64decode(notice["sealed"])) or None
        except (PiiError, ValueError):
            return None

    def is_debtor(self, contact: dict, ref: str) -> bool:
        return bool(contact.get("national_id")) and self.pseudonymiser.debtor_ref(contact["national_id"]) == ref

    async def send_in_background(self, debtor_ref: str, notice: dict) -> None:
        """Send one released notice while the guard goes on with other debtors; the result comes back
        as an intent on the debtor's partition. A crash before that leaves the notice ``inflight`` in the
        stored state, and the guard sends it again (the channels dedupe by notice id)."""
        nid, reported, released = notice["notice_id"], False, False
        try:
            sent_at = self.clock.now()  # checked again at the instant of sending: released 21:59:59, sent 22:00:01
            if guard.closed_since_release(self.debtors.get(debtor_ref), notice):
                entry = guard.log_entry(notice, "SUPPRESSED", notice["channels"][0], sent_at, rule="CASE_CLOSED")
                await self.recorder.record([guard.logged(entry)] + proof.failed(notice, entry), debtor_ref,
                                           {"op": "settle", "notice_id": nid, "status": "SUPPRESSED"})
                reported = True
                return
            if guard.quiet(sent_at, self.policy) is not None:
                await self.send_intent(debtor_ref, {"op": "unrelease", "notice_id": nid,
                                                    "at_ms": int(sent_at.timestamp() * 1000)})
                reported = True
                return
            status, entries = await dispatch(
                notice, self.open_contact(notice), self.channels, self.catalogue, sent_at, archive=self.archive,
                verification_code=lambda case_id: notice_code(self.secret, case_id, nid), printer=self.printer,
                is_debtor=lambda c, ref=notice["debtor_ref"]: self.is_debtor(c, ref), refused=self.refusals)
            # Logged (and any refusal dead-lettered) before the result is: a settled notice is never sent again.
            # The slot is free once the channels are done; recording waits for the next write (recorder.py).
            self.slots.release()
            released = True
            await self.recorder.record([guard.logged(e) for e in entries] + proof.settled(notice, status, entries)
                                       + self.refusals.take(), debtor_ref,
                                       {"op": "settle", "notice_id": nid, "status": status})
            reported = True
        except Exception:  # noqa: BLE001 - left inflight: the next wake sends it again
            log_.exception("notify: sending notice %s failed; it stays inflight and is retried", nid)
        finally:
            if not reported:
                if self.sending.pop(nid, None) is not None:  # otherwise "being sent" until the guard has the result
                    self.slots.settled()
                await self.wake_now(debtor_ref)
            self.handover.finished()
            if not released:
                self.slots.release()

    # ---- partitions moving between instances (handover.py) -------------------------------------

    async def revoked(self) -> None:
        """Partitions are being taken away: the sends under way finish and report before anyone else owns them."""
        await self.handover.drain()
        self.sending.clear()       # their results are on their partitions; whoever owns one next applies them
        self.slots.queued.clear()

    async def rebalanced(self, partitions: set[int]) -> None:
        for partition, marker in self.handover.markers(partitions):
            await self.host.send(INTENTS, b"", marker, partition=partition)

    async def take_over(self, partition: int, marker: dict) -> None:
        """Our marker: every result written before it is applied. A notice still inflight and not sent here was
        being sent by an instance that stopped: its debtor, put a re-wake interval ahead, is due now."""
        if not self.handover.ours(marker):
            return   # another instance's, or one of an earlier rebalance
        now_ms = int(self.clock.now().timestamp() * 1000)
        left = []   # (debtor, its entry, when it is due now): at most the old owner's send slots
        resumed = 0
        for debtor_ref, at in self.deadlines.index.due(partition, int(now_ms + self.rewake_ms())):
            state = self.debtors.get(debtor_ref) or guard.empty()
            if at > now_ms and (waiting := self.waiting(state)):
                left.append((debtor_ref, at, self.due_of(state)))
                resumed += len(waiting)
        for debtor_ref, at, due in left:   # moved once the index has been read, not while it is
            await self.deadlines.changed(partition, debtor_ref, at, due)
        if resumed:
            self.resumed.inc(resumed)
            log_.info("notify: partition %d taken over; %d notice(s) an instance that stopped was sending are sent "
                      "again", partition, resumed)
        self.handover.ready.add(partition)
        self.deadlines.nudge()

    # ---- the provider ---------------------------------------------------------------------------

    async def on_receipt(self, receipt: dict) -> tuple[int, dict]:
        """The SMS provider's delivery receipt: a DELIVERED or FAILED notice.log entry."""
        meta = json.loads(receipt.get("out_id") or "{}")
        if "sign_in_code" in meta:   # a one-time sign-in code's text: not a notice (sign_in_codes.py)
            return 200, {"ok": True}
        if "notice_id" not in meta:
            return 400, {"ok": False, "error": "receipt without notify metadata"}
        status = "DELIVERED" if receipt.get("status") == "DELIVERED" else "FAILED"
        entry = guard.log_entry(meta, status, "SMS", self.clock.now(), rule=receipt.get("error"),
                                detail=f"provider receipt {receipt.get('message_id')}")
        await self.log([guard.logged(entry)] + proof.receipt(meta, entry))
        return 200, {"ok": True}
