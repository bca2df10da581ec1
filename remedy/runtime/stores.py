"""Where a worker keeps its faust tables: RocksDB on disk (the default) or memory (``REMEDY_TABLE_STORE``).

A table that grows with the number of cases is kept on disk, under the worker's own data directory
(``$REMEDY_DATA_DIR/faust/v1/tables/<table>-<partition>.db``), in faust's RocksDB store
(``faust.stores.rocksdb``, through the ``rocksdict`` wheel). Its changelog stays the truth:

- **What the local store holds.** ``remedy.runtime.tables.put`` writes a change to the changelog and
  keeps it in memory until the broker has acknowledged it; only then is it written to RocksDB, with
  the changelog offset it got (faust's ``apply_changelog_batch``, the call faust's own recovery
  uses). So a table partition on disk is always a prefix of its changelog, up to the offset it
  records: a worker killed mid-batch never finds on disk a change whose outputs never left.
- **Restart.** faust reads that offset and replays only the rest of the changelog.
- **Checked before it is trusted** (``RocksDBStore.on_rebalance``, before faust opens a newly assigned
  partition). A partition that cannot be opened (corrupt files), that has data but no offset, whose
  offset lies beyond the changelog's true end (a broker that lost or recreated its topics: Tansu keeps
  them in memory), or whose last record differs from the changelog's record at that offset is
  moved aside to ``<table>-<partition>.db.discarded`` with a warning, and faust rebuilds the
  partition from the changelog. A worker never starts on a store it cannot trust, never silently
  empty, and never crash-loops on a broken one. The changelog's end is read as
  ``remedy.runtime.patches.highwater`` reads it (Tansu answers ListOffsets short). Without that patch
  (``REMEDY_FAUST_PATCHES``) faust itself reads the short end, and stops with a ``ConsistencyError`` at
  every start when a partition's stored offset lies beyond it: such a partition is moved aside too,
  and rebuilt (losing the rest of the changelog's last batch, as any table recovered on Tansu
  without the patch does). Opening checks RocksDB's files and their footers, not every block: damage
  inside a data block shows only when that block is read (the read fails and the input is
  dead-lettered); delete the partition's directory and the worker rebuilds it.
- **Bounded memory.** faust's defaults give each partition's database a 2 GiB block cache and up to
  3 x 64 MiB of write buffers, and a worker opens one database per table partition (8 for intake).
  Here every database of the worker shares one block cache (``BLOCK_CACHE_BYTES``), and their write
  buffers are charged to it (``WRITE_BUFFERS_BYTES``), so RocksDB's memory has one bound per worker.

``memory://`` keeps faust's in-memory store: state rebuilt from the changelogs at every start, RSS that
grows with the tables. For tests and benchmarks of something else, and small throwaway runs.

Reach-ins (``GUARDS``, checked at start-up by ``remedy.runtime.patches.guard``): the subclass relies on
what faust's RocksDB ``Store.apply_changelog_batch`` does (raw key and value bytes written per partition,
the highest offset recorded as the partition's persisted offset, in ``set_persisted_offset``'s format),
on ``RocksDBOptions.as_options``, and on faust's recovery starting from that persisted offset
(``Recovery._add``, ``Recovery._seek_offsets``; both private).
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Iterable

import rocksdict
from faust.stores import STORES
from faust.stores.rocksdb import RocksDBOptions, Store as FaustRocksDBStore
from faust.types import TP

from remedy.kernel.settings import SettingsError
from remedy.runtime import store_check
from remedy.runtime.patches.guard import Guard

log = logging.getLogger("remedy.runtime.stores")

SCHEME = "remedy-rocksdb"
STORES.aliases[SCHEME] = f"{__name__}:RocksDBStore"

# One budget per worker process, shared by every table partition it opens (measured: bench/bench_table_store.py).
BLOCK_CACHE_BYTES = 64 * 1024 ** 2      # data blocks read from disk, and the write buffers below
WRITE_BUFFERS_BYTES = 32 * 1024 ** 2    # memtables of all databases together, charged to the block cache
WRITE_BUFFER_BYTES = 4 * 1024 ** 2      # one memtable (faust: 64 MiB), flushed to disk when full
MAX_WRITE_BUFFERS = 2                   # per database (faust: 3)

# faust-streaming 0.15.3 code this store relies on or overrides: (use, target, kind, sha256 of its source).
_FAUST_CODE = (
    ("relies on", "faust.stores.rocksdb:Store.apply_changelog_batch", "method",
     "ea3344d369fc4ab5e3cdace30565691136035a463acb7b2551fdc0b8af71643b"),
    ("relies on", "faust.stores.rocksdb:Store.set_persisted_offset", "method",
     "b4c811926678346ebb8c40486dbc46d0fbac2bbeaa592384bd955112556acf45"),
    ("overrides", "faust.stores.rocksdb:RocksDBOptions.as_options", "method",
     "d2a1bea17736d2eb2f8d2da592ef843f31bd9583b17b3fcbb2ebd84c15051660"),
    ("relies on", "faust.tables.recovery:Recovery._add", "method",
     "1584a197b11bf835c0e3c497952413ce5a5f13078fdd88a9dcfd60ea1e125fa6"),
    ("relies on", "faust.tables.recovery:Recovery._seek_offsets", "coroutine method",
     "19598ca63d94d250e49d2dfe48a3c48ecbdf65ee4f1a2871abda51d28b335e55"),
)
GUARDS = tuple(Guard(module=__name__, use=use, target=target, kind=kind, distribution="faust-streaming",
                     versions=("0.15.3",), sha256=sha256) for use, target, kind, sha256 in _FAUST_CODE)


def faust_store_url(value: str) -> str:
    """``REMEDY_TABLE_STORE`` as the store URL given to faust: ``rocksdb://`` is Remedy's RocksDB store."""
    scheme = value.strip().lower().partition("://")[0]
    if scheme in ("rocksdb", SCHEME):
        return f"{SCHEME}://"
    if scheme == "memory":
        return "memory://"
    raise SettingsError(f"REMEDY_TABLE_STORE={value!r}: expected rocksdb:// or memory://")


_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()  # partitions are checked in a thread (RocksDBStore.on_rebalance)


def shared_cache() -> tuple[rocksdict.Cache, rocksdict.WriteBufferManager]:
    """The worker's one block cache, and the write buffer manager that charges memtables to it."""
    with _shared_lock:
        if not _shared:
            cache = rocksdict.Cache(BLOCK_CACHE_BYTES)
            _shared["cache"] = cache
            _shared["buffers"] = rocksdict.WriteBufferManager.new_write_buffer_manager_with_cache(
                WRITE_BUFFERS_BYTES, False, cache)
        return _shared["cache"], _shared["buffers"]


class BoundedOptions(RocksDBOptions):
    """faust's RocksDB options, with the worker's shared block cache and write buffer budget."""

    write_buffer_size = WRITE_BUFFER_BYTES
    max_write_buffer_number = MAX_WRITE_BUFFERS

    def as_options(self) -> rocksdict.Options:
        options = super().as_options()
        cache, buffers = shared_cache()
        table = rocksdict.BlockBasedOptions()
        table.set_bloom_filter(self.bloom_filter_size, True)
        table.set_block_cache(cache)
        table.set_index_type(rocksdict.BlockBasedIndexType.binary_search())
        options.set_block_based_table_factory(table)
        options.set_write_buffer_manager(buffers)
        return options


class RocksDBStore(FaustRocksDBStore):
    """faust's RocksDB store with bounded memory, whose partitions are checked before faust opens them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rocksdb_options = BoundedOptions(**self.options, use_rocksdict=True)
        self.use_rocksdict = True
        self.closed = False
        self.assigned: set[int] = set()

    @property
    def service(self) -> str:
        return self.app.conf.id

    async def on_rebalance(self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP],
                           generation_id: int = 0) -> None:
        topics = self.table.changelog_topic.topics
        self.assigned = {tp.partition for tp in assigned if tp.topic in topics}
        fresh = sorted(tp.partition for tp in newly_assigned if tp.topic in topics)
        if fresh:
            await asyncio.to_thread(self.check_partitions, self.table.changelog_topic.get_topic_name(), fresh)
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)

    async def stop(self) -> None:
        self.closed = True
        await super().stop()

    def accepts(self, partition: int) -> bool:
        """Whether a delivered changelog record of ``partition`` may be written here now."""
        return not self.closed and partition in self.assigned

    def check_partitions(self, topic: str, partitions: Iterable[int]) -> None:
        """Move aside every partition directory that cannot be trusted (see the module's docstring)."""
        store_check.check_partitions(self, topic, partitions)
