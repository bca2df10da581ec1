"""faust's per-record delivery without four tasks per record.

faust's consumer hands each fetched record to the topic conductor as
``await self.wait_first(callback(message), self.suspend_flow.wait())``, so that a delivery blocked
by backpressure can be abandoned when a rebalance suspends the flow. ``wait_first`` wraps the
delivery, the suspension, "stopped" and "crashed" in four tasks and an ``asyncio.wait``, for
every record; yet a delivery almost never blocks (the conductor puts into the stream's queue
without waiting unless it is full, the producer is choked or the flow is suspended). That was
~17% of a pass-through worker's CPU (``bench/passthrough_batched.py``, py-spy).

``install()`` replaces ``Consumer._drain_messages`` with faust 0.15.3's own loop, changed in one
place: the delivery coroutine is run eagerly up to its first suspension. Finished there (the usual
case), nothing else is created; suspended, it is resumed under the same ``wait_first`` as before,
so suspension, stop and crash still abandon it.

Guarded (``remedy.runtime.patches.guard``): ``GUARD`` records the faust version and the sha256 of the
``_drain_messages`` this copies; with another faust the worker refuses to start. Without it
(``REMEDY_FAUST_PATCHES`` leaving out ``fastpath``) faust's own ``_drain_messages`` runs: correct, slower.

measured 2026-12-04 (``bench/bench_patches.py``: the pass-through on Remedy's runtime, 3 rounds of 40,000
records, medians): worker CPU 50 µs per record with every patch, 97 µs with all but fastpath (101 µs with
none), so fastpath halves the CPU per record (1.94x, -46 µs); records/s 10,911 with every patch, 9,958
without fastpath (1.08x; the shared 2-core machine was loaded by other test runs, load ~2.4, so the rates
were bounded by it; a single quieter trial of 6,000 records read 22,901 vs 12,170 records/s).
"""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Coroutine, cast

from faust.transport.consumer import CONSUMER_FETCHING, Consumer
from mode import Service

from remedy.runtime.patches.guard import Guard, replace, restore

GUARD = Guard(
    module=__name__, patch="fastpath", use="replaces", target="faust.transport.consumer:Consumer._drain_messages",
    kind="coroutine method", distribution="faust-streaming", versions=("0.15.3",),
    sha256="44a2500309e83c630493f6828af50166ec8d96a0b3e4fb2bab735f704ae93417",
    without="faust's own _drain_messages runs: correct, slower")


class _Resumed:
    """Awaiting this continues a coroutine already started by hand (which yielded ``yielded``), in
    the awaiting task, exactly as if that task had started it: what it awaits is awaited by the task."""

    __slots__ = ("coro", "yielded")

    def __init__(self, coro: Coroutine, yielded: Any):
        self.coro, self.yielded = coro, yielded

    def __await__(self):
        coro, value = self.coro, self.yielded
        while True:
            try:
                received = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown into the coroutine, as a task would
                try:
                    value = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = coro.send(received)
                except StopIteration as stop:
                    return stop.value


async def resume(coro: Coroutine, yielded: Any) -> Any:
    return await _Resumed(coro, yielded)


def start_eagerly(coro: Coroutine) -> tuple[bool, Any]:
    """Run ``coro`` until it first suspends: (True, its result) if it finished, else (False, what it
    yielded to its task), to be continued with ``resume``. Its exceptions propagate."""
    try:
        yielded = coro.send(None)
    except StopIteration as stop:
        return True, stop.value
    return False, yielded


async def _gap_and_commit(self, tp, message, r_offset, acks_enabled_for, commit_every) -> None:
    """faust's own bookkeeping before a delivery: record a gap in the offsets, commit every N acks."""
    offset = message.offset
    gap = offset - (r_offset or 0)
    if gap > 1 and r_offset:
        if acks_enabled_for(message.topic):
            await self._add_gap(tp, r_offset + 1, offset)
    if commit_every is not None:
        if self._n_acked >= commit_every:
            self._n_acked = 0
            await self.commit()


async def _deliver(self, callback, message) -> None:
    """The one change from faust: the delivery runs eagerly; only a blocked one gets ``wait_first``."""
    if self.suspend_flow.is_set():
        await self.wait_first(callback(message), self.suspend_flow.wait())
        return
    delivery = callback(message)
    done, yielded = start_eagerly(delivery)
    if not done:
        await self.wait_first(resume(delivery, yielded), self.suspend_flow.wait())


async def _drain_messages(self, fetcher: Service) -> None:  # pragma: no cover - faust's loop, see module doc
    callback = self.callback
    getmany = self.getmany
    consumer_should_stop = cast(Service, self)._stopped.is_set
    fetcher_should_stop = cast(Service, fetcher)._stopped.is_set

    get_read_offset = self._read_offset.__getitem__
    set_read_offset = self._read_offset.__setitem__
    flag_consumer_fetching = CONSUMER_FETCHING
    set_flag = self.diag.set_flag
    unset_flag = self.diag.unset_flag
    commit_every = self._commit_every
    acks_enabled_for = self.app.topics.acks_enabled_for

    yield_every = 100
    num_since_yield = 0
    sleep = asyncio.sleep

    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            set_flag(flag_consumer_fetching)
            ait = cast(AsyncIterator, getmany(timeout=1.0))
            await self.sleep(0)
            if not self.should_stop:
                async for tp, message in ait:
                    num_since_yield += 1
                    if num_since_yield > yield_every:
                        await sleep(0)
                        num_since_yield = 0

                    offset = message.offset
                    r_offset = get_read_offset(tp)
                    if r_offset is None or offset >= r_offset:
                        await _gap_and_commit(self, tp, message, r_offset, acks_enabled_for, commit_every)
                        await _deliver(self, callback, message)
                        set_read_offset(tp, offset)
                    else:
                        self.log.dev("DROPPED MESSAGE ROFF %r: k=%r v=%r", offset, message.key, message.value)
                unset_flag(flag_consumer_fetching)

    except self.consumer_stopped_errors:
        if self.transport.app.should_stop:
            self.log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if self.transport.app.should_stop:
            self.log.info("Consumer shutting down for user cancel.")
            return
        raise
    except Exception as exc:
        self.log.exception("Drain messages raised: %r", exc)
        raise
    finally:
        unset_flag(flag_consumer_fetching)


def install() -> None:
    replace(Consumer, "_drain_messages", _drain_messages)


def uninstall() -> None:
    restore(Consumer, "_drain_messages")
