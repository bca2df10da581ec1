"""The results of finished sends, written together: their notice.log entries in one acknowledged write, then their
``settle`` intents in one batch.

Each send used to write its own entries and its own intent: two record batches of one to four records per notice.
The dev broker (Tansu) keeps a partition as the list of batches producers sent and spends time on every fetch in
proportion to that list (``bench/bench_broker_batches.py``: a fetch of the last 100 records of a partition held as
100,000 one-record batches costs it about 50 times what the same records in batches of 1,000 do), so at a
million notices the two topics made every read of them slow. Results that finish while a write is under way, or
within ``gather`` seconds of the last one, now share the next write: at most one write of each kind per
``gather`` under load, none delayed when sends are rare.

The order that makes a kill -9 safe is kept for every result: its entries are on the broker before its intent
is written (``Host.emit_acknowledged``). A write that fails fails every send whose result it held; each of those
stays ``inflight`` and is sent again (the channels dedupe by notice id).
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from remedy.kernel.stage import Emit

Intent = tuple[str, dict]   # (debtor_ref, the intent)


@dataclass
class _Result:
    emits: list[Emit]
    intent: Intent
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Recorder:
    def __init__(self, write_entries: Callable[[list[Emit]], Awaitable[None]],
                 write_intents: Callable[[list[Intent]], Awaitable[None]], gather: float):
        self.write_entries, self.write_intents, self.gather = write_entries, write_intents, gather
        self.waiting: list[_Result] = []
        self.writes = 0
        self._rounds: asyncio.Task | None = None
        self._last = float("-inf")

    async def record(self, emits: list[Emit], debtor_ref: str, intent: dict) -> None:
        """Returns once ``emits`` are on the broker and ``intent`` has been handed to the producer after them;
        raises what the write raised."""
        result = _Result(emits, (debtor_ref, intent))
        self.waiting.append(result)
        if self._rounds is None or self._rounds.done():
            self._rounds = asyncio.ensure_future(self._write_rounds())
        await result.done

    async def _write_rounds(self) -> None:
        while self.waiting:
            pause = self._last + self.gather - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            self._last = time.monotonic()
            taken, self.waiting = self.waiting, []
            try:
                await self.write_entries([e for r in taken for e in r.emits])
                await self.write_intents([r.intent for r in taken])
            except Exception as exc:  # noqa: BLE001 - handed to every send it held, which logs and retries
                for r in taken:
                    if not r.done.done():
                        r.done.set_exception(exc)
            else:
                for r in taken:
                    if not r.done.done():
                        r.done.set_result(None)
            self.writes += 1
