"""notify's send slots (services.notify.slots): decisions never wait for a slot; waiting debtors are woken one
slot at a time, and a fresh release queues behind them."""
import asyncio

from services.notify.slots import SendSlots


def run(coro):
    return asyncio.run(coro)


def test_a_release_with_no_free_slot_is_told_so_at_once_instead_of_waiting():
    async def go():
        slots = SendSlots(2)
        assert await slots.take(0, "D1") and await slots.take(0, "D2")
        assert not await asyncio.wait_for(slots.take(0, "D3"), 0.1), "no slot: answered at once, False"
        slots.release()
        assert await slots.take(0, "D3")
    run(go())


def test_a_slot_reserved_for_a_waiting_debtor_is_that_debtors_and_no_one_elses():
    async def go():
        slots = SendSlots(1)
        assert await slots.reserve(3, "D-waiting")
        assert not await slots.take(3, "D-fresh"), "the reserved slot is not free"
        assert await slots.take(3, "D-waiting")
        assert not await slots.reserve(3, "D-next"), "none free: the tick stops here"
        assert not await slots.take(3, "D-fresh"), "its partition is queued: a fresh release waits its turn"
        assert await slots.take(4, "D-other") is False, "and no slot is free anyway"
        slots.release()
        assert not await slots.take(3, "D-fresh"), "a free slot goes to the queue first"
        slots.swept(3, finished=True)
        assert await slots.take(3, "D-fresh"), "once a tick woke every waiting debtor, fresh ones take slots again"
    run(go())


def test_a_reservation_not_taken_is_given_back():
    async def go():
        now = [0.0]
        slots = SendSlots(1, hold=30.0, monotonic=lambda: now[0])
        assert await slots.reserve(0, "D1")
        slots.unused("D1")                       # its wake found nothing to send
        assert await slots.reserve(0, "D2")
        now[0] = 31.0                            # D2's wake went to another instance after a rebalance
        assert await slots.reserve(0, "D3"), "the stale reservation expired and its slot was reused"
        assert not await slots.take(0, "D2")
    run(go())
