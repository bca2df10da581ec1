"""On the in-memory funnel: a debtor whose name has a character the embedded font lacks gets no document with a
box in it. The legal document is refused (notice.log FAILED, rule UNRENDERABLE, naming the case and the field), a
dead letter on notify.dlq, a metric; the same case's SMS notices still go out, and another debtor's document is sent."""
from __future__ import annotations

from remedy.kernel.clock import FrozenClock, parse_instant
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import STAGES, MemoryFunnel, own_settings
from services.notify.worker import wire as wire_notify
from tests.memory import world as worlds
from tests.memory.test_notices import EPOCH, Inbox
from tests.memory.world import Script, World

UNPRINTABLE = "张\U00020000三"   # U+20000 (CJK Extension B): not in the embedded font


async def test_a_document_that_cannot_be_printed_is_refused_counted_and_dead_lettered(tmp_path, monkeypatch):
    made, original = [], worlds.valid_default

    def named(*args, **kwargs):
        d = original(*args, **kwargs)
        d["debtor"]["name"] = UNPRINTABLE if not made else "李四"
        made.append(d["loan_id"])
        return d

    monkeypatch.setattr(worlds, "valid_default", named)
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    inboxes = {name: Inbox(name) for name in ("EMAIL", "SMS", "LETTER")}
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)), services=(*STAGES, "notify"), settings=settings,
                          wiring={"notify": lambda host: wire_notify(host, settings, own_settings("notify"), inboxes)})
    world = World(funnel, "LENDER-MEM-D")
    ids = world.open_cases([Script("unprintable"), Script("printable")], seed=7)
    await world.run(days=2, step_hours=1)

    log = funnel.decoded("notice.log", "NoticeLogEntry")
    bad, good = ids["unprintable"], ids["printable"]
    refused = [e for e in log if e["rule"] == "UNRENDERABLE"]
    assert refused and {e["case_id"] for e in refused} == {bad}
    assert all("field debtor_name" in e["detail"] and bad in e["detail"] and "\U00020000" not in e["detail"] for e in refused)
    assert any(e["case_id"] == bad and e["channel"] == "SMS" and e["status"] == "SENT" for e in log)
    assert any(e["case_id"] == good and e["kind"] == "demand_letter" and e["status"] == "SENT" and e["content_hash"]
               for e in log)
    letters = funnel.decoded("notify.dlq", "DeadLetter")
    assert letters and all(d["error_type"] == "Unrenderable" and "debtor_name" in d["error"] for d in letters)
    registry = funnel.host("notify").metrics.registry
    assert registry.get_sample_value("remedy_notify_documents_refused_total",
                                     {"kind": "demand_letter", "field": "debtor_name"}) >= 1
