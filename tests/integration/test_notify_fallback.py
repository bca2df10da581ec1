"""A debtor the lender gave no email (or no phone) for: that channel was never possible, so nothing
FAILED; the notice goes to the next channel and says so. Real SMTP server and SMS provider double."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from services.notify import plan
from services.notify.catalogue import Catalogue
from services.notify.channels import EmailChannel, LetterChannel, SmsChannel
from services.notify.dispatch import dispatch
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider
from tests.notify_cases import PSEUDO, Case, china, contact

CAT = Catalogue.load()
NOW = china(2026, 11, 28, 10)


@pytest.fixture
def world(tmp_path):
    mail, sms = MailServer().start(), SmsProvider().start()
    chans = {"EMAIL": EmailChannel("127.0.0.1", mail.port, "notices@remedy.example"), "SMS": SmsChannel(sms.url),
             "LETTER": LetterChannel(tmp_path)}
    yield mail, sms, chans, tmp_path
    mail.stop()
    sms.stop()


def notices(case: Case, envelope: dict) -> list[dict]:
    memory = plan.react(None, case.opened(), CAT).state
    return [i["notice"] for i in plan.intents(plan.react(memory, envelope, CAT))]


async def test_no_email_on_file_is_not_a_failure_legal_documents_are_served_by_letter(world):
    mail, sms, chans, tmp = world
    person = contact(email=None)
    case = Case("LENDER-A", "L-1", person)
    invitation, demand = notices(case, case.triaged())
    is_debtor = lambda c: PSEUDO.debtor_ref(c["national_id"]) == case.debtor_ref  # noqa: E731
    status, entries = await dispatch(demand, person, chans, CAT, NOW, is_debtor=is_debtor)
    assert status == "SENT"
    assert [(e["channel"], e["status"]) for e in entries] == [("LETTER", "SENT")]
    assert "no EMAIL on file" in entries[0]["detail"]
    letter = PdfReader(tmp / "letters" / f"{demand['notice_id']}.pdf").pages[0].extract_text()
    assert demand["document_no"] in letter and "¥12,901.45" in letter
    status, entries = await dispatch(invitation, person, chans, CAT, NOW, is_debtor=is_debtor)
    assert [(e["channel"], e["status"]) for e in entries] == [("SMS", "SENT")]
    assert not mail.handler.attempts and len(sms.delivered) == 1
    assert sms.delivered[0]["sent_at"] == NOW.isoformat()

    no_phone = contact(phone="")
    status, entries = await dispatch(invitation, no_phone, chans, CAT, NOW, is_debtor=is_debtor)
    assert [(e["channel"], e["status"]) for e in entries] == [("EMAIL", "SENT"), ("EMAIL", "DELIVERED")]
    assert entries[0]["detail"].startswith("no SMS on file")
    (msg,) = mail.mailbox
    assert msg["Date"] == "Sat, 28 Nov 2026 02:00:00 +0000", "the Date header is the clock's instant of sending"

    bad = contact(email="not-an-address")                     # malformed: the lender's data is wrong → FAILED
    status, entries = await dispatch(demand, bad, chans, CAT, NOW, is_debtor=is_debtor)
    assert [(e["channel"], e["status"], e["rule"]) for e in entries] == [("EMAIL", "FAILED", "INVALID_EMAIL"),
                                                                         ("LETTER", "SENT", None)]
    await chans["SMS"].close()
