"""Batches of inputs from a faust stream that cost nothing while no input comes.

faust's ``Stream.take_events(max_, within)`` wakes every ``within`` seconds whether or not anything
arrived: with the 10 ms a funnel hop can afford, an idle agent cost ~6% of a core (measured with one
intake worker on Tansu: 7.8% idle, 1.6% with ``within`` at 1 s), and a run has about fifteen agents.
``take_batches`` is the same mechanism in two phases: it waits without a timeout for the first
input, then at most ``within`` for the batch to fill. Events are acknowledged after the batch's
consumer has handled them, as ``take_events`` does.

It uses two private names of faust's ``Stream``, as ``take_events`` itself does: ``_enable_passive``
(start the background task that runs the processors) and ``_processors`` (to remove its processor
at the end; faust has ``add_processor`` but no ``remove_processor``). No public API does either;
``GUARDS`` checks both at start-up (``remedy.runtime.patches.guard``).
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

from faust.types import EventT, StreamT
from mode.utils.futures import notify

from remedy.runtime.patches.guard import Guard

GUARDS = (
    Guard(module=__name__, use="calls", target="faust.streams:Stream._enable_passive", kind="method",
          distribution="faust-streaming", versions=("0.15.3",),
          sha256="64da8ce9f729e30ea2c6952a4cb55617c1231f82793c4435966a8b811a0f26e8"),
    Guard(module=__name__, use="reads", target="faust.streams:Stream._processors", kind="attribute",
          distribution="faust-streaming", versions=("0.15.3",)),
)


async def take_batches(stream: StreamT, max_: int, within: float) -> AsyncIterator[list[EventT]]:
    events: list[EventT] = []
    started, full, consumed = asyncio.Event(), asyncio.Event(), asyncio.Event()
    consuming: asyncio.Future | None = None
    acks_before = stream.enable_acks

    async def add_to_buffer(value):
        """Runs in faust's background task for each input, with ``stream.current_event`` set."""
        nonlocal consuming
        try:
            if consuming is not None:  # the consumer is reading the buffer: wait until it is done
                try:
                    await consuming
                finally:
                    consuming = None
            event = stream.current_event
            if event is None:
                raise RuntimeError("take_batches found no current event")
            events.append(event)
            started.set()
            if len(events) >= max_:
                full.set()
                consumed.clear()
                await stream.wait(consumed)  # never more than max_ in a batch
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # as take_events: a broken buffer stops the stream loudly
            stream.log.exception("Error adding to take buffer: %r", exc)
            await stream.crash(exc)
        return value

    stream.enable_acks = False  # acknowledged below, once the batch is handled
    stream.add_processor(add_to_buffer)
    stream._enable_passive(aiter(stream.channel))
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(started)            # idle: no timer runs
            await stream.wait_for_stopped(full, timeout=within)
            if not events:
                continue
            consuming = asyncio.get_running_loop().create_future()
            try:
                yield list(events)
            finally:
                for event in events:
                    await stream.ack(event)
                events.clear()
                started.clear()
                full.clear()
                notify(consuming)
                consumed.set()
    finally:
        stream.enable_acks = acks_before
        stream._processors.remove(add_to_buffer)
