"""What a worker is waiting on, on demand: ``kill -USR1 <pid>`` logs every asyncio task's stack and the
consumer's flow state (assignment, paused, buffered and active partitions, read offsets, positions).

A stalled worker's threads sit idle in the event loop's ``select`` (which is all py-spy shows): the stall is an
``await`` somewhere, and only the tasks' own stacks say which one.
"""
from __future__ import annotations

import asyncio
import io
import logging
import signal

log = logging.getLogger("remedy.runtime.introspect")


def await_chain(coro) -> list[str]:
    """Where a coroutine waits: its frame, then each coroutine, generator or async generator it awaits, down
    to the innermost (``Task.print_stack`` shows only the outermost frame of a suspended coroutine)."""
    lines = []
    while coro is not None and len(lines) < 40:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = (getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
                or getattr(coro, "ag_await", None))
    return lines


def tasks_report(loop: asyncio.AbstractEventLoop) -> str:
    out = io.StringIO()
    tasks = asyncio.all_tasks(loop)
    out.write(f"{len(tasks)} tasks\n")
    for task in sorted(tasks, key=lambda t: t.get_name()):
        out.write(f"--- {task.get_name()}\n")
        out.write("\n".join(await_chain(task.get_coro())) + "\n")
    return out.getvalue()


def _tps(tps) -> str:
    return ", ".join(sorted(f"{tp.topic}[{tp.partition}]" for tp in tps or ()))


def consumer_report(app) -> str:
    """faust's view of its consumer (public attributes where they exist, the flow fields it keeps)."""
    consumer = app.consumer
    lines = [f"assignment: {_tps(consumer.assignment())}",
             f"active: {_tps(getattr(consumer, '_active_partitions', None))}",
             f"paused: {_tps(getattr(consumer, '_paused_partitions', None))}",
             f"buffered: {_tps(getattr(consumer, '_buffered_partitions', None))}",
             f"flow_active={getattr(consumer, 'flow_active', '?')} suspend_flow={consumer.suspend_flow.is_set()} "
             f"can_resume_flow={consumer.can_resume_flow.is_set()} app.flow_control.active="
             f"{app.flow_control.is_active()} in_recovery={app.in_recovery} rebalancing={app.rebalancing}",
             f"read offsets: {sorted((f'{tp.topic}[{tp.partition}]', o) for tp, o in consumer._read_offset.items())}",
             f"committed: {sorted((f'{tp.topic}[{tp.partition}]', o) for tp, o in consumer._committed_offset.items())}"]
    inner = getattr(getattr(consumer, "_thread", None), "_consumer", None)
    if inner is not None:
        lines.append(f"aiokafka paused: {_tps(inner.paused())}")
        positions = []
        for tp in inner.assignment():
            try:
                positions.append((f"{tp.topic}[{tp.partition}]", inner._subscription.subscription.assignment
                                  .state_value(tp).position))
            except Exception as exc:  # noqa: BLE001 - a diagnostic: say what could not be read
                positions.append((f"{tp.topic}[{tp.partition}]", repr(exc)))
        lines.append(f"aiokafka positions: {sorted(positions)}")
    for agent in app.agents.values():
        for actor in getattr(agent, "_actors", ()):
            stream = getattr(actor, "stream", None)
            channel = getattr(stream, "channel", None)
            queue = getattr(channel, "queue", None)
            if queue is not None:
                lines.append(f"agent {agent.name}: queue {queue.qsize()}/{queue.maxsize} "
                             f"pressure callbacks {len(getattr(queue, '_pending_pressure_drop_callbacks', ()))}")
    return "\n".join(lines)


def install(app) -> None:
    """On SIGUSR1, log the tasks and the consumer's state (at WARNING, so any log level shows it)."""
    def dump() -> None:
        loop = asyncio.get_running_loop()
        try:
            state = consumer_report(app)
        except Exception as exc:  # noqa: BLE001 - a diagnostic never takes the worker down
            state = f"consumer state unreadable: {exc!r}"
        log.warning("introspection (SIGUSR1):\n%s\n%s", state, tasks_report(loop))

    @app.task
    async def _register() -> None:   # after mode's worker has set its own SIGUSR1 (all threads' stacks and locals)
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
