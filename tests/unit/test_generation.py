"""remedy.runtime.generation: an index built beside a table is rebuilt after every rebalance, never during one."""
from types import SimpleNamespace

from remedy.runtime.generation import IndexGeneration


def test_an_index_is_stale_until_built_and_again_after_a_rebalance():
    app = SimpleNamespace(rebalancing=False, in_recovery=False, rebalancing_count=0)
    gen = IndexGeneration(app)
    assert gen.settled and gen.stale
    gen.built()
    assert not gen.stale
    app.rebalancing, app.rebalancing_count = True, 1
    assert not gen.settled and gen.stale
    app.rebalancing, app.in_recovery = False, True
    assert not gen.settled
    app.in_recovery = False
    gen.built()
    assert gen.settled and not gen.stale
