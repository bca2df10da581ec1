"""The compliance guard in front of every channel. Pure: (debtor state, intent, now) → Decision (state: the
debtor's; emits: notice.log entries, and ``RequiredNoticeFailed`` for a suppressed proof notice; the notices to send now are those the state holds ``inflight``).

State is per ``debtor_ref`` — across all lenders — and lives in the ``debtors`` table, fed by
``notify.intents`` (keyed by debtor_ref). Rules, checked in this order for every waiting notice:

1. ``CASE_CLOSED``   nothing after the case closed (except kinds marked ``after_close``) → suppressed;
2. ``CASE_ON_HOLD``  nothing while the case is held (except kinds marked ``on_hold``) → deferred until released;
3. ``OPTED_OUT``     a channel the debtor opted out of is never used; none left → suppressed;
4. ``QUIET_HOURS``   nothing between 22:00 and 08:00 debtor local time (UTC+8) → deferred to 08:00;
   ``QUIET_DAY``     nothing on a public holiday → deferred to 08:00 of the first day that is not one;
5. ``DAILY_CAP``     at most N contacts per debtor per local (China) calendar day; legal documents go
                     first → deferred to the next day's 08:00.

A deferred notice carries ``wait`` = (rule, until). Until that instant it is not looked at again (except
for close, hold and opt-out), so one reason to wait — one night, one capped day — is logged once. The
worker wakes the debtor at ``next_due`` (a waker at that real instant, remedy.runtime.due.Deadlines); a wake-up that
still lands in a night (the worker was down or far behind) is deferred again to the next 08:00, logged
once for that night with the missed due time in ``detail``: sending at night is never the way out.

Exactly once: a notice id is admitted once (``done``/``pending``/``inflight``); a released notice is
``inflight`` (recorded before sending) until settled, and an inflight notice found at the next input
is the trace of a crash between sending and recording: it is sent again with the same idempotency
key, which the channel dedupes.
"""
from __future__ import annotations

from collections.abc import Container
from datetime import datetime, timedelta, timezone

from remedy.kernel.clock import CHINA_TZ
from remedy.kernel.deadlines import ms
from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from services.notify import proof
from services.notify.quiet import Policy, next_morning, quiet, quiet_rule  # noqa: F401  (Policy, quiet: the worker's)

KEEP_DAYS = 3
NOTICE_LOG = "notice.log"


def empty() -> dict:
    return {"held": [], "closed": [], "opt_out": [], "days": {}, "pending": {}, "inflight": {}, "done": {}}


def log_entry(notice: dict, status: str, channel: str, now: datetime, *, rule: str | None = None,
              deferred_until: datetime | None = None, detail: str = "", content_hash: str | None = None) -> dict:
    """A NoticeLogEntry record."""
    return {"notice_id": notice["notice_id"], "case_id": notice["case_id"], "lender_id": notice["lender_id"],
            "debtor_ref": notice["debtor_ref"], "kind": notice["kind"], "occasion": notice["occasion"],
            "channel": channel, "status": status, "rule": rule, "language": notice["language"],
            "document_no": notice.get("document_no"), "content_hash": content_hash,
            "deferred_until": deferred_until, "detail": detail, "at": now}


def logged(entry: dict) -> Emit:
    """A NoticeLogEntry as a record for ``notice.log``, keyed by the case."""
    return Emit(NOTICE_LOG, entry["case_id"], "NoticeLogEntry", entry)


def entries(decision: Decision) -> list[dict]:
    """The notice.log entries a decision emits."""
    return [out.record for out in decision.emits if out.topic == NOTICE_LOG]


def to_send(decision: Decision) -> list[dict]:
    """The notices to send now: every one the decision's state holds ``inflight`` (just released, or left
    by a crash between sending and recording). Store the state before sending them."""
    return list(decision.state["inflight"].values())


def admit(state: dict | None, intent: dict) -> Decision[dict]:
    """Apply one intent to the debtor's state. Outcome ``applied``, or ``duplicate`` (``changed`` False)
    for a notice already seen or a control already applied: it changes nothing."""
    state = _copy(state or empty())
    op = intent["op"]
    if op == "notice":
        n = intent["notice"]
        nid = n["notice_id"]
        if nid in state["done"] or nid in state["pending"] or nid in state["inflight"]:
            return _applied(state, False)
        state["pending"][nid] = n
        return _applied(state, True)
    if op == "wake":
        return _applied(state, True)
    if op == "opt_out":
        before = list(state["opt_out"])
        state["opt_out"] = sorted(set(before) | set(intent["channels"]))
        return _applied(state, state["opt_out"] != before)
    case = intent["case_id"]
    sets = {"hold": ("held", True), "release": ("held", False), "close": ("closed", True)}
    name, add = sets[op]
    before = list(state[name])
    state[name] = sorted(set(before) | {case}) if add else [c for c in before if c != case]
    return _applied(state, state[name] != before)


def release(state: dict, now: datetime, policy: Policy) -> Decision[dict]:
    """Decide on every waiting notice. Emits the log entries; the notices to send now (``to_send``) are
    recorded ``inflight`` in the decision's state: store it before sending. Outcome ``released`` when
    there is something to send, else ``waiting`` (notices pending) or ``idle``."""
    state = _copy(state)
    logs: list[dict] = []
    proofs: list[Emit] = []   # a suppressed proof notice will never reach the debtor: the stage waiting is told
    today = now.astimezone(CHINA_TZ).date().isoformat()
    state["days"] = {d: n for d, n in state["days"].items() if d >= _days_before(today, KEEP_DAYS)}
    quiet_until = quiet(now, policy)
    for n in sorted(state["pending"].values(), key=lambda n: (not n["legal"], n["at"], n["notice_id"])):
        nid = n["notice_id"]
        channels = [c for c in n["channels"] if c not in state["opt_out"]]
        first = channels[0] if channels else n["channels"][0]
        if n["case_id"] in state["closed"] and not n["after_close"]:
            _finish(state, nid, "SUPPRESSED")
            logs.append(log_entry(n, "SUPPRESSED", first, now, rule="CASE_CLOSED"))
            proofs += proof.failed(n, logs[-1])
            continue
        if n["case_id"] in state["held"] and n["case_id"] not in state["closed"] and not n["on_hold"]:
            # a case closed while held (objection upheld) is held no more: its closing documents go out
            _wait(n, "CASE_ON_HOLD", None, first, now, logs)
            continue
        if not channels:
            _finish(state, nid, "SUPPRESSED")
            logs.append(log_entry(n, "SUPPRESSED", n["channels"][0], now, rule="OPTED_OUT",
                                  detail="opted out of " + ",".join(n["channels"])))
            proofs += proof.failed(n, logs[-1])
            continue
        until = n.get("wait", {}).get("until")
        if until is not None and ms(now) < until:
            continue  # already deferred past now (quiet hours or the cap): nothing new to decide or log
        if quiet_until is not None:
            _wait(n, quiet_rule(now, policy), quiet_until, first, now, logs)
            continue
        if state["days"].get(today, 0) >= policy.daily_contacts:
            _wait(n, "DAILY_CAP", next_morning(now, policy), first, now, logs)
            continue
        state["days"][today] = state["days"].get(today, 0) + 1
        for skipped in (c for c in n["channels"] if c in state["opt_out"]):
            logs.append(log_entry(n, "SUPPRESSED", skipped, now, rule="OPTED_OUT", detail=f"fallback {first}"))
        sent = {**n, "channels": channels, "released_on": today}
        sent.pop("wait", None)
        del state["pending"][nid]
        state["inflight"][nid] = sent
    outcome = "released" if state["inflight"] else "waiting" if state["pending"] else "idle"
    return Decision(state, [logged(e) for e in logs] + proofs, outcome)


def closed_since_release(state: dict | None, notice: dict) -> bool:
    """The notice's case closed after it was released and before it was sent (the close came in between):
    it must not go out, unless its kind is meant for after the close."""
    return bool(state) and notice["case_id"] in state["closed"] and not notice["after_close"]


def unrelease(state: dict, nid: str, now: datetime, policy: Policy) -> Decision[dict]:
    """A released notice found inside quiet hours at the moment of sending (released just before 22:00, or
    left inflight by a crash and found at night): back to waiting until the morning, uncounted. Only for a
    notice not sent in this attempt; a crash re-send that was already delivered is deduped by its key.
    Emits the DEFERRED entry; outcome ``duplicate`` if the notice is not inflight (handled before)."""
    state = _copy(state)
    if nid not in state["inflight"]:
        return _applied(state, False)  # handled before (a redelivered intent)
    n = dict(state["inflight"].pop(nid))
    day = n.pop("released_on", None)
    if day in state["days"] and state["days"][day] > 0:
        state["days"][day] -= 1
    logs: list[dict] = []
    _wait(n, quiet_rule(now, policy), quiet(now, policy) or next_morning(now, policy), n["channels"][0], now, logs)
    state["pending"][nid] = n
    return Decision(state, [logged(e) for e in logs])


def settle(state: dict, nid: str, status: str) -> Decision[dict]:
    """Record what sending a released notice ended as (SENT, FAILED, SUPPRESSED); outcome ``duplicate``
    if it was settled before (a redelivered settle intent)."""
    state = _copy(state)
    if nid not in state["inflight"]:
        return _applied(state, False)
    state["inflight"].pop(nid, None)
    state["done"][nid] = status
    return _applied(state, True)


def next_due(state: dict, sending: Container[str] = frozenset()) -> int | None:
    """Epoch ms when a waiting notice may go (for the sweep timer); 0 if something is inflight and not
    being sent right now (``sending``: its result will come back as a ``settle``/``unrelease`` intent)."""
    if any(nid not in sending for nid in state["inflight"]):
        return 0
    dues = [n["wait"]["until"] for n in state["pending"].values() if n.get("wait", {}).get("until") is not None]
    return min(dues) if dues else None


def _wait(n: dict, rule: str, until: datetime | None, channel: str, now: datetime, logs: list[dict]) -> None:
    """Defer a notice and log it, once per (rule, until): the same reason to wait is never logged twice."""
    until_ms = ms(until) if until is not None else None
    before = n.get("wait") or {}
    if before == {"rule": rule, "until": until_ms}:
        return
    n["wait"] = {"rule": rule, "until": until_ms}
    late = before.get("until")
    detail = (f"woken late: due {datetime.fromtimestamp(late / 1000, timezone.utc).isoformat()}"
              if late is not None and late < ms(now) and rule in ("QUIET_HOURS", "QUIET_DAY") else "")
    logs.append(log_entry(n, "DEFERRED", channel, now, rule=rule, deferred_until=until, detail=detail))


def _applied(state: dict, changed: bool) -> Decision[dict]:
    return Decision(state, outcome="applied" if changed else "duplicate")


def _finish(state: dict, nid: str, status: str) -> None:
    state["pending"].pop(nid, None)
    state["done"][nid] = status


def _days_before(iso: str, days: int) -> str:
    from datetime import date
    return (date.fromisoformat(iso) - timedelta(days=days)).isoformat()


def _copy(state: dict) -> dict:
    return {"held": list(state["held"]), "closed": list(state["closed"]), "opt_out": list(state["opt_out"]),
            "days": dict(state["days"]), "pending": {k: dict(v) for k, v in state["pending"].items()},
            "inflight": dict(state["inflight"]), "done": dict(state["done"])}
