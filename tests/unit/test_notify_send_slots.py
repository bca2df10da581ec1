"""notify's send slots (services.notify.slots): decisions never wait for a slot; a tick starts waiting sends
while slots are free, and a fresh release queues behind the debtors already waiting."""
from services.notify.slots import UNSETTLED_PER_SLOT, SendSlots


def test_a_release_with_no_free_slot_is_told_so_at_once():
    slots = SendSlots(2)
    assert slots.take(0, fresh=True) and slots.take(0, fresh=True)
    assert not slots.take(0, fresh=True), "no slot: answered at once"
    assert not slots.queued, "a fresh release finding none queues no partition: its debtor is due in the index"
    slots.release()
    assert slots.take(0, fresh=True)


def test_a_fresh_release_waits_behind_the_debtors_already_waiting_in_its_partition():
    asked = []
    slots = SendSlots(1)
    slots.ask = lambda: asked.append(1)
    assert slots.take(3, fresh=False)                      # a tick starts a waiting send
    assert not slots.take(3, fresh=False), "none free: the tick stops here"
    assert slots.queued == {3}
    slots.release()
    assert asked == [1], "a finished send asks for the next waiting one at once"
    assert not slots.take(3, fresh=True), "a free slot goes to the queue first"
    assert slots.take(4, fresh=True), "another partition has nobody waiting"
    slots.release()
    slots.swept(3, finished=False)
    assert not slots.take(3, fresh=True)
    slots.swept(3, finished=True)
    assert slots.take(3, fresh=True), "once a tick started every waiting send, fresh ones take slots again"
    asked.clear()
    slots.release()
    assert asked == [], "nobody queued: nothing to ask for"


def test_sends_whose_results_the_guard_has_not_applied_are_bounded_and_a_result_applied_starts_the_next():
    asked, sending = [], []
    slots = SendSlots(2, unsettled=lambda: len(sending))
    slots.ask = lambda: asked.append(1)
    most = 2 * UNSETTLED_PER_SLOT
    for n in range(most):   # the channels finish at once, but the guard is behind: no result applied yet
        assert slots.take(0, fresh=False)
        sending.append(n)
        slots.release()
    assert slots.free == 2, "every slot is free: the channels are done"
    assert not slots.take(0, fresh=False), "the guard is behind by the most results allowed: sending waits for it"
    assert not slots.take(1, fresh=True), "for every partition"
    assert slots.queued == {0}
    asked.clear()
    sending.pop()
    slots.settled()
    assert asked == [1], "a result applied starts the next waiting send at once"
    assert slots.take(0, fresh=False)


def test_after_a_revocation_nothing_is_unsettled_or_queued_here():
    sending = []
    slots = SendSlots(1, unsettled=lambda: len(sending))
    assert slots.take(2, fresh=False)
    sending.append("N-1")
    assert not slots.take(2, fresh=False)
    slots.release()
    sending.clear()          # as notify does when its partitions are revoked
    slots.queued.clear()
    assert slots.unsettled() == 0 and not slots.queued
    assert slots.take(2, fresh=True)
