"""Where notify should print: on a thread beside its event loop (one GIL for printing and deciding), or in a
process of its own, as it does (``services/notify/printing.py``) (a ``ProcessPoolExecutor`` of one worker, started with ``spawn``,
that builds the printer once from the same settings; the inputs go to it, the PDF comes back).

One event loop does what notify's does while a burst of legal documents is printed: it awaits each document from
the executor, one at a time (as ``dispatch`` does), while a decider coroutine runs notify's pure decision
(``plan.react``) over scripted case events, yielding to the loop between decisions, and a ticker measures how late
the loop wakes it (every millisecond). Three modes: ``idle`` (no decider), ``deciding`` (the decider never stops:
what the loop gets done while a burst prints), ``burst`` (the decider has ``BURST_DECISIONS`` a document to make:
wall time until both the documents and the decisions are done). Reported per executor: documents/s, decisions/s meanwhile, the loop's lag
(p50/p99/max), and CPU (this process, and the printing process). The thread and the process are timed in
alternating rounds. ``python -m bench.bench_print_pool [documents] [rounds]``.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

from services.notify import plan
from services.notify.printer import Printer
from tests.documents_cases import CAT, inputs
from tests.notify_cases import Case, contact

BURST_DECISIONS = 100   # decisions the loop has to make per document in a burst (about 1.5 ms of CPU)
_CHILD: Printer | None = None


def _start_child() -> None:
    global _CHILD
    _CHILD = Printer.from_settings()


def _print_in_child(given) -> bytes:
    return _CHILD.pdf(given)


def documents(n: int) -> list:
    """n demand letters, each for another case (the QR code and the case reference differ)."""
    base = inputs("demand_letter")
    return [replace(base, context={**base.context, "case_id": f"C{i:024x}"}) for i in range(n)]


def decisions() -> list[tuple[dict | None, dict]]:
    """(memory, event) pairs for plan.react: every notice event of a scripted case."""
    case = Case("LENDER-A", "L-1", contact())
    memory, out = None, []
    for event in [case.opened(), *case.every_notice_event()]:
        out.append((memory, event))
        memory = plan.react(memory, event, CAT).state
    return out


async def run(executor: Executor, print_one, docs: list, mode: str) -> dict:
    loop, done = asyncio.get_running_loop(), asyncio.Event()
    lags: list[float] = []
    decided = 0
    pairs = decisions()

    async def ticker() -> None:
        while not done.is_set():
            due = loop.time() + 0.001
            await asyncio.sleep(0.001)
            lags.append(max(0.0, loop.time() - due))

    async def decider() -> None:
        nonlocal decided
        while not done.is_set() and (mode != "burst" or decided < BURST_DECISIONS * len(docs)):
            memory, event = pairs[decided % len(pairs)]
            plan.react(memory, event, CAT)
            decided += 1
            await asyncio.sleep(0)

    deciding = asyncio.create_task(decider()) if mode != "idle" else None
    ticking = asyncio.create_task(ticker())
    cpu, wall = time.process_time(), time.perf_counter()
    for given in docs:
        await loop.run_in_executor(executor, print_one, given)
    if mode == "burst":
        await deciding   # the burst is over when both are done
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    await asyncio.gather(ticking, *([deciding] if deciding else []))
    lags.sort()
    return {"docs/s": len(docs) / wall, "decisions/s": decided / wall, "lag p50 ms": lags[len(lags) // 2] * 1e3,
            "lag p99 ms": lags[int(len(lags) * 0.99)] * 1e3, "lag max ms": lags[-1] * 1e3, "parent CPU s": cpu,
            "wall s": wall}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def thread_round(docs: list, mode: str) -> dict:
    printer = Printer.from_settings()
    printer.pdf(docs[0])   # warm: font registered, styles built
    with ThreadPoolExecutor(max_workers=1) as pool:
        return asyncio.run(run(pool, printer.pdf, docs, mode))


def process_round(docs: list, mode: str) -> dict:
    before = children_cpu()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_child) as pool:
        pool.submit(_print_in_child, docs[0]).result()   # warm: the process started, its printer built
        result = asyncio.run(run(pool, _print_in_child, docs, mode))
    result["child CPU s"] = children_cpu() - before   # the process's whole life, its start and warm-up included
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    docs = documents(n)
    print(f"print pool: {n} demand letters, {rounds} alternating rounds, load {os.getloadavg()[0]:.2f}, "
          f"{os.cpu_count()} cores")
    results: dict[str, list[dict]] = {}
    for _ in range(rounds):
        for mode in ("idle", "deciding", "burst"):
            results.setdefault(f"thread, {mode}", []).append(thread_round(docs, mode))
            results.setdefault(f"process, {mode}", []).append(process_round(docs, mode))
    for name, rs in results.items():
        keys = rs[0].keys()
        line = "  ".join(f"{k} {statistics.median(r[k] for r in rs):.2f}" for k in keys)
        spread = ", ".join(f"{r['docs/s']:.0f}" for r in rs)
        print(f"print pool: {name:24s} {line}  (docs/s per round: {spread})")
    print(f"print pool: load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
