"""The gateway's read model on disk: one RocksDB database (``rocksdict``) per gateway instance, under its
data directory (``REMEDY_GATEWAY_READ_MODEL_DIR``, by default ``$REMEDY_DATA_DIR/gateway/read-model``).

- **Atomic progress.** Changes are collected while a chunk of records is applied (``put``, ``delete``;
  ``get`` sees them) and written by ``commit`` in one WriteBatch together with the offset reached on each
  topic-partition the chunk came from, so what is on disk is always the read model of a prefix of each
  partition, and a restart reads each partition from the offset stored with it.
- **Layout.** The database records the layout it was written in (``LAYOUT``). One written in another
  layout, or that cannot be opened (damaged files), is moved aside to ``<dir>.discarded`` with one warning
  line and rebuilt from offset 0; so is one whose offsets the broker no longer holds (checked by kafka.py).
  A missing one is built from offset 0, with a warning line too: a gateway never starts empty unawares.
  A database open in another process (RocksDB's lock) is never discarded: the gateway refuses to start.
- **Bounded memory.** A 32 MiB block cache and two 16 MiB write buffers, whatever the number of cases.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, Iterator

import orjson
import rocksdict

log = logging.getLogger("remedy.gateway")

LAYOUT = b"gateway-read-model/5"  # 2: timeline entries carry causation_id; the audit trail (a/, nl/); 3: k/, q/;
# 4: a case keeps its declared evidence and filing status (model.Case), with ev/ and cds/; 5: lo/ (cases by loan id)
LAYOUT_KEY = b"meta\x00layout"
OFFSET_PREFIX = b"o\x00"
DISCARDED_SUFFIX = ".discarded"
BLOCK_CACHE_BYTES = 32 * 1024 ** 2
WRITE_BUFFER_BYTES = 16 * 1024 ** 2
_DELETED = object()


class StoreInUse(RuntimeError):
    """The read model's directory is open in another process (two gateways given the same directory)."""


def _options() -> rocksdict.Options:
    options = rocksdict.Options(raw_mode=True)
    options.create_if_missing(True)
    options.set_write_buffer_size(WRITE_BUFFER_BYTES)
    options.set_max_write_buffer_number(2)
    table = rocksdict.BlockBasedOptions()
    table.set_block_cache(rocksdict.Cache(BLOCK_CACHE_BYTES))
    table.set_bloom_filter(10, False)
    options.set_block_based_table_factory(table)
    return options


def key(*parts: str) -> bytes:
    """A read-model key: its parts NUL-separated, so one id never prefixes another."""
    return "\x00".join(parts).encode()


def encode(value: Any) -> bytes:
    return value if isinstance(value, bytes) else orjson.dumps(value)


class Store:
    """Point gets and puts, ordered scans by key prefix, and commits that carry the offsets they cover."""

    def __init__(self, path: str | Path, *, temporary: bool = False):
        self.path, self.temporary = Path(path), temporary
        self.pending: dict[bytes, Any] = {}  # changes of the chunk being applied; written by commit()
        self._holder: list = [None]
        self.db = self._open()
        if temporary:
            weakref.finalize(self, _remove, self._holder, self.path)

    @classmethod
    def temporary(cls) -> "Store":
        """A store in a fresh temporary directory, removed with the object (tests, benchmarks)."""
        return cls(tempfile.mkdtemp(prefix="gateway-read-model-"), temporary=True)

    # -- opening --------------------------------------------------------------------------------------

    def _open(self) -> rocksdict.Rdict:
        fresh = not self.path.exists() or not any(self.path.iterdir())
        try:
            db = self._rdict()
        except Exception as exc:  # noqa: BLE001 - rocksdict raises plain Exception
            why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if "lock" in why.lower():
                raise StoreInUse(f"the gateway's read model {self.path} is open in another process ({why}): "
                                 "give each gateway instance its own REMEDY_GATEWAY_READ_MODEL_DIR") from None
            return self._rebuild(f"cannot be opened ({why})")
        layout = db.get(LAYOUT_KEY)
        if fresh or layout is None and _empty(db):
            (log.debug if self.temporary else log.warning)("no read model at %s: building it from offset 0 of the topics it reads", self.path)
        elif layout != LAYOUT:
            db.close()
            return self._rebuild(f"was written in layout {(layout or b'(none)').decode(errors='replace')}, "
                                 f"this gateway reads {LAYOUT.decode()}")
        db.put(LAYOUT_KEY, LAYOUT)
        self._holder[0] = db
        return db

    def _rdict(self) -> rocksdict.Rdict:
        self.path.mkdir(parents=True, exist_ok=True)
        return rocksdict.Rdict(str(self.path), options=_options())

    def _rebuild(self, why: str) -> rocksdict.Rdict:
        aside = self.path.with_name(self.path.name + DISCARDED_SUFFIX)
        shutil.rmtree(aside, ignore_errors=True)
        if self.path.exists():
            self.path.rename(aside)
        log.warning("the read model at %s %s: moved aside to %s; rebuilding it from offset 0 of the topics it reads",
                    self.path, why, aside)
        db = self._rdict()
        db.put(LAYOUT_KEY, LAYOUT)
        self._holder[0] = db
        return db

    def discard(self, why: str) -> None:
        """Move this store aside (one warning line saying why) and start again empty, from offset 0."""
        self.pending.clear()
        self.db.close()
        self.db = self._rebuild(why)

    def close(self) -> None:
        self.db.close()
        self._holder[0] = None

    # -- reading and writing --------------------------------------------------------------------------

    def get(self, key: bytes) -> Any:
        """The pending change of ``key`` (bytes or a live object) if there is one, else its bytes on disk."""
        value = self.pending.get(key, None)
        if value is None:
            return self.db.get(key)
        return None if value is _DELETED else value

    def put(self, key: bytes, value: Any) -> None:
        self.pending[key] = value

    def delete(self, key: bytes) -> None:
        self.pending[key] = _DELETED

    def write_now(self, key: bytes, value: Any) -> None:
        """Straight to disk, outside any chunk: what the HTTP side records (its keys are not the reader's)."""
        self.db.put(key, encode(value))

    def delete_now(self, key: bytes) -> None:
        """Straight off the disk (the HTTP side's own keys, as ``write_now``)."""
        self.db.delete(key)

    def scan(self, prefix: bytes, start: bytes = b"", stop: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) on disk of the keys ``prefix + start`` <= key < ``prefix + stop`` (or all under prefix)."""
        bound = prefix + stop if stop is not None else _after(prefix)
        read = rocksdict.ReadOptions()
        read.set_iterate_upper_bound(bound)
        yield from self.db.items(from_key=prefix + start, read_opt=read)

    def commit(self, offsets: dict[tuple[str, int], dict] | None = None) -> None:
        """Write every pending change, and ``offsets`` ((topic, partition) -> what was reached), at once."""
        if not self.pending and not offsets:
            return
        batch = rocksdict.WriteBatch(raw_mode=True)
        for key, value in self.pending.items():
            if value is _DELETED:
                batch.delete(key)
            else:
                batch.put(key, encode(value))
        for (topic, partition), reached in (offsets or {}).items():
            batch.put(offset_key(topic, partition), orjson.dumps(reached))
        self.db.write(batch)
        self.pending.clear()

    def offsets(self) -> dict[tuple[str, int], dict]:
        """(topic, partition) -> what the store holds of it: {"next": offset to read next, "last": fingerprint}."""
        out = {}
        for key, value in self.scan(OFFSET_PREFIX):
            topic, _, partition = key[len(OFFSET_PREFIX):].decode().rpartition("\x00")
            out[(topic, int(partition))] = orjson.loads(value)
        return out


def offset_key(topic: str, partition: int) -> bytes:
    return OFFSET_PREFIX + f"{topic}\x00{partition}".encode()


def _after(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with ``prefix``."""
    stripped = prefix.rstrip(b"\xff")
    return stripped[:-1] + bytes([stripped[-1] + 1])


def _empty(db: rocksdict.Rdict) -> bool:
    return next(iter(db.keys()), None) is None


def _remove(holder: list, path: Path) -> None:
    if holder[0] is not None:
        holder[0].close()
    shutil.rmtree(path, ignore_errors=True)
