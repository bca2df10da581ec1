"""Where notify should print: on a thread beside its event loop (one GIL for printing and deciding) or in a
process of its own (``services/notify/printing.py``: a ``ProcessPoolExecutor`` of one worker that builds the printer
once from the same settings). Both go through ``printing.Printing``: a printer without settings prints on its
thread, one from settings in its process.

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
import os
import resource
import statistics
import sys
import time
from dataclasses import replace

from services.notify import plan
from services.notify.printer import Printer
from services.notify.printing import Printing
from tests.documents_cases import CAT, inputs
from tests.notify_cases import Case, contact

BURST_DECISIONS = 100   # decisions the loop has to make per document in a burst (about 1.5 ms of CPU)


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


async def run(printing: Printing, printer: Printer, docs: list, mode: str) -> dict:
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
        await printing.pdf(printer, given)
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
    printer = replace(Printer.from_settings(), settings=None)   # printed on Printing's thread
    printer.pdf(docs[0])   # warm: font registered, styles built
    return asyncio.run(run(Printing(), printer, docs, mode))


def process_round(docs: list, mode: str) -> dict:
    before, printing, printer = children_cpu(), Printing(), Printer.from_settings()
    asyncio.run(printing.pdf(printer, docs[0]))   # warm: the process started, its printer built
    result = asyncio.run(run(printing, printer, docs, mode))
    printing.shutdown()
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
