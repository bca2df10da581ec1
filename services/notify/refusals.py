"""Notices whose document cannot be printed (``printer.Unrenderable``): counted by kind and field, and
dead-lettered on ``notify.dlq`` with the reason (the case and the field, never the debtor's value)."""
from __future__ import annotations

from prometheus_client import Counter

from remedy.kernel.emit import Emit
from remedy.kernel.stage import Host
from remedy.runtime.deadletter import dead_letter
from services.notify.printer import Unrenderable

DLQ = "notify.dlq"


class Refusals:
    def __init__(self, host: Host, service: str):
        self.host, self.service, self.pending = host, service, []
        self.counter = Counter(f"remedy_{service}_documents_refused", "notices refused because their document "
                               "cannot be printed (a character the embedded font lacks, a name too long for its box)",
                               ["kind", "field"], registry=host.metrics.registry)

    def __call__(self, notice: dict, exc: Unrenderable) -> None:
        self.counter.labels(notice["kind"], exc.field.split(".")[0]).inc()
        self.pending.append(dead_letter(self.service, "notify.intents", -1, -1, notice["debtor_ref"].encode(),
                                        notice["notice_id"].encode(), exc, self.host.clock.now()))

    def take(self) -> list[Emit]:
        """The dead letters of what was refused since the last take."""
        letters, self.pending = self.pending, []
        return [Emit(DLQ, letter["key"].decode(), "DeadLetter", letter) for letter in letters]

    async def flush(self) -> None:
        """Dead-letter what was refused since the last flush."""
        for out in self.take():
            await self.host.emit(out)
