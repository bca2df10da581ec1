"""Analytics hands back what embedded chDB no longer uses beyond its allocator's pages (``residency.py``): the engine
library's clean pages, only from mappings that hold nothing but the file's pages, and the engine keeps working
after; and the engine starts with its allocator's freed pages purged past ``DIRTY_PAGES_KEPT``."""
from __future__ import annotations

import pytest

from services.analytics import residency, store
from services.analytics.store import DIRTY_PAGES_KEPT, Store, engine_options
from tests.unit import chdb_child

SMAPS = """\
7f0000000000-7f0000100000 r--p 00000000 08:01 42 /venv/chdb/_chdb.abi3.so
Rss:                 800 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
7f0000100000-7f0000300000 r-xp 00100000 08:01 42 /venv/chdb/_chdb.abi3.so
Rss:                1600 kB
Anonymous:             0 kB
Private_Dirty:         0 kB
7f0000300000-7f0000400000 r--p 00300000 08:01 42 /venv/chdb/_chdb.abi3.so
Rss:                1024 kB
Anonymous:          1024 kB
Private_Dirty:      1024 kB
7f0000400000-7f0000410000 rw-p 00400000 08:01 42 /venv/chdb/_chdb.abi3.so
Rss:                  64 kB
Anonymous:            64 kB
7f0000500000-7f0000600000 r-xp 00000000 08:01 43 /venv/lib/not_chdb_chdb.abi3.so
Rss:                1024 kB
Anonymous:             0 kB
"""


def test_only_read_only_mappings_of_the_library_holding_nothing_but_the_file_are_dropped():
    assert residency.clean_mappings(SMAPS, "_chdb.abi3.so") == [
        (0x7f0000000000, 0x7f0000100000, 800), (0x7f0000100000, 0x7f0000300000, 1600)]


CHILD = """
from services.analytics import residency

store = Store.open("chdb://memory")
store.migrate()
before = resident("RssFile")
dropped = residency.drop_library_pages()
after = resident("RssFile")
(row,) = store.rows("SELECT count() AS n FROM system.tables WHERE database = currentDatabase()")
print(json.dumps({"before": before, "after": after, "dropped_kb": dropped, "tables": row["n"]}))
"""


def test_the_engine_library_s_pages_not_in_use_leave_the_resident_set_and_the_engine_still_answers():
    out = chdb_child.run(CHILD)
    print(f"\n[analytics] file-backed {out['before'] / 2**20:.0f} → {out['after'] / 2**20:.0f} MiB")
    assert out["before"] - out["after"] > 64 * 2**20 and out["dropped_kb"] > 64 * 1024, out
    assert out["tables"] > 5


def test_the_engine_purges_its_allocator_s_freed_pages_past_dirty_pages_kept():
    options = engine_options(physical_memory=16 * 2**30)
    assert options["memory_worker_use_cgroup"] == "0"
    threshold = float(options["memory_worker_purge_dirty_pages_threshold_ratio"]) * 0.9 * 16 * 2**30
    assert threshold == pytest.approx(DIRTY_PAGES_KEPT, rel=0.01)


def test_a_clickhouse_server_s_process_is_left_alone(monkeypatch):
    touched = []
    monkeypatch.setattr(store.residency, "drop_library_pages", lambda: touched.append("library"))
    monkeypatch.setattr(store.residency, "trim_heap", lambda: touched.append("heap"))

    class Client:
        def command(self, sql):
            touched.append(sql)

    Store(Client(), embedded=False).return_free_memory()
    assert touched == []
    Store(Client(), embedded=True).return_free_memory()
    assert touched == ["SYSTEM JEMALLOC PURGE", "library", "heap"]
