"""Analytics hands the memory embedded chDB's allocator keeps back to the system (the engine's own purge past
``DIRTY_PAGES_KEPT`` and ``Store.return_free_memory``): after rows are written, the process holds little more
anonymous memory than once the engine had opened; against a ClickHouse server nothing is sent (the server manages
its own memory)."""
from __future__ import annotations

from services.analytics.store import Store
from tests.unit import chdb_child

CHILD = """
from datetime import datetime, timedelta, timezone
from services.analytics.rows import EVENT_COLUMNS

def anon():
    return resident("RssAnon")

store = Store.open("chdb://memory")
store.migrate()
opened = anon()
t0, names = datetime(2026, 11, 30, 2, tzinfo=timezone.utc), [c for c in EVENT_COLUMNS if c != "ingested_at"]
fill = {"occurred_at": lambda k: t0 + timedelta(seconds=k // 50), "claimed_cents": lambda k: 123_456,
        "amount_cents": lambda k: 0, "reason_codes": lambda k: [], "cross_region": lambda k: 0,
        "deadline_at": lambda k: None, "birth_year": lambda k: 1980, "src_partition": lambda k: k % 4, "src_offset": lambda k: k,
        "event_type": lambda k: ("CaseOpened", "CaseTriaged", "CaseStageChanged")[k % 3]}
for first in range(0, 150_000, 5_000):
    ks = range(first, first + 5_000)
    store.insert("case_events", tuple(names),
                 [[fill[c](k) if c in fill else f"{c}-{k % 997}-{k}" for k in ks] for c in names])
store.return_free_memory()
print(json.dumps({"opened": opened, "after": anon()}))
"""


def test_memory_kept_by_embedded_chdb_is_handed_back_after_writes():
    out = chdb_child.run(CHILD)
    kept = out["after"] - out["opened"]
    print(f"\n[analytics] {kept / 2**20:.0f} MiB more anonymous memory after 150,000 rows than once opened")
    assert kept < 64 * 2**20, out   # ~36 MiB here; ~170 when nothing is handed back


class ServerClient:
    def __init__(self):
        self.commands: list[str] = []

    def command(self, sql: str) -> None:
        self.commands.append(sql)


def test_a_clickhouse_server_is_sent_nothing():
    client = ServerClient()
    Store(client, embedded=False).return_free_memory()
    assert client.commands == []
    assert Store(ServerClient(), embedded=True).embedded and not Store(client).embedded
