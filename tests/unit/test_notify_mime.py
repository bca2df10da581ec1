"""notify writes email bytes itself (the email package was the slowest step of a notice): any mail
reader must see the same message the EmailMessage API would have built."""
from datetime import datetime, timezone
from email import message_from_bytes, policy

from services.notify.channels import Outgoing, mime_message


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def test_a_legal_notice_with_its_pdf_reads_back_exactly():
    subject = "关于借款逾期的催收函与诉前调解告知书（第一次）——请于十五日内联系调解中心" * 2
    pdf = bytes(range(256)) * 40
    out = Outgoing("N-1", "zhang@example.com", subject, "您好，张三：\n欠款 12,901.45元。", pdf, "DOC-9.pdf",
                   sent_at=datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc))
    raw = mime_message("notices@remedy.example", out)
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 78
    msg = parse(raw)
    assert msg["Subject"] == subject and msg["To"] == "zhang@example.com"
    assert msg["Message-ID"] == "<N-1@notify.remedy>" and msg["X-Remedy-Notice"] == "N-1"
    assert msg["Date"].datetime == out.sent_at
    assert msg.get_body(("plain",)).get_content() == out.text
    (att,) = msg.iter_attachments()
    assert att.get_filename() == "DOC-9.pdf" and att.get_content() == pdf


def test_a_plain_notice_has_no_attachment():
    msg = parse(mime_message("notices@remedy.example", Outgoing("N-2", "li@example.com", "Reminder", "Pay by 1 Dec.")))
    assert msg["Subject"] == "Reminder" and msg.get_content() == "Pay by 1 Dec." and not list(msg.iter_attachments())
