"""Where notify prints: in a process of its own, so printing (about 10 ms of CPU a document, all of it holding the
GIL) does not take turns with the event loop that reads inputs, decides and sends.

One worker process (``ProcessPoolExecutor``), started with notify (``warm``) or by the first document, builds the
printer once from the same settings as notify's (``Printer.settings``) and prints one document at a time; the
inputs go to it and the PDF comes back (the same bytes as printed in notify: printing is deterministic). ``bench/bench_print_pool.py`` measured it
against the thread beside the loop: with the loop busy deciding, the loop decided 3.3x as much while a burst was
printed and woke at most 0.5 ms late at p99 instead of 7.8 ms, and printing was 14% faster; with the loop idle,
printing was 6% slower (the inputs and the PDF cross a pipe).

The printing process runs at a lower priority (``NICENESS``): on a machine whose cores are all busy, reading and
deciding (notify's loop, and the other stages beside it) go first and documents wait; on an idle core printing runs
at full speed. A notice is printed a little later under load; a case is never decided later for printing.

The process is started with ``spawn`` (a fork would copy notify's threads' locks) and dies with notify: a thread in
it exits it when its parent is gone, so a SIGKILLed notify leaves no printer behind; a normal exit shuts it down
after the documents being printed. A printing process that died is replaced on the next document, which is tried
again once. A printer built without settings (tests, tools: ``printer.default``) prints on a thread instead.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from services.notify.paper import Inputs
from services.notify.printer import Printer

WATCH_SECONDS = 0.5   # how often the printing process checks that notify is still there
NICENESS = 10         # added to the printing process's nice value (0 – 19: 19 is the lowest priority)
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify-print")   # one at a time: reportlab keeps globals
_printers: dict[tuple[str, str, str], Printer] = {}   # in the printing process: the printer of each settings


def _start(parent: int) -> None:
    """In the printing process: lower its priority, and leave as soon as notify is gone (a SIGKILLed parent never
    shuts its pool down)."""
    os.nice(NICENESS)
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(0)
    threading.Thread(target=watch, name="notify-print-parent", daemon=True).start()


def _printer(settings: tuple[str, str, str]) -> Printer:
    """In the printing process: the printer of ``settings``, built once."""
    printer = _printers.get(settings)
    if printer is None:
        printer = _printers[settings] = Printer.from_settings(*settings)
    return printer


def _print(settings: tuple[str, str, str], inputs: Inputs) -> bytes:
    """In the printing process: the document, by a printer built once from ``settings``."""
    return _printer(settings).pdf(inputs)


def _warm(settings: tuple[str, str, str]) -> None:
    """In the printing process: the printer built ahead of the first document."""
    _printer(settings)


def _built(settings: tuple[str, str, str]) -> bool:
    return settings in _printers


class Printing:
    """Prints documents off notify's event loop: in the printing process, or on a thread for a printer without
    settings."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _process(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_start, initargs=(os.getpid(),))
            return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def pdf(self, printer: Printer, inputs: Inputs) -> bytes:
        """The document's PDF; raises ``Unrenderable`` as ``printer.pdf`` does."""
        if printer.settings is None:
            return await asyncio.get_running_loop().run_in_executor(_THREAD, printer.pdf, inputs)
        pool = self._process()
        try:
            return await asyncio.wrap_future(pool.submit(_print, printer.settings, inputs))
        except BrokenProcessPool:   # the printing process died (killed, out of memory): a new one, tried once
            self._replace(pool)
        return await asyncio.wrap_future(self._process().submit(_print, printer.settings, inputs))

    def warm(self, settings: tuple[str, str, str]) -> None:
        """Start the printing process and build its printer (``Printer.settings``) now, while notify joins its
        group, so the first notices are not sent behind the process's start (0.3 s on a quiet machine, seconds on
        a busy one; the first document then takes 0.02 s)."""
        self._process().submit(_warm, settings)

    def built(self, settings: tuple[str, str, str]) -> bool:
        """Whether the printing process has built the printer of ``settings`` (starting it if need be): for tests."""
        return self._process().submit(_built, settings).result()

    def pid(self) -> int:
        """The printing process's id (starting it if need be): for operators and tests."""
        return self._process().submit(os.getpid).result()

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


PRINTING = Printing()
