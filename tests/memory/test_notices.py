"""Notices on the in-memory funnel: notify's own wiring between intake, triage, mediation and the
debtor's channels (in-memory inboxes here; the real SMTP and SMS peers are tests/integration and
tests/broker). Every notice a case calls for reaches the debtor once, never in quiet hours, and no
debtor gets more than the daily limit across lenders."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from remedy.kernel.clock import CHINA_TZ, FrozenClock, parse_instant
from remedy.kernel.settings import Settings
from remedy.ops.memory_funnel import STAGES, MemoryFunnel, own_settings
from services.notify.channels import Result
from services.notify.settings import NotifySettings
from services.notify.worker import wire as wire_notify
from tests.memory.world import Script, World, anything, tier

EPOCH = "2026-12-01T13:30:00+00:00"   # 21:30 in China: the first notices fall into quiet hours


class Inbox:
    """A channel that keeps what it is given (deduplicating by the notice id, as real providers do)."""

    def __init__(self, name: str):
        self.name, self.received, self.keys = name, [], set()

    async def send(self, out) -> Result:
        if out.key not in self.keys:
            self.keys.add(out.key)
            self.received.append(out)
        return Result("SENT")


async def test_notices_reach_each_debtor_once_outside_quiet_hours(tmp_path):
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    inboxes = {name: Inbox(name) for name in ("EMAIL", "SMS", "LETTER")}
    funnel = MemoryFunnel(FrozenClock(parse_instant(EPOCH)), services=(*STAGES, "notify"), settings=settings,
                          wiring={"notify": lambda host: wire_notify(host, settings, own_settings("notify"), inboxes)})
    world = World(funnel, "LENDER-MEM-N")
    world.open_cases([Script(f"settles-{n}", [("SessionScheduled", tier("PEOPLES"), world.settle([100_000], 5, "LUMP_SUM"), 1),
                                              ("ConfirmationRequested", anything, world.court("CONFIRMATION_GRANTED"), 0)])
                      for n in range(6)], seed=5)
    await world.run(days=12, step_hours=1)

    log = funnel.decoded("notice.log", "NoticeLogEntry")
    sent = [e for e in log if e["status"] == "SENT"]
    assert len(sent) >= 6 * 2, f"too few notices: {Counter(e['kind'] for e in sent)}"
    per_kind = Counter((e["case_id"], e["kind"], e["channel"]) for e in sent)
    assert max(per_kind.values()) == 1, "a notice was sent twice"
    received = [o for box in inboxes.values() for o in box.received]
    assert len(received) == len(sent)
    for out in received:
        local = out.sent_at.astimezone(CHINA_TZ)
        assert 8 <= local.hour < 22, f"sent at {local:%H:%M} local time"
    assert any(e["status"] == "DEFERRED" for e in log), "the 21:30 openings were not held until 08:00"
    per_day = Counter((e["debtor_ref"], e["at"].astimezone(CHINA_TZ).date()) for e in sent)
    assert max(per_day.values()) <= own_settings("notify").daily_contacts
    assert funnel.clock.now() - parse_instant(EPOCH) >= timedelta(days=12)


class SlowInbox(Inbox):
    """An inbox whose sends take a while, and that notes how many notices the guard had released by then and
    how many sends were under way at once (``sending``: shared by the channels)."""

    def __init__(self, name: str, released, sending: Counter):
        super().__init__(name)
        self.released, self.at_send, self.sending = released, [], sending

    async def send(self, out) -> Result:
        self.sending["now"] += 1
        self.sending["most"] = max(self.sending["most"], self.sending["now"])
        self.at_send.append(self.released())
        for _ in range(5):
            await asyncio.sleep(0)
        self.sending["now"] -= 1
        return await super().send(out)


async def test_decisions_run_ahead_of_sending_and_a_backlog_drains_each_notice_once(tmp_path):
    """One send slot, twelve debtors opened at 10:00 on a working day: the guard releases every first notice
    without waiting for the slot; the notices then go one at a time, each exactly once."""
    settings = Settings.from_env({"REMEDY_DATA_DIR": str(tmp_path)})
    notify = NotifySettings.from_env({"REMEDY_NOTIFY_CONCURRENT_SENDS": "1"})
    hosts, boxes, sending = {}, {}, Counter()

    def wire(host):
        hosts["notify"] = host
        boxes.update({name: SlowInbox(name, lambda: released_total(host), sending) for name in ("EMAIL", "SMS", "LETTER")})
        wire_notify(host, settings, notify, boxes)

    funnel = MemoryFunnel(FrozenClock(parse_instant("2026-12-01T02:00:00+00:00")), services=(*STAGES, "notify"),
                          settings=settings, wiring={"notify": wire})
    world = World(funnel, "LENDER-MEM-Q")
    world.open_cases([Script(f"waits-{n}", []) for n in range(12)], seed=8)
    await funnel.run(timedelta(hours=1), step=timedelta(minutes=10))

    sent = [e for e in funnel.decoded("notice.log", "NoticeLogEntry") if e["status"] == "SENT"]
    received = [o for box in boxes.values() for o in box.received]
    assert len(sent) >= 12 and len(received) == len(sent)
    assert len({o.key for o in received}) == len(received), "a notice reached its channel twice"
    assert sending["most"] == 1, "more notices were sent at once than there are slots"
    first_send = min(v for box in boxes.values() for v in box.at_send)
    assert first_send >= 6, f"only {first_send:.0f} notices were released when the first was sent: decisions waited"
    assert released_total(hosts["notify"]) == len(sent)


def released_total(host) -> float:
    return sum(s.value for m in host.metrics.registry.collect() for s in m.samples
               if s.name == "remedy_notify_released_total")
