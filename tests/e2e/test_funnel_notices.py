"""Notices in a real funnel run: intake, triage, mediation, enforcement, repair, objections and notify as
separate workers on a real broker, a real SMTP server (``sim/mailserver.py``) and the SMS provider double
(``sim/sms_provider.py``) in-process, a clock running 8 simulated hours per real second, and a scripted
outside world (mediators, courts, payers, debtors, lenders) reacting to the case log.

One debtor owes three lenders (the same national ID in three lenders' defaults): one case settles, is
paid and repaired; one is closed by an upheld objection and one withdrawn by its lender, each once its
demand letter has reached the debtor (the outside world reacts to notice.log too). A second debtor
has no email on file, a third borrowed from an English-language lender. Checked where the debtor sees it
— the mailbox, the handset, the letters — and in notice.log: the right notices with the case's figures,
no Message-ID or client reference delivered twice, never more than 3 contacts in one China day across
lenders, nothing between 22:00 and 08:00 China time (by the send time in notice.log, in the Date header
and in the SMS provider's record), nothing after CaseClosed but the closing documents.
"""
from __future__ import annotations

import hashlib
import io
import random
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from kafka import KafkaConsumer
from pypdf import PdfReader

from remedy.runtime.broker import free_port
from remedy.kernel.clock import CHINA_TZ, ScaledClock, china_date, parse_instant
from remedy.kernel.ids import DEV_CASE_ID_KEY, case_id
from remedy.ops.procs import ServiceProcess
from remedy.runtime.publish import Publisher
from services.notify.capitals import capitals, figures
from services.notify.catalogue import Catalogue
from services.notify.render import money
from sim.defaults import valid_default
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider
from tests.broker.funnel_helpers import CaseLog, decision, outcome, payment, plan

pytestmark = [pytest.mark.broker, pytest.mark.e2e]
SCALE = 28_800.0                       # 8 simulated hours per real second: a China day lasts 3 s
START_IN = 45.0                        # real seconds for the workers to join; the epoch is reached then
EPOCH = "2026-12-01T11:00:00+00:00"    # 19:00 in China: the first notices meet 22:00 within ~9 s
SERVICES = ("intake", "triage", "mediation", "enforcement", "repair", "objections", "notify")
HARDSHIP = ("is_student", "serious_illness", "unemployed", "disaster", "elderly", "disabled")
CAP = 3
KINDS = Catalogue.load().kinds
AFTER_CLOSE = {k.name for k in KINDS.values() if k.after_close}
TERMINAL = ("SENT", "SUPPRESSED")


def start_all(broker: str, tmp_path, env: dict[str, str]) -> list[ServiceProcess]:
    procs = []
    for name in SERVICES:
        full = {"REMEDY_KAFKA_BOOTSTRAP": broker, "REMEDY_DATA_DIR": str(tmp_path / name),
                f"REMEDY_{name.upper()}_PORT": str(free_port()), **env}
        procs.append(ServiceProcess(name, full, tmp_path / "logs").start())
    for p in procs:
        p.wait_ready(timeout=150)
    return procs


class Follow:
    """Reads a topic from the beginning, decoding each record."""

    def __init__(self, bootstrap: str, topic: str, codec, schema: str):
        self.codec, self.schema, self.records = codec, schema, []
        self._c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)

    def poll(self) -> list[dict]:
        for records in self._c.poll(timeout_ms=100).values():
            self.records += [self.codec.decode(m.value, expect=self.schema)[1] for m in records]
        return self.records

    def close(self) -> None:
        self._c.close()


def china(at: datetime) -> datetime:
    return at.astimezone(CHINA_TZ)


def lawful(at: datetime) -> bool:
    return 8 <= china(at).hour < 22


def test_notices_reach_the_debtor_right_once_and_within_the_rules(broker, codec, tmp_path):
    mail, sms = MailServer().start(), SmsProvider().start()
    anchor = time.time() + START_IN
    clock = ScaledClock(parse_instant(EPOCH), anchor, SCALE)
    env = {"REMEDY_CLOCK_EPOCH": EPOCH, "REMEDY_CLOCK_SCALE": str(SCALE), "REMEDY_CLOCK_ANCHOR": repr(anchor),
           "REMEDY_SMTP_PORT": str(mail.port), "REMEDY_SMS_URL": sms.url,
           **{f"REMEDY_{s.upper()}_SWEEP_SECONDS": "0.25" for s in ("mediation", "enforcement", "repair", "objections")}}
    procs: list[ServiceProcess] = []
    pub = Publisher(broker, codec)
    log = CaseLog(broker, codec)
    notices = Follow(broker, "notice.log", codec, "NoticeLogEntry")
    try:
        procs = start_all(broker, tmp_path, env)
        time.sleep(max(0.0, anchor - time.time()))
        run(broker, codec, clock, pub, log, notices, mail, sms, tmp_path)
    finally:
        for p in procs:
            p.stop()
        pub.close()
        log.close()
        notices.close()
        mail.stop()
        sms.stop()


def run(broker, codec, clock, pub, log, notices, mail, sms, tmp_path) -> None:
    def send(topic: str, schema: str, record: dict) -> None:
        pub.send(topic, record["case_id"], schema, record)
        pub.flush()

    def settle(amount: int):
        return lambda e: send("mediation.outcomes", "MediationOutcome", outcome(
            e["case_id"], e["event"]["mediator_id"], e["event"]["tier"], "SETTLED", clock.now(),
            plan([amount], china_date(clock.now()) + timedelta(days=4), kind="LUMP_SUM")))

    def grant(e):
        send("court.decisions", "CourtDecision", decision(e["case_id"], "CONFIRMATION_GRANTED", clock.now(),
                                                          did=f"D-{e['event_id']}"))

    def pay(amount: int):
        return lambda e: send("payments", "Payment", payment(e["case_id"], f"PAY-{e['event_id']}", amount, clock.now()))

    def request(kind, **fields):
        def act(e):
            r = {"request_id": f"R-{kind}-{e['event_id']}", "case_id": e["case_id"], "kind": kind, "ground": None,
                 "detail": "", "channel": None, "objection_id": None, "decision": None,
                 "amended_principal_cents": None, "hardship_kinds": [], "submitted_at": clock.now()}
            r.update({k: (v(e) if callable(v) else v) for k, v in fields.items()})
            send("debtor.requests", "DebtorRequest", r)
        return act

    def withdraw(lender):
        return lambda e: send("lender.updates", "LenderUpdate", {
            "update_id": f"U-{e['event_id']}", "case_id": e["case_id"], "lender_id": lender, "kind": "WITHDRAWN",
            "amount_cents": 0, "note": "", "reported_at": clock.now()})

    anything = lambda b: True                                            # noqa: E731
    peoples = lambda b: b["tier"] == "PEOPLES"                           # noqa: E731
    # the debtor pays once the court's confirmation has reached them: paid earlier, the case may close while
    # the notice still waits out the day's cap, and a notice for a closed case is rightly suppressed
    paid_path = lambda total: [("SessionScheduled", peoples, settle(total)), ("ConfirmationRequested", anything, grant),  # noqa: E731
                               ("Served:confirmation_notice", anything, pay(total))]
    # name: (lender, principal, debtor, reactions)
    cases = {
        "x_paid": ("LENDER-NA", 1_000_000, "X", paid_path(600_000)),
        "x_objection": ("LENDER-NB", 1_200_000, "X", [     # objects once the demand letter has reached them
            ("Served:demand_letter", anything, request("OBJECTION", ground="IDENTITY_THEFT")),
            ("CaseHeld", anything, request("OBJECTION_DECISION", decision="UPHELD_CLOSE",
                                           objection_id=lambda e: e["event"]["objection_id"]))]),
        "x_withdrawn": ("LENDER-NC", 1_500_000, "X", [("Served:demand_letter", anything, withdraw("LENDER-NC"))]),
        "y_no_email": ("LENDER-NA", 900_000, "Y", paid_path(500_000)),
        "z_english": ("DEMO-EN", 800_000, "Z", [("Served:mediation_invitation", anything, withdraw("DEMO-EN"))]),
    }
    rng = random.Random(5)
    people: dict[str, dict] = {}
    defaults, ids, totals = [], {}, {}
    per_lender = Counter(lender for lender, *_ in cases.values())
    for n, (name, (lender, principal, who, _)) in enumerate(cases.items()):
        d = valid_default(rng, lender, 100 + n, f"B-{lender}", per_lender[lender], clock.now(), region="350502")
        person = people.setdefault(who, {k: d["debtor"][k] for k in ("name", "national_id", "phone", "email")})
        d["debtor"].update(person)
        d["debtor"].update({h: False for h in HARDSHIP})
        if who == "Y":
            d["debtor"]["email"] = person["email"] = None
        d.update(principal_cents=principal, interest_cents=80_000, penalty_cents=20_000, agreed_jurisdiction=None,
                 due_date=china_date(clock.now()) - timedelta(days=90), last_payment_date=None,
                 contract_date=china_date(clock.now()) - timedelta(days=455))
        ids[name] = case_id(lender, d["loan_id"], key=DEV_CASE_ID_KEY)
        totals[name] = principal + 100_000
        defaults.append(d)
    x, y, z = people["X"], people["Y"], people["Z"]
    assert x["email"] and x["phone"]
    pub.publish_defaults(defaults)

    fired: set[tuple[str, int]] = set()
    started = time.monotonic()
    while time.monotonic() - started < 100:
        log.poll()
        notices.poll()
        served = [{"type": f"Served:{e['kind']}", "event": e, "event_id": e["notice_id"], "case_id": e["case_id"]}
                  for e in notices.records if e["status"] == "SENT"]
        for name, (*_, reactions) in cases.items():
            for e in log.by_case[ids[name]] + [d for d in served if d["case_id"] == ids[name]]:
                for n, (type_, where, act) in enumerate(reactions):
                    if e["type"] == type_ and where(e["event"]) and (e["event_id"], n) not in fired:
                        fired.add((e["event_id"], n))
                        act(e)
        closed = all(any(e["type"] == "CaseClosed" for e in log.by_case[ids[n]]) for n in cases)
        if closed and settled(notices.records) and repaired_sent(notices.records, ids["x_paid"]):
            break
    time.sleep(3)                                                  # a simulated day: nothing more may come
    log.poll()
    entries = notices.poll()
    print(f"funnel settled after {time.monotonic() - started:.0f}s; notice.log:",
          dict(Counter((e["status"], e["rule"]) for e in entries)))
    report = {n: log.types(ids[n]) for n in cases}
    for n in cases:
        assert "CaseClosed" in report[n], f"{n} did not close: {report[n]}"
    assert settled(entries), f"every notice ends sent or suppressed: {unsettled(entries)}"
    by_case = defaultdict(list)
    for e in entries:
        by_case[e["case_id"]].append(e)
    sent = [e for e in entries if e["status"] == "SENT"]
    sent_by_id = {e["notice_id"]: e for e in sent}
    assert len(sent_by_id) == len(sent), "one SENT per notice"

    # -- exactly once at the receiving end
    mids = Counter(m["Message-ID"] for m in mail.mailbox)
    refs = Counter(m["client_ref"] for m in sms.delivered)
    assert mids and max(mids.values()) == 1 and refs and max(refs.values()) == 1
    assert {m["X-Remedy-Notice"] for m in mail.mailbox} | set(refs) == {e["notice_id"] for e in sent if e["channel"] != "LETTER"}

    # -- only the debtors, each at their own address
    assert {m["To"] for m in mail.mailbox} <= {x["email"], z["email"]}
    assert {m["to"] for m in sms.delivered} <= {"+86" + p["phone"] for p in (x, y, z)}

    # -- the guard's limits, seen at the channels and in notice.log
    for e in sent:
        assert lawful(e["at"]), f"SENT at {china(e['at'])} China time: {e['kind']}"
    for m in mail.mailbox:
        assert lawful(parsedate_to_datetime(m["Date"])), f"email dated {m['Date']}"
        entry = sent_by_id[m["X-Remedy-Notice"]]
        assert abs(parsedate_to_datetime(m["Date"]) - entry["at"]) < timedelta(seconds=1), "Date is the SENT instant"
    for m in sms.delivered:
        assert lawful(datetime.fromisoformat(m["sent_at"])), f"SMS sent at {m['sent_at']}"
        gap = datetime.fromisoformat(m["sent_at"]) - sent_by_id[m["client_ref"]]["at"]   # notice.log keeps ms
        assert timedelta(0) <= gap < timedelta(milliseconds=1), "the provider's sent_at is the SENT instant"
    x_cases = {ids[n] for n in ("x_paid", "x_objection", "x_withdrawn")}
    x_sent = [e for e in sent if e["case_id"] in x_cases]
    assert {e["lender_id"] for e in x_sent} == {"LENDER-NA", "LENDER-NB", "LENDER-NC"}
    assert len({e["debtor_ref"] for e in x_sent}) == 1
    per_day = Counter(china(e["at"]).date() for e in x_sent)
    at_channels = Counter(china(parsedate_to_datetime(m["Date"])).date() for m in mail.mailbox if m["To"] == x["email"])
    at_channels.update(china(datetime.fromisoformat(m["sent_at"])).date() for m in sms.delivered if m["to"] == "+86" + x["phone"])
    assert max(per_day.values()) <= CAP and max(at_channels.values()) <= CAP, (per_day, at_channels)
    assert at_channels == per_day, "every SENT for X reached the mailbox or the handset on that day"
    assert any(e["rule"] == "DAILY_CAP" and e["case_id"] in x_cases for e in entries), "X's notices met the cap"
    deferrals = Counter((e["notice_id"], e["rule"], e["deferred_until"]) for e in entries if e["status"] == "DEFERRED")
    assert max(deferrals.values()) == 1, "one entry per reason to wait"

    # -- nothing after CaseClosed but the closing documents. notify learns of an event a broker trip or two
    #    after it happened (~1 real second: hours at this scale); a notice released before then is not a
    #    breach. That lag is measured here: each notice's first entry against its triggering event.
    lag = notify_lag(entries, log, ids.values())
    print(f"notify's lag behind case.events: up to {lag.total_seconds() / SCALE:.2f} real s ({lag} simulated)")
    assert lag < timedelta(seconds=5 * SCALE), "notify keeps up with the case log"
    for name in cases:
        closed_at = next(e for e in log.by_case[ids[name]] if e["type"] == "CaseClosed")["occurred_at"]
        late = [e["kind"] for e in by_case[ids[name]]
                if e["status"] == "SENT" and e["at"] > closed_at + lag and e["kind"] not in AFTER_CLOSE]
        assert not late, f"{name}: sent after CaseClosed at {china(closed_at)}: {late}: {timeline(by_case[ids[name]])}"
        for e in by_case[ids[name]]:
            if e["rule"] == "CASE_CLOSED":
                assert e["kind"] not in AFTER_CLOSE

    # -- the right content: figures in bodies, texts and PDFs
    def email_of(nid: str):
        (m,) = [m for m in mail.mailbox if m["X-Remedy-Notice"] == nid]
        return m, m.get_body(("plain",)).get_content()

    def pdf_text(data: bytes) -> str:
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    for name in ("x_paid", "x_objection", "x_withdrawn"):
        (demand,) = [e for e in by_case[ids[name]] if e["kind"] == "demand_letter" and e["status"] == "SENT"]
        assert demand["channel"] == "EMAIL"
        m, body = email_of(demand["notice_id"])
        assert m["To"] == x["email"] and m["Subject"] == "催收函"
        assert x["name"] in body and money(totals[name], "zh") in body and ids[name] in body
        (att,) = list(m.iter_attachments())
        document = att.get_content()
        assert demand["content_hash"] == hashlib.sha256(document).hexdigest()
        text = pdf_text(document)
        assert demand["document_no"] in text and figures(totals[name]) in text and capitals(totals[name]) in text
    for e in (e for e in x_sent if e["channel"] == "EMAIL"):
        m, body = email_of(e["notice_id"])
        assert e["case_id"] in body and x["name"] in body, e["kind"]
    (certificate,) = [e for e in by_case[ids["x_paid"]] if e["kind"] == "credit_repair_certificate" and e["status"] == "SENT"]
    m, body = email_of(certificate["notice_id"])
    assert certificate["document_no"] in pdf_text(next(m.iter_attachments()).get_content())
    (decided,) = [e for e in by_case[ids["x_objection"]] if e["kind"] == "objection_decision" and e["status"] == "SENT"]
    objection_id = next(e for e in log.by_case[ids["x_objection"]] if e["type"] == "ObjectionFiled")["event"]["objection_id"]
    assert decided["channel"] == "SMS"
    (text,) = [s["text"] for s in sms.delivered if s["client_ref"] == decided["notice_id"]]
    assert text.startswith("【异议决定】") and objection_id in text
    for e in (e for e in x_sent if e["kind"] == "mediation_invitation" and e["channel"] == "SMS"):
        (text,) = [s["text"] for s in sms.delivered if s["client_ref"] == e["notice_id"]]
        name = next(n for n in cases if ids[n] == e["case_id"])
        assert x["name"] in text and money(totals[name], "zh") in text and e["case_id"] in text
    for e in (e for e in x_sent if e["kind"] == "settlement_notice" and e["channel"] == "SMS"):
        (text,) = [s["text"] for s in sms.delivered if s["client_ref"] == e["notice_id"]]
        assert money(600_000, "zh") in text and "LENDER-NA" in text

    # Y: no email on file — legal documents served by letter, no FAILED entry for a channel never possible
    y_entries = by_case[ids["y_no_email"]]
    assert not [e for e in y_entries if e["status"] == "FAILED"], [(e["kind"], e["rule"]) for e in y_entries]
    legal_y = [e for e in y_entries if e["status"] == "SENT" and e["document_no"]]
    assert {e["kind"] for e in legal_y} >= {"demand_letter", "confirmation_notice"}, (
        "\n".join(map(str, timeline(y_entries) + report["y_no_email"])))
    for e in legal_y:
        assert e["channel"] == "LETTER" and "no EMAIL on file" in e["detail"]
        letter = (tmp_path / "notify" / "letters" / f"{e['notice_id']}.pdf").read_bytes()
        assert hashlib.sha256(letter).hexdigest() == e["content_hash"] and e["document_no"] in pdf_text(letter)
        if e["kind"] == "demand_letter":
            assert figures(totals["y_no_email"]) in pdf_text(letter)
        if e["kind"] == "confirmation_notice":
            assert figures(500_000) in pdf_text(letter)
    assert not [m for m in mail.mailbox if m["To"] == y["email"]]

    # Z: an English-language lender
    (invitation,) = [e for e in by_case[ids["z_english"]] if e["kind"] == "mediation_invitation" and e["status"] == "SENT"]
    assert invitation["language"] == "en" and invitation["channel"] == "SMS"
    (text,) = [s["text"] for s in sms.delivered if s["client_ref"] == invitation["notice_id"]]
    assert text.startswith("Mediation:") and money(totals["z_english"], "en") in text

    dlq = Follow(broker, "notify.dlq", codec, "DeadLetter")
    time.sleep(0.5)
    assert dlq.poll() == []
    dlq.close()


def settled(entries: list[dict]) -> bool:
    """Every notice in notice.log has ended (sent or suppressed)."""
    ended = {e["notice_id"] for e in entries if e["status"] in TERMINAL}
    return bool(entries) and {e["notice_id"] for e in entries} <= ended


def repaired_sent(entries: list[dict], cid: str) -> bool:
    return any(e["case_id"] == cid and e["kind"] == "credit_repair_certificate" and e["status"] == "SENT" for e in entries)


def unsettled(entries: list[dict]) -> list[tuple]:
    ended = {e["notice_id"] for e in entries if e["status"] in TERMINAL}
    return [(e["kind"], e["lender_id"], e["status"], e["rule"], china(e["at"]).strftime("%m-%d %H:%M"),
             e["deferred_until"] and china(e["deferred_until"]).strftime("%m-%d %H:%M"), e["detail"])
            for e in entries if e["notice_id"] not in ended]


def timeline(entries: list[dict]) -> list[tuple]:
    return [(e["kind"], e["status"], e["rule"], china(e["at"]).strftime("%m-%d %H:%M")) for e in entries]


def notify_lag(entries: list[dict], log: CaseLog, cases) -> timedelta:
    """The longest time between a triggering CaseEvent and notify's first entry for its notice."""
    first: dict[str, dict] = {}
    for e in entries:
        first.setdefault(e["notice_id"], e)
    lags = []
    for e in first.values():
        trigger = [ev for ev in log.by_case[e["case_id"]] if ev["type"] == KINDS[e["kind"]].on]
        if trigger:
            lags.append(e["at"] - trigger[0]["occurred_at"])
    return max(lags)
