"""A court's signed request accepted once is refused again after the gateway restarts (the signatures seen
within the window are kept in its store), and expired ones are dropped."""
import pytest

from services.gateway.guards import ReplayGuard, SignatureRefused, sign
from services.gateway.replay_memory import ReplayMemory
from services.gateway.store import Store

SECRET, NOW = b"court-secret", 1_800_000_000.0


def guard(store: Store, now: float = NOW) -> ReplayGuard:
    memory = ReplayMemory(store)
    return ReplayGuard(300, memory.load(now), memory.keep)


def signed(ts: float, body: bytes = b'{"kind": "JUDGMENT"}') -> tuple:
    return SECRET, str(int(ts)), body, sign(SECRET, str(int(ts)), body)


def test_a_signature_accepted_before_a_restart_is_refused_after_it(tmp_path):
    store = Store(tmp_path / "rm")
    guard(store).check(*signed(NOW), NOW)
    store.close()
    reopened = Store(tmp_path / "rm")
    with pytest.raises(SignatureRefused, match="replayed"):
        guard(reopened, NOW + 10).check(*signed(NOW), NOW + 10)
    guard(reopened, NOW + 10).check(*signed(NOW + 5), NOW + 10)   # another request is taken


def test_signatures_past_their_window_are_dropped_from_the_store(tmp_path):
    store = Store(tmp_path / "rm")
    g = guard(store)
    g.check(*signed(NOW), NOW)
    g.check(*signed(NOW + 1), NOW + 1)
    memory = ReplayMemory(store)
    assert len(memory.load(NOW + 2)) == 2
    assert memory.load(NOW + 301) == {sig_of(NOW + 1): NOW + 301}
    assert memory.load(NOW + 400) == {}


def sig_of(ts: float) -> str:
    return signed(ts)[3]
