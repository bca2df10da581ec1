"""notify's channels against a real SMTP server (aiosmtpd) and the SMS provider double, no broker."""
from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.channels import EmailChannel, LetterChannel, Outgoing, SmsChannel
from services.notify.dispatch import dispatch
from tests.notify_cases import PSEUDO, Case, china, contact

CAT = Catalogue.load()
NOW = china(2026, 11, 28, 10)


@pytest.fixture
def channels(mail, sms, tmp_path):
    chans = {"EMAIL": EmailChannel("127.0.0.1", mail.port, "notices@remedy.example"), "SMS": SmsChannel(sms.url),
             "LETTER": LetterChannel(tmp_path)}
    yield chans


def notice(case: Case, envelope: dict) -> dict:
    memory = plan.react(None, case.opened(), CAT).state
    intents = plan.intents(plan.react(memory, envelope, CAT))
    return intents[-1]["notice"]


def is_debtor_of(n):
    return lambda c: PSEUDO.debtor_ref(c["national_id"]) == n["debtor_ref"]


async def test_legal_document_by_email_with_pdf_and_proof(channels, mail):
    person = contact()
    case = Case("LENDER-A", "L-1", person)
    n = notice(case, case.triaged())
    assert n["kind"] == "demand_letter"
    archived = {}
    status, entries = await dispatch(n, person, channels, CAT, NOW, is_debtor=is_debtor_of(n),
                                     archive=lambda no, data: archived.__setitem__(no, data))
    assert status == "SENT" and [(e["status"], e["channel"]) for e in entries] == [("SENT", "EMAIL"), ("DELIVERED", "EMAIL")]
    (msg,) = mail.mailbox
    assert msg["To"] == person["email"] and msg["Message-ID"] == f"<{n['notice_id']}@notify.remedy>"
    assert msg["Subject"] == "催收函" and "12,901.45元" in msg.get_body(("plain",)).get_content()
    (att,) = list(msg.iter_attachments())
    pdf = att.get_content()
    assert entries[0]["content_hash"] == hashlib.sha256(pdf).hexdigest() == hashlib.sha256(archived[n["document_no"]]).hexdigest()
    assert entries[0]["document_no"] == n["document_no"]
    assert "¥12,345.67" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


async def test_resending_the_same_notice_is_deduped_by_message_id_and_client_ref(channels, mail, sms):
    person = contact()
    case = Case("LENDER-A", "L-1", person)
    email_notice, sms_notice = notice(case, case.triaged()), notice(case, case.instalment_due())
    for _ in range(3):
        await dispatch(email_notice, person, channels, CAT, NOW, is_debtor=is_debtor_of(email_notice))
        status, entries = await dispatch(sms_notice, person, channels, CAT, NOW, is_debtor=is_debtor_of(sms_notice))
        assert status == "SENT" and entries[0]["channel"] == "SMS"
    assert len(mail.mailbox) == 1 and mail.handler.attempts == 3 and mail.handler.duplicates == 2
    assert len(sms.delivered) == 1 and sms.requests == 3 and sms.duplicates == 2
    assert sms.delivered[0]["to"] == "+8613800138000" and "5,000.00元" in sms.delivered[0]["text"]
    assert "duplicate" in entries[0]["detail"]
    await channels["SMS"].close()


async def test_bad_data_fails_with_reason_and_falls_back_never_raises(channels, mail, sms, tmp_path):
    case = Case("LENDER-A", "L-1", contact())
    reminder = notice(case, case.instalment_due())          # SMS → EMAIL → LETTER
    bounced = contact(phone="12345", email="zhang@bounce.invalid")
    status, entries = await dispatch(reminder, bounced, channels, CAT, NOW, is_debtor=is_debtor_of(reminder))
    assert status == "SENT"
    assert [(e["channel"], e["status"], e["rule"]) for e in entries] == [
        ("SMS", "FAILED", "INVALID_PHONE"), ("EMAIL", "FAILED", "BOUNCED"), ("LETTER", "SENT", None)]
    assert "fallback EMAIL" in entries[0]["detail"] and "fallback LETTER" in entries[1]["detail"]
    letter = tmp_path / "letters" / f"{reminder['notice_id']}.pdf"
    assert "5,000.00元" in PdfReader(letter).pages[0].extract_text()
    assert mail.handler.bounced == ["zhang@bounce.invalid"] and not mail.mailbox and not sms.delivered

    status, entries = await dispatch(reminder, None, channels, CAT, NOW, is_debtor=is_debtor_of(reminder))
    assert [(e["channel"], e["rule"]) for e in entries] == [("SMS", "NO_CONTACT"), ("EMAIL", "NO_CONTACT"), ("LETTER", None)]
    # the provider itself refuses a number that looks valid here but not there
    out = Outgoing("k1", "+8612", "t", "x")
    assert (await channels["SMS"].send(out)).reason == "INVALID_NUMBER"
    await channels["SMS"].close()


async def test_only_the_debtor_is_contacted(channels, mail, sms):
    case = Case("LENDER-A", "L-1", contact())
    n = notice(case, case.instalment_due())
    stranger = contact(national_id="110101198001011111", phone="13900000000", email="someone@example.com")
    status, entries = await dispatch(n, stranger, channels, CAT, NOW, is_debtor=is_debtor_of(n))
    assert status == "SUPPRESSED" and entries[0]["rule"] == "NOT_THE_DEBTOR"
    assert not mail.mailbox and not sms.delivered


async def test_channel_outage_is_a_failed_entry_not_a_crash(tmp_path):
    case = Case("LENDER-A", "L-1", contact())
    n = notice(case, case.instalment_due())
    dead = {"EMAIL": EmailChannel("127.0.0.1", 1, "x@y.z"), "SMS": SmsChannel("http://127.0.0.1:1"), "LETTER": LetterChannel(tmp_path)}
    status, entries = await dispatch(n, contact(), dead, CAT, NOW, is_debtor=is_debtor_of(n))
    assert [(e["channel"], e["rule"]) for e in entries] == [("SMS", "CHANNEL_UNAVAILABLE"), ("EMAIL", "CHANNEL_UNAVAILABLE"),
                                                            ("LETTER", None)]
    await dead["SMS"].close()


async def test_email_keeps_one_connection_and_survives_a_server_restart():
    """Notices go out on one kept-open SMTP connection; when the server drops it (a restart), the next
    notice reconnects instead of failing."""
    from sim.mailserver import MailServer

    first = MailServer().start()
    channel = EmailChannel("127.0.0.1", first.port, "notices@remedy.example", connections=1)
    out = lambda key: Outgoing(key, "debtor@example.com", "Notice", "text")  # noqa: E731
    try:
        assert (await channel.send(out("N-1"))).status == "DELIVERED"
        assert (await channel.send(out("N-2"))).status == "DELIVERED" and channel.connections_opened == 1
        first.stop()
        second = MailServer(port=first.port).start()
        try:
            assert (await channel.send(out("N-3"))).status == "DELIVERED"
            assert [m["X-Remedy-Notice"] for m in second.mailbox] == ["N-3"] and channel.connections_opened == 2
        finally:
            second.stop()
        assert len(first.mailbox) == 2
    finally:
        channel._pool.submit(channel._drop).result()
