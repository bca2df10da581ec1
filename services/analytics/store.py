"""ClickHouse through clickhouse-connect: embedded chDB or a server, the same code and SQL.

clickhouse-connect 1.12.0 has chDB built in (``get_client(interface="chdb", path=...)`` or a
``chdb://`` DSN), so no adapter is needed; ``connect`` only reads ``REMEDY_CLICKHOUSE_URL``:
``chdb:///abs/path``, ``chdb:///./rel/path`` (relative to the working directory, the default),
``chdb://memory``, or ``http(s)://user:pass@host:port/db`` for a server.

chDB allows one engine per process and its client is synchronous, so every call runs on one
dedicated thread: the event loop never blocks on ClickHouse and calls never overlap.

The embedded engine starts with ``engine_options()`` (server settings a ClickHouse server keeps in its own
configuration): its allocator's freed pages are purged as soon as more than ``DIRTY_PAGES_KEPT`` of them pile up,
not after jemalloc's 5 s decay, which let a burst of merges leave ~300 MiB resident between two of
``return_free_memory``'s purges (bench/bench_analytics_memory.py).
"""
from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import clickhouse_connect

from remedy.kernel.settings import REPO_ROOT
from services.analytics import residency

MIGRATIONS_DIR = REPO_ROOT / "deploy" / "clickhouse"   # in an installed wheel: services/analytics/migrations
if not MIGRATIONS_DIR.is_dir():
    MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def chdb_path(url: str) -> str:
    """The engine path a ``chdb:`` URL names: ``:memory:``, or an absolute directory."""
    rest = url[len("chdb:"):]
    rest = rest[2:] if rest.startswith("//") else rest
    if rest in ("", "memory", ":memory:"):
        return ":memory:"
    return str(Path(rest[3:] if rest.startswith("/./") else rest).resolve())


DIRTY_PAGES_KEPT = 20 * 2**20   # bytes of freed pages the embedded engine's allocator may keep before it purges


def engine_options(physical_memory: int | None = None) -> dict[str, str]:
    """Embedded chDB's start-up options. Its memory worker purges jemalloc's dirty pages once they exceed a share of
    its memory limit (at most 90 % of the machine's memory): the share that is ``DIRTY_PAGES_KEPT``. It reads the
    engine's own resident memory from jemalloc, not the cgroup's: the cgroup counts Python and, in a container,
    every other service, and with it the worker never refreshes jemalloc's figures, so it would not see the dirty
    pages pile up."""
    ram = physical_memory or os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {"memory_worker_use_cgroup": "0",
            "memory_worker_purge_dirty_pages_threshold_ratio": f"{DIRTY_PAGES_KEPT / (0.9 * ram):.3g}"}


def connect(url: str):
    if url.startswith("chdb:"):
        path = chdb_path(url)
        if path != ":memory:":
            Path(path).mkdir(parents=True, exist_ok=True)
        return clickhouse_connect.get_client(interface="chdb", path=path, chdb_options=engine_options())
    return clickhouse_connect.get_client(dsn=url)


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = re.fullmatch(r"(\d{3})_(\w+)\.sql", path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path))
    return found


def statements(sql: str) -> list[str]:
    """Split a migration file on ``;`` at line ends (the files keep semicolons out of strings)."""
    body = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


class Store:
    def __init__(self, client, embedded: bool = False):
        self.client, self.embedded = client, embedded
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")

    @classmethod
    def open(cls, url: str) -> "Store":
        return cls(connect(url), embedded=url.startswith("chdb:"))

    # -- synchronous (run on the ClickHouse thread, or directly in tools and tests) --

    def migrate(self, directory: Path = MIGRATIONS_DIR) -> list[str]:
        """Apply every ``NNN_name.sql`` not yet recorded in ``schema_migrations``. Idempotent."""
        self.client.command("CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
                            "applied_at DateTime DEFAULT now()) ENGINE = ReplacingMergeTree ORDER BY version")
        done = {row[0] for row in self.client.query("SELECT version FROM schema_migrations FINAL").result_rows}
        applied = []
        for version, name, path in migration_files(directory):
            if version in done:
                continue
            for statement in statements(path.read_text(encoding="utf-8")):
                self.client.command(statement)
            self.client.insert("schema_migrations", [[version, name]], column_names=["version", "name"])
            applied.append(path.name)
        return applied

    def insert(self, table: str, names: tuple[str, ...], columns: list[list]) -> None:
        self.client.insert(table, columns, column_names=list(names), column_oriented=True)

    def return_free_memory(self) -> None:
        """Embedded chDB: give back the pages its allocator keeps after inserts, merges and queries (``SYSTEM
        JEMALLOC PURGE``, ~20 ms: those below the memory worker's threshold), the engine library's pages not in
        use and the C heap's free pages (``residency.py``). A server manages its own memory: nothing to do."""
        if self.embedded:
            self.client.command("SYSTEM JEMALLOC PURGE")
            residency.drop_library_pages()
            residency.trim_heap()

    def rows(self, sql: str, params: dict | None = None) -> list[dict]:
        # API figures are named after the columns they sum (claimed_cents = sum(claimed_cents)):
        # inside expressions a name means the column, not the alias.
        result = self.client.query(sql, parameters=params or {}, settings={"prefer_column_name_to_alias": 1})
        names = result.column_names
        return [dict(zip(names, row)) for row in result.result_rows]

    # -- asynchronous --

    async def run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.client.close()
