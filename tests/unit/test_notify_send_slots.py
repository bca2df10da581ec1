"""notify's send slots (services.notify.slots): decisions never wait for a slot; a tick starts waiting sends
while slots are free, and a fresh release queues behind the debtors already waiting."""
from services.notify.slots import SendSlots


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
