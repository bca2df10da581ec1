"""A sent notice's result is recorded only once the broker has its notice.log entries: the result (a ``settle``
intent) and the entries go to different partitions, and a partition whose batch is in flight holds its records
back while another's leave, so a notify killed in between kept the result, never sent the notice again, and
its SENT entry was lost (seen in CI: two notices delivered with no SENT entry on notice.log)."""
from __future__ import annotations

import json
from collections import Counter

from remedy.contract.codec import Codec
from remedy.contract.paths import SCHEMAS_DIR
from remedy.ops.memory_funnel import own_settings
from remedy.runtime.memory import MemoryHost, MemoryRunner
from services.notify.channels import Result
from services.notify.worker import wire
from tests.memory.notify_setup import DEBTORS, sent_log, setting_up


class Channel:
    def __init__(self, name: str):
        self.name = name

    async def send(self, out) -> Result:
        return Result("SENT")


class WatchedHost(MemoryHost):
    """Notes the notice ids whose SENT entries were acknowledged, and every result recorded before its entry was."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.acknowledged: set[str] = set()
        self.settled: Counter = Counter()
        self.early: list[str] = []

    async def emit_acknowledged(self, outs) -> None:
        outs = list(outs)
        await super().emit_acknowledged(outs)
        self.acknowledged |= {o.record["notice_id"] for o in outs if o.topic == "notice.log"}

    async def send(self, topic, key, value, partition=None) -> None:
        intent = json.loads(value) if topic == "notify.intents" and value else {}
        if intent.get("op") == "settle":
            self.settled[intent["status"]] += 1
            if intent["notice_id"] not in self.acknowledged:
                self.early.append(intent["notice_id"])
        await super().send(topic, key, value, partition)


async def test_a_sent_notice_is_settled_only_after_the_broker_has_its_log_entries(tmp_path):
    bus, clock, settings = setting_up(tmp_path)
    host = WatchedHost(bus, "notify", Codec(SCHEMAS_DIR), clock)
    wire(host, settings, own_settings("notify"), {n: Channel(n) for n in ("EMAIL", "SMS", "LETTER")})
    await MemoryRunner(bus, [host]).settle()

    sent = set(sent_log(bus))
    assert len(sent) == 2 * DEBTORS and host.settled == {"SENT": 2 * DEBTORS}
    assert host.early == [], "a result recorded before the broker had the notice's log entries"
    assert sent <= host.acknowledged
