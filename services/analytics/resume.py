"""Taking over a partition without inserting a row twice: what ClickHouse already holds past the group's
committed offset. Pure except ``load``, which runs the queries it builds through the caller.

The sink commits a partition's offset to Kafka only after the rows of the records before it are in
ClickHouse (and their dead letters sent), so the committed offset is never ahead of ClickHouse. It can
be behind: an instance killed between its insert and its commit, or whose commit failed because the
group rebalanced meanwhile, leaves rows the group has not committed. Every row carries the partition
and offset of its record (``src_partition``, ``src_offset``). So the instance assigned the partition
next resumes at the committed offset and, until it has read past them, drops each record whose row is
already there: the same partition and offset, and the same key (the table's ORDER BY, what
ReplacingMergeTree collapses on). Nothing is skipped that is not in ClickHouse, and nothing already
there is inserted again. The consumer may fetch a partition before the sink has asked ClickHouse about
it (the rebalance listener is still waiting for the answer): such records are not taken, and the listener
seeks the partition back once the answer is in, so they are read again and compared.

Why not simply seek to the highest offset ClickHouse holds: a record that was dead-lettered has no row,
and one insert of rows that fall into two months is two parts, which a crash can split; and a
ClickHouse that outlived its broker (Tansu keeps its topics in memory; ``remedy up`` again on the same
data dir) holds offsets of another log. Comparing keys makes a row of another log count only when it
is, for ClickHouse, the very same row.

At most ``WINDOW`` rows a partition (or a flush's worth, if more) are looked up: more than that past the
committed offset is not one lost commit but another log's rows, and a record beyond them that matches
is inserted again, which queries read FINAL absorb. Keys are held as their hash (64 bits), so a
partition taken over holds a few MB at most.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Callable, Hashable, Iterable

WINDOW = 50_000

# table -> its ORDER BY as (SQL expression, the row field it is); times as the rows hold them (epoch ms)
KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "case_events": tuple((c, c) for c in ("lender_id", "region_code", "stage", "event_type", "case_id", "event_id")),
    "notices": (("lender_id", "lender_id"), ("status", "status"), ("rule", "rule"), ("notice_id", "notice_id"),
                ("toUnixTimestamp64Milli(at)", "at")),
    "rejections": (("lender_id", "lender_id"), ("batch_id", "batch_id"), ("loan_id", "loan_id"),
                   ("toUnixTimestamp64Milli(rejected_at)", "rejected_at")),
}


def row_key(table: str) -> Callable[[dict], tuple]:
    """The key of a row as the sink builds it (a dict of column values)."""
    return itemgetter(*(field for _, field in KEYS[table]))


def stored_query(table: str, partition: int, start: int, window: int = WINDOW) -> str:
    """The rows of ``table`` read from ``partition`` at ``start`` or later: offset, then the key columns."""
    keys = ", ".join(f"{expr} AS k{i}" for i, (expr, _) in enumerate(KEYS[table]))
    return (f"SELECT src_offset AS o, {keys} FROM {table} WHERE src_partition = {int(partition):d} "
            f"AND src_offset >= {int(start):d} ORDER BY src_offset LIMIT {int(window):d}")


class Stored:
    """Per partition being taken over: the rows ClickHouse holds at or past where the sink resumes it
    (offset → hash of the key), until the sink has read past the last of them."""

    def __init__(self):
        self.by_tp: dict[Hashable, dict[int, int]] = {}
        self.skipped = 0

    def put(self, tp: Hashable, rows: Iterable[tuple[int, tuple]]) -> None:
        held = {int(offset): hash(tuple(key)) for offset, key in rows}
        if held:
            self.by_tp[tp] = held
        else:
            self.by_tp.pop(tp, None)

    def get(self, tp: Hashable) -> dict[int, int] | None:
        """What to compare the records of ``tp`` with, or None when there is nothing (the usual case)."""
        return self.by_tp.get(tp)

    def holds(self, held: dict[int, int], offset: int, key: tuple) -> bool:
        """Whether the record at ``offset`` with this key is the row ClickHouse holds there (then counted)."""
        if held.get(offset) == hash(key):
            self.skipped += 1
            return True
        return False

    def read_to(self, tp: Hashable, offset: int) -> None:
        """The sink has read ``tp`` up to ``offset``: once that is past every held row, forget the partition."""
        held = self.by_tp.get(tp)
        if held is not None and offset >= max(held):
            del self.by_tp[tp]

    def forget(self, tps: Iterable[Hashable]) -> None:
        for tp in tps:
            self.by_tp.pop(tp, None)


def load(stored: Stored, rows: Callable[[str], list[dict]], tables: dict[str, str],
         starts: dict[Hashable, int], window: int = WINDOW) -> None:
    """Fill ``stored`` for each partition in ``starts`` (a TopicPartition → where the sink resumes it), with
    ``rows(sql)`` running a query; ``tables`` maps a topic to its table."""
    for tp, start in starts.items():
        table = tables[tp.topic]
        found = rows(stored_query(table, tp.partition, start, window))
        width = len(KEYS[table])
        stored.put(tp, ((r["o"], tuple(r[f"k{i}"] for i in range(width))) for r in found))
