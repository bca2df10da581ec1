"""The analytics sink takes a partition over without a duplicate or a gap: it resumes at the group's
committed offset and drops the records whose rows ClickHouse already holds (services/analytics/resume.py).

Two sinks in turn, on a fake consumer and a fake ClickHouse: the first inserts and is "killed" before its
commit; the second, assigned the partitions, inserts every record exactly once. And the SQL against
a real (embedded, in-memory) ClickHouse: the keys it returns are the keys the sink builds."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from aiokafka import TopicPartition

from remedy.contract.codec import Codec
from remedy.kernel.clock import FrozenClock
from remedy.kernel.settings import REPO_ROOT, Settings
from services.analytics import resume
from services.analytics.metrics import AnalyticsMetrics
from services.analytics.rows import TOPICS
from services.analytics.settings import AnalyticsSettings
from services.analytics.sink import TABLES, Sink
from sim.funnel_events import scripted

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
SCHEMA = {topic: schema for topic, (schema, *_) in TOPICS.items()}


@dataclass
class Msg:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class FakeStore:
    """ClickHouse as the sink uses it: inserts kept as rows; ``rows`` answers resume.stored_query."""

    def __init__(self):
        self.tables: dict[str, list[dict]] = {table: [] for table in TABLES.values()}

    async def run(self, fn, *args):
        return fn(*args)

    def insert(self, table, names, columns):
        self.tables[table] += [dict(zip(names, values)) for values in zip(*columns)]

    def rows(self, sql):
        table = re.search(r"FROM (\w+)", sql).group(1)
        partition, start, limit = map(int, re.search(r"src_partition = (\d+) AND src_offset >= (\d+) .*LIMIT (\d+)", sql).groups())
        fields = [field for _, field in resume.KEYS[table]]
        found = sorted((r for r in self.tables[table] if r["src_partition"] == partition and r["src_offset"] >= start),
                       key=lambda r: r["src_offset"])[:limit]
        return [{"o": r["src_offset"], **{f"k{i}": r[f] for i, f in enumerate(fields)}} for r in found]


class FakeConsumer:
    def __init__(self, commits: dict, lose_commits: bool = False):
        self.commits, self.lose_commits = commits, lose_commits

    async def commit(self, offsets):
        if not self.lose_commits:
            self.commits.update(offsets)


def sink(store: FakeStore, commits: dict, lose_commits: bool = False) -> Sink:
    s = Sink(Settings(), AnalyticsSettings(), store, Codec(REPO_ROOT / "schemas"), FrozenClock(START), AnalyticsMetrics())
    s.consumer = FakeConsumer(commits, lose_commits)
    s.ready.update(TopicPartition(topic, n) for topic in TABLES for n in (0, 1))  # assigned, nothing to take over
    return s


def broker_log() -> dict[TopicPartition, list[Msg]]:
    """Two partitions of each topic, as the broker holds them."""
    codec, data = Codec(REPO_ROOT / "schemas"), scripted({"LENDER-A": 6, "LENDER-B": 4}, START)
    out: dict[TopicPartition, list[Msg]] = {}
    for topic, records in (("case.events", data.events), ("notice.log", data.notices),
                           ("loan.defaults.rejected", data.rejections)):
        for n, record in enumerate(records):
            tp = TopicPartition(topic, n % 2)
            msgs = out.setdefault(tp, [])
            msgs.append(Msg(topic, tp.partition, len(msgs), None, codec.encode(SCHEMA[topic], record)))
    return out


@pytest.fixture(scope="module")
def log() -> dict[TopicPartition, list[Msg]]:
    return broker_log()


def total(log) -> int:
    return sum(len(m) for m in log.values())


def read(s: Sink, log, starts: dict[TopicPartition, int], upto: float = 1.0) -> None:
    """What a getmany loop would hand the sink: each partition from its start, up to a share of its log."""
    s.add({tp: msgs[starts.get(tp, 0):max(starts.get(tp, 0), int(len(msgs) * upto))] for tp, msgs in log.items()})


def test_a_partition_taken_over_after_an_insert_without_its_commit_gets_every_row_once(log):
    store, commits = FakeStore(), {}
    first = sink(store, commits)
    read(first, log, {}, upto=0.4)
    asyncio.run(first.flush())                      # inserted and committed
    committed = dict(commits)
    first.consumer.lose_commits = True
    read(first, log, {tp: o for tp, o in committed.items()}, upto=0.8)
    asyncio.run(first.flush())                      # inserted; killed before the commit landed
    assert commits == committed

    second = sink(store, commits)
    starts = {tp: commits.get(tp, 0) for tp in log}
    asyncio.run(second.take_over(starts))
    lost = {tp for tp, m in log.items() if int(len(m) * 0.8) > int(len(m) * 0.4)}
    assert len(lost) >= 4 and set(second.stored.by_tp) == lost, "rows past the committed offsets are known"
    read(second, log, starts)
    asyncio.run(second.flush())

    rows = [(t, r["src_partition"], r["src_offset"]) for t, rs in store.tables.items() for r in rs]
    assert len(rows) == len(set(rows)) == total(log), "no row twice, none missing"
    assert second.stored.by_tp == {}, "past the held rows, nothing is compared any more"
    assert commits == {tp: len(msgs) for tp, msgs in log.items()}
    assert second.stored.skipped == sum(int(len(m) * 0.8) - int(len(m) * 0.4) for m in log.values())


def test_a_row_of_another_log_at_the_same_offset_does_not_hide_a_record(log):
    """A ClickHouse that outlived its broker holds rows at the offsets the new log reuses: only the very same row counts."""
    store = FakeStore()
    tp = TopicPartition("case.events", 0)
    old = sink(store, {})
    old.add({tp: log[tp][:5]})
    asyncio.run(old.flush())
    for row in store.tables["case_events"]:
        row["event_id"] += "-old-log"
    new = sink(store, {})
    asyncio.run(new.take_over({tp: 0}))
    assert len(new.stored.by_tp[tp]) == 5
    new.add({tp: log[tp][:5]})
    asyncio.run(new.flush())
    assert len(store.tables["case_events"]) == 10 and new.stored.skipped == 0


def test_nothing_held_means_nothing_compared_and_a_failed_lookup_only_costs_duplicates(log):
    store = FakeStore()
    s = sink(store, {})
    asyncio.run(s.take_over({tp: 0 for tp in log}))
    assert s.stored.by_tp == {}

    def broken(sql):
        raise ConnectionError("ClickHouse is down")
    store.rows = broken
    asyncio.run(s.take_over({tp: 0 for tp in log}))  # logged, not raised: the sink carries on
    assert s.stored.by_tp == {}


def test_stored_forgets_a_partition_once_read_past_it_or_revoked():
    stored, tp, other = resume.Stored(), TopicPartition("notice.log", 1), TopicPartition("notice.log", 2)
    stored.put(tp, [(7, ("a",)), (9, ("b",))])
    stored.put(other, [(1, ("c",))])
    stored.put(TopicPartition("notice.log", 3), [])
    assert set(stored.by_tp) == {tp, other}
    held = stored.get(tp)
    assert stored.holds(held, 7, ("a",)) and not stored.holds(held, 7, ("b",)) and not stored.holds(held, 8, ("a",))
    stored.read_to(tp, 8)
    assert stored.get(tp) is held
    stored.read_to(tp, 9)
    assert stored.get(tp) is None and stored.skipped == 1
    stored.forget([other])
    assert stored.by_tp == {}


def test_the_query_asks_one_partition_from_its_start_for_the_table_key():
    sql = resume.stored_query("notices", 3, 120, window=500)
    assert "FROM notices WHERE src_partition = 3 AND src_offset >= 120" in sql and sql.endswith("LIMIT 500")
    assert "toUnixTimestamp64Milli(at) AS k4" in sql
    for table, keys in resume.KEYS.items():  # the key is the table's ORDER BY
        order_by = re.search(rf"CREATE TABLE IF NOT EXISTS {table}\b.*?ORDER BY \((.*?)\);",
                             (REPO_ROOT / "deploy/clickhouse/001_tables.sql").read_text(), re.S).group(1)
        assert [c.strip() for c in order_by.split(",")] == [field for _, field in keys]


def test_the_keys_clickhouse_returns_are_the_keys_the_sink_builds(log):
    """Rows inserted into a real ClickHouse (embedded, in memory) come back, through stored_query, as the keys
    the sink computes from the same records: every one is recognised."""
    pytest.importorskip("chdb")
    # chDB keeps one engine per process: the sinks run in a process of their own.
    child = (
        "import asyncio, json\n"
        "from aiokafka import TopicPartition\n"
        "from services.analytics.store import Store\n"
        "from tests.unit import test_analytics_resume as t\n"
        "log = t.broker_log()\n"
        "store = Store.open('chdb://memory')\n"
        "store.migrate()\n"
        "first = t.sink(store, {})\n"
        "first.add(log)\n"
        "asyncio.run(first.flush())\n"
        "second = t.sink(store, {})\n"
        "asyncio.run(second.take_over({tp: 0 for tp in log}))\n"
        "second.add(log)\n"
        "held = {f'{tp.topic}/{tp.partition}': len(h) for tp, h in second.stored.by_tp.items()}\n"
        "n = {t: store.rows(f'SELECT count() AS n FROM {t}')[0]['n'] for t in ('case_events', 'notices', 'rejections')}\n"
        "print(json.dumps({'skipped': second.stored.skipped, 'buffered': sum(b.rows for b in second.buffers.values()),"
        " 'rows': n}))\n")
    done = subprocess.run([sys.executable, "-c", child], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["skipped"] == total(log) and out["buffered"] == 0
    assert sum(out["rows"].values()) == total(log)


def test_records_fetched_before_their_partitions_take_over_is_done_wait_for_it(log):
    """A rebalance assigns partitions before the sink has asked ClickHouse what it holds of them: records
    fetched meanwhile are not inserted (the listener seeks back and they are read again, compared)."""
    store = FakeStore()
    first = sink(store, {}, lose_commits=True)
    first.add(log)
    asyncio.run(first.flush())
    second = Sink(Settings(), AnalyticsSettings(), store, Codec(REPO_ROOT / "schemas"), FrozenClock(START), AnalyticsMetrics())
    second.consumer = FakeConsumer({})
    assert second.add(log) == 0 and second.first_buffered is None, "nothing taken before the take-over"
    asyncio.run(second.take_over({tp: 0 for tp in log}))
    second.add(log)
    asyncio.run(second.flush())
    assert len(store.tables["case_events"]) == len(log[TopicPartition("case.events", 0)]) + \
        len(log[TopicPartition("case.events", 1)]), "every case event once"
