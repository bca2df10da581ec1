"""notify against a real Tansu broker, a real SMTP server (aiosmtpd) and the SMS provider double.

Scripted CaseEvents go straight into case.events with ``Publisher``; what the debtors receive is
checked at the SMTP server and at the SMS provider, and what notify did in notice.log.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path

import pytest

from remedy.runtime.publish import Publisher
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider
from tests.conftest import read_topic, wait_for_metric
from tests.notify_cases import Case, china, contact, numbered

pytestmark = pytest.mark.broker
NOW = china(2026, 11, 28, 10)


def notify_env(mail: MailServer, sms: SmsProvider) -> dict:
    return {"REMEDY_CLOCK_EPOCH": NOW.isoformat(), "REMEDY_CLOCK_SCALE": "0", "REMEDY_SMTP_PORT": str(mail.port),
            "REMEDY_SMS_URL": sms.url}


def publish(pub: Publisher, events: list[dict]) -> None:
    for e in events:
        pub.send("case.events", e["case_id"], "CaseEvent", e)
    pub.flush()


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_notices_reach_only_the_debtor_over_real_channels_within_the_rules(broker, services, codec, mail, sms, tmp_path):
    notify = services("notify", **notify_env(mail, sms))
    p = contact()
    pa, pb = Case("LENDER-A", "LA-1", p), Case("LENDER-B", "LB-1", p)            # one debtor, two lenders
    q = Case("LENDER-A", "LA-2", contact("110101198502021111", "李四", "12345", "lisi@bounce.invalid"))
    r = Case("LENDER-C", "LC-1", contact("110101197703033333", "王五", "13700137000", "wangwu@example.com"))
    pub = Publisher(broker, codec)
    publish(pub, [pa.opened(), pb.opened(), q.opened(), r.opened()])
    wait_for_metric(notify, "remedy_notify_consumed_total", 4, labels={"topic": "case.events"})
    pub.send("debtor.requests", r.case_id, "DebtorRequest",
             {"request_id": "REQ-1", "case_id": r.case_id, "kind": "OPT_OUT", "channel": "SMS", "submitted_at": NOW})
    pub.flush()
    wait_for_metric(notify, "remedy_notify_consumed_total", 1, labels={"topic": "debtor.requests"})
    publish(pub, [pa.triaged(), pb.triaged(), q.triaged(), r.held(), r.objection(), r.session(china(2026, 12, 2, 10))])
    # the acknowledgement goes out before the case closes (one closed between release and sending is suppressed)
    wait_until(lambda: any(e["kind"] == "objection_ack" and e["status"] == "SENT"
                           for _, e in read_topic(broker, "notice.log", codec, idle=0.3, timeout=2)), 60, "the ack")
    publish(pub, [r.closed("OBJECTION_UPHELD")])
    pub.close()
    # P: 4 notices, 3 sent + their receipts; Q: 2 notices (3 failures, 2 letters); R: ack (+opt-out entry), session
    log = [e for _, e in read_topic(broker, "notice.log", codec, until=17, timeout=90, idle=4)]
    assert not read_topic(broker, "notify.dlq", codec, idle=1, timeout=5)
    by = {ref: [e for e in log if e["debtor_ref"] == ref] for ref in (pa.debtor_ref, q.debtor_ref, r.debtor_ref)}

    mine = by[pa.debtor_ref]
    assert {e["lender_id"] for e in mine} == {"LENDER-A", "LENDER-B"}
    sent = [e for e in mine if e["status"] == "SENT"]
    assert len(sent) == 3, "at most 3 contacts per debtor per day across lenders"
    assert [(e["status"], e["rule"]) for e in mine if e["status"] == "DEFERRED"] == [("DEFERRED", "DAILY_CAP")]
    assert Counter(e["channel"] for e in mine if e["status"] == "DELIVERED") == Counter(e["channel"] for e in sent)
    texts = [m for m in sms.delivered if m["to"] == "+8613800138000"]
    emails = [m for m in mail.mailbox if m["To"] == p["email"]]
    assert len(texts) + len(emails) == 3
    for m in texts:
        assert "12,901.45元" in m["text"] and "张三" in m["text"]
    for m in emails:
        body = m.get_body(("plain",)).get_content()
        assert "12,345.67元" in body and "张三" in body
        entry = next(e for e in sent if f"<{e['notice_id']}@notify.remedy>" == m["Message-ID"])
        if entry["kind"] == "demand_letter":
            (pdf,) = [a.get_content() for a in m.iter_attachments()]
            assert entry["content_hash"] == hashlib.sha256(pdf).hexdigest() and entry["document_no"].startswith("CS-2026-")
            assert (Path(tmp_path / "notify" / "documents") / f"{entry['document_no']}.pdf").read_bytes() == pdf

    theirs = by[q.debtor_ref]
    assert sorted((e["kind"], e["channel"], e["status"], e["rule"]) for e in theirs) == [
        ("demand_letter", "EMAIL", "FAILED", "BOUNCED"), ("demand_letter", "LETTER", "SENT", None),
        ("mediation_invitation", "EMAIL", "FAILED", "BOUNCED"), ("mediation_invitation", "LETTER", "SENT", None),
        ("mediation_invitation", "SMS", "FAILED", "INVALID_PHONE")]
    letters = {e["notice_id"] for e in theirs if e["channel"] == "LETTER"}
    assert {f.stem for f in (tmp_path / "notify" / "letters").glob("*.pdf")} == letters
    assert mail.handler.bounced == ["lisi@bounce.invalid"] * 2

    held = by[r.debtor_ref]
    assert sorted((e["kind"], e["channel"], e["status"], e["rule"]) for e in held) == [
        ("objection_ack", "EMAIL", "DELIVERED", None), ("objection_ack", "EMAIL", "SENT", None),
        ("objection_ack", "SMS", "SUPPRESSED", "OPTED_OUT"),
        ("session_notice", "EMAIL", "DEFERRED", "CASE_ON_HOLD"), ("session_notice", "EMAIL", "SUPPRESSED", "CASE_CLOSED")]
    assert not [m for m in sms.delivered if m["to"] == "+8613700137000"], "opted out of SMS"

    assert len({m["Message-ID"] for m in mail.mailbox}) == len(mail.mailbox) == mail.handler.attempts
    assert {m["To"] for m in mail.mailbox} <= {p["email"], "wangwu@example.com"}
    assert len(log) == 17


def test_killed_mid_burst_and_restarted_no_message_is_delivered_twice_and_none_is_lost(broker, services, codec, mail, sms):
    notify = services("notify", **notify_env(mail, sms))
    debtors = 150   # big enough that the kill lands mid-burst: 40 were all delivered within one 0.1 s poll
    cases = [numbered(i) for i in range(debtors)]
    pub = Publisher(broker, codec)
    publish(pub, [c.opened() for c in cases])
    wait_for_metric(notify, "remedy_notify_consumed_total", debtors, labels={"topic": "case.events"})
    burst = [e for c in cases for e in (c.triaged(), c.instalment_due())]   # 2 SMS + 1 email per debtor
    publish(pub, burst)
    expected_sms, expected_mail = 2 * debtors, debtors

    wait_until(lambda: len(sms.delivered) + len(mail.mailbox) >= 20, 60, "the burst to start arriving")
    notify.kill()
    at_kill = len(sms.delivered) + len(mail.mailbox)
    assert at_kill < expected_sms + expected_mail, "killed in the middle of the burst"
    notify.start().wait_ready(120)
    wait_until(lambda: len(sms.delivered) == expected_sms and len(mail.mailbox) == expected_mail, 150,
               "every notice after the restart")
    time.sleep(3)
    pub.close()

    refs = Counter(m["client_ref"] for m in sms.delivered)
    mids = Counter(m["Message-ID"] for m in mail.mailbox)
    assert len(refs) == expected_sms and max(refs.values()) == 1
    assert len(mids) == expected_mail and max(mids.values()) == 1
    by_phone = Counter(m["to"] for m in sms.delivered)
    assert set(by_phone) == {f"+86138{i:08d}" for i in range(debtors)} and set(by_phone.values()) == {2}
    assert {m["To"] for m in mail.mailbox} == {f"d{i}@example.com" for i in range(debtors)}
    log = [e for _, e in read_topic(broker, "notice.log", codec, until=2 * (expected_sms + expected_mail), timeout=90, idle=4)]
    sent_ids = {e["notice_id"] for e in log if e["status"] == "SENT"}
    assert sent_ids == set(refs) | {m["X-Remedy-Notice"] for m in mail.mailbox}
    print(f"killed after {at_kill} deliveries; re-sends absorbed: sms {sms.duplicates}, email {mail.handler.duplicates}")


@pytest.fixture
def slow_sms():
    """An SMS provider taking 0.1 s to answer: with two send slots, a burst lasts long enough to join it."""
    provider = SmsProvider(latency_seconds=0.1).start()
    yield provider
    provider.stop()


def test_a_second_instance_joining_mid_burst_takes_partitions_over_without_sending_a_notice_twice(
        broker, services, codec, mail, slow_sms, tmp_path):
    sms, env = slow_sms, {**notify_env(mail, slow_sms), "REMEDY_NOTIFY_CONCURRENT_SENDS": "2"}
    first = services("notify", **env)
    debtors = 150
    cases = [numbered(i) for i in range(debtors)]
    pub = Publisher(broker, codec)
    publish(pub, [c.opened() for c in cases])
    wait_for_metric(first, "remedy_notify_consumed_total", debtors, labels={"topic": "case.events"})
    publish(pub, [e for c in cases for e in (c.triaged(), c.instalment_due())])   # 2 SMS + 1 email per debtor
    pub.close()
    expected_sms, expected_mail = 2 * debtors, debtors

    wait_until(lambda: len(sms.delivered) + len(mail.mailbox) >= 20, 60, "the burst to start arriving")
    second = services("notify", **env, REMEDY_DATA_DIR=str(tmp_path / "notify-2"))
    at_join = len(sms.delivered) + len(mail.mailbox)
    wait_until(lambda: len(sms.delivered) == expected_sms and len(mail.mailbox) == expected_mail, 150,
               "every notice with two instances")

    assert at_join < expected_sms + expected_mail, "the second instance joined in the middle of the burst"
    assert wait_for_metric(second, "remedy_notify_consumed_total", 1, labels={"topic": "notify.intents"}) >= 1
    assert sms.duplicates == 0 and mail.handler.duplicates == 0, "a notice was sent again by the instance taking over"
    log = [e for _, e in read_topic(broker, "notice.log", codec, until=2 * (expected_sms + expected_mail), timeout=90, idle=4)]
    sent = Counter(e["notice_id"] for e in log if e["status"] == "SENT")
    assert len(sent) == expected_sms + expected_mail and set(sent.values()) == {1}


def test_night_burst_waits_for_08_00_then_legal_documents_go_first_under_the_cap(broker, services, codec, mail, sms):
    evening = china(2026, 11, 28, 21, 59, 30)
    scale = 1200.0   # one real second is 20 minutes: 08:00 comes ~25 s after the start
    env = {**notify_env(mail, sms), "REMEDY_CLOCK_EPOCH": evening.isoformat(), "REMEDY_CLOCK_SCALE": str(scale),
           "REMEDY_CLOCK_ANCHOR": str(time.time())}
    services("notify", **env)
    p = contact()
    a, b = Case("LENDER-A", "LA-1", p, at=evening), Case("LENDER-B", "LB-1", p, at=evening)
    pub = Publisher(broker, codec)
    publish(pub, [a.opened(), b.opened(), a.triaged(), b.triaged()])
    pub.close()
    log = [e for _, e in read_topic(broker, "notice.log", codec, until=4 + 3 + 3 + 1, timeout=120, idle=4)]
    morning = china(2026, 11, 29, 8)
    deferred = [e for e in log if e["status"] == "DEFERRED" and e["rule"] == "QUIET_HOURS"]
    assert len(deferred) == 4 and {e["deferred_until"] for e in deferred} == {morning}
    sent = [e for e in log if e["status"] == "SENT"]
    assert len(sent) == 3 and all(e["at"] >= morning for e in sent)
    assert sorted(e["kind"] for e in sent) == ["demand_letter", "demand_letter", "mediation_invitation"]
    (capped,) = [e for e in log if e["rule"] == "DAILY_CAP"]
    assert capped["kind"] == "mediation_invitation" and capped["deferred_until"] == china(2026, 11, 30, 8)
    assert len(mail.mailbox) == 2 and len(sms.delivered) == 1
