"""remedy.runtime.patches.fastpath: a delivery runs eagerly; one that blocks is resumed in a task as if it had started there."""
from __future__ import annotations

import asyncio

import pytest

from remedy.runtime.patches.fastpath import resume, start_eagerly


def test_a_delivery_that_never_waits_finishes_on_the_spot():
    seen = []

    async def deliver():
        seen.append("put")
        return 7

    assert start_eagerly(deliver()) == (True, 7)
    assert seen == ["put"]


def test_a_delivery_that_blocks_is_resumed_by_a_task_and_gets_what_it_awaited():
    async def main():
        gate = asyncio.get_running_loop().create_future()
        steps = []

        async def deliver():
            steps.append("before")
            value = await gate
            steps.append(f"after {value}")
            return value * 2

        coro = deliver()
        done, yielded = start_eagerly(coro)
        assert not done and yielded is gate and steps == ["before"]
        task = asyncio.ensure_future(resume(coro, yielded))
        await asyncio.sleep(0)
        assert not task.done()
        gate.set_result(21)
        assert await task == 42 and steps == ["before", "after 21"]

    asyncio.run(main())


def test_cancelling_a_resumed_delivery_cancels_the_delivery_itself():
    async def main():
        cleaned = []

        async def deliver():
            try:
                await asyncio.sleep(3600)
            finally:
                cleaned.append(True)

        coro = deliver()
        done, yielded = start_eagerly(coro)
        task = asyncio.ensure_future(resume(coro, yielded))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cleaned == [True]

    asyncio.run(main())


def test_a_delivery_that_fails_raises_at_once():
    async def deliver():
        raise ValueError("bad record")

    with pytest.raises(ValueError, match="bad record"):
        start_eagerly(deliver())
