"""``kill -USR1`` on a worker: the report names every task and the line each one waits on."""
import asyncio

from remedy.runtime.introspect import tasks_report


async def test_the_report_shows_where_each_task_waits():
    gate = asyncio.Event()

    async def waits_for_the_gate():
        await gate.wait()

    task = asyncio.create_task(waits_for_the_gate(), name="stuck-on-the-gate")
    await asyncio.sleep(0)
    report = tasks_report(asyncio.get_running_loop())
    gate.set()
    await task
    assert "--- stuck-on-the-gate" in report
    assert "in waits_for_the_gate" in report and "locks.py" in report, report
