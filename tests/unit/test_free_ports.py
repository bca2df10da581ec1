"""Test processes running side by side draw ports from their own slices, and a process never hands out the
same port twice in a row before its listener is up."""
from remedy.runtime.broker import free_port, port_candidates


def test_each_xdist_worker_has_its_own_slice_of_ports():
    slices = [port_candidates({"PYTEST_XDIST_WORKER": f"gw{n}", "PYTEST_XDIST_WORKER_COUNT": "8"}) for n in range(8)]
    seen = [set(s) for s in slices]
    assert all(len(s) > 2000 for s in seen)
    assert all(not (seen[a] & seen[b]) for a in range(8) for b in range(a + 1, 8))
    assert port_candidates({}) == port_candidates({"PYTEST_XDIST_WORKER": "gw0", "PYTEST_XDIST_WORKER_COUNT": "1"})


def test_a_process_does_not_hand_out_a_port_again_before_it_is_bound():
    given = [free_port() for _ in range(300)]
    assert len(set(given)) == len(given)
