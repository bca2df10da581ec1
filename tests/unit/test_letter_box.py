"""notify's letter box: every instance of notify leaves letters in one directory, and a letter sent again (by the
instance that took over a partition from one that died) is still one letter."""
from __future__ import annotations

from pathlib import Path

from remedy.ops.procs import instance_env
from services.notify.channels import LetterChannel, Outgoing


async def test_two_instances_sending_one_notice_leave_one_letter(tmp_path):
    shared = tmp_path / "letters"
    first, second = LetterChannel(tmp_path / "notify-1", shared), LetterChannel(tmp_path / "notify-2", shared)
    letter = Outgoing("N-1", None, "催告函", "正文", b"%PDF-first", "N-1.pdf")
    assert (await first.send(letter)).status == "SENT"
    again = await second.send(Outgoing("N-1", None, "催告函", "正文", b"%PDF-again", "N-1.pdf"))
    assert again.status == "SENT" and "already there" in again.detail
    assert [p.name for p in shared.iterdir()] == ["N-1.pdf"] and (shared / "N-1.pdf").read_bytes() == b"%PDF-first"


def test_every_notify_instance_is_given_the_shared_letter_box(tmp_path):
    dirs = {instance_env("notify", n, 6105, tmp_path)["REMEDY_NOTIFY_LETTERS_DIR"] for n in (1, 2, 3)}
    assert dirs == {str(Path(tmp_path) / "letters")}
    assert "REMEDY_NOTIFY_LETTERS_DIR" not in instance_env("triage", 1, 6101, tmp_path)
