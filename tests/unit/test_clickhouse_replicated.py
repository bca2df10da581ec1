"""The replicated DDL (``python -m remedy.ops.clickhouse_replicated``): every migration, as an operator applies it
to a cluster before analytics first starts. No ClickHouse server runs here, so the files are read, and chDB's own
parser (``formatQuery``, in a process of its own: one engine per process) proves every statement is ClickHouse SQL
and says the same as the migration's but for ``ON CLUSTER`` and the replicated engine, and chDB playing the cluster
as one server runs the files and then analytics' own migrations, which find nothing left to apply."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from remedy.kernel.settings import REPO_ROOT
from remedy.ops import clickhouse_replicated as rep
from services.analytics.store import MIGRATIONS_DIR, migration_files, statements

MIGRATIONS = migration_files(MIGRATIONS_DIR)
GENERATED = rep.generate()
TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+)(?: ON CLUSTER '\{cluster\}')?\s*\((.*)\)\s*"
                   r"ENGINE = (\w+?)(?:\((.*?)\))?\s*(?:PARTITION BY (.+?)\s*)?ORDER BY (.+)", re.S)
RECORD = re.compile(r"INSERT INTO schema_migrations \(version, name\) VALUES \((\d+), '(\w+)'\)")


def tables(sql: str) -> dict[str, tuple]:
    """table -> (columns, engine, engine arguments, partition key, sorting key), from each CREATE TABLE."""
    out = {}
    for statement in statements(sql):
        if match := TABLE.fullmatch(statement):
            name, columns, engine, args, partition, order = match.groups()
            cols = tuple(c.strip().rstrip(",") for c in columns.strip().splitlines())
            out[name] = (cols, engine, args or "", (partition or "").strip(), order.strip())
    return out


def test_every_migration_has_its_replicated_file_in_order():
    assert [path.name for _, _, path in MIGRATIONS] == list(GENERATED)
    assert len(GENERATED) >= 6 and "005_case_facts.sql" in GENERATED and "006_snapshot.sql" in GENERATED


def test_every_table_of_every_migration_is_replicated_with_the_same_columns_partitioning_sorting_key_and_engine():
    seen = set()
    for _, _, path in MIGRATIONS:
        plain, replicated = tables(path.read_text(encoding="utf-8")), tables(GENERATED[path.name])
        replicated.pop("schema_migrations", None)
        assert set(plain) == set(replicated), path.name
        for name, (cols, engine, args, partition, order) in plain.items():
            r_cols, r_engine, r_args, r_partition, r_order = replicated[name]
            assert (r_cols, r_partition, r_order) == (cols, partition, order), name
            assert engine.endswith("MergeTree") and r_engine == "Replicated" + engine, name
            keeper = f"'/clickhouse/tables/{{shard}}/{{database}}/{name}', '{{replica}}'"
            assert r_args == keeper + (f", {args}" if args else ""), name
            seen.add(name)
    assert {"case_events", "case_facts", "case_snapshot", "stage_funnel", "snapshots"} <= seen


def test_every_statement_runs_on_the_cluster_and_every_file_records_its_version():
    head = re.compile(r"(CREATE (OR REPLACE )?(TABLE|VIEW|MATERIALIZED VIEW)( IF NOT EXISTS)?|ALTER TABLE) \w+ "
                      r"ON CLUSTER '\{cluster\}'[\s(]")
    for i, (version, name, path) in enumerate(MIGRATIONS):
        text = GENERATED[path.name]
        source, generated = statements(path.read_text(encoding="utf-8")), statements(text)
        first = generated.pop(0) if i == 0 else None
        assert first is None or first.startswith("CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER")
        assert [m.groups() for m in RECORD.finditer(text)] == [(str(version), name)], path.name
        assert RECORD.fullmatch(generated.pop()), f"{path.name} does not end by recording its version"
        assert len(generated) == len(source), path.name
        for plain, statement in zip(source, generated):
            if plain.startswith("INSERT INTO"):
                assert statement == plain and rep.BACKFILL + plain in text, path.name   # kept, said to run once
            else:
                assert head.match(statement), statement[:80]
    later = [s for _, _, path in MIGRATIONS[1:] for s in statements(GENERATED[path.name])]
    assert not [s for s in later if "CREATE TABLE IF NOT EXISTS schema_migrations" in s], "created twice"


def test_analytics_finds_every_version_applied_under_the_name_it_records():
    recorded = [tuple(m.groups()) for text in GENERATED.values() for m in RECORD.finditer(text)]
    assert recorded == [(str(version), name) for version, name, _ in MIGRATIONS]


PARSE = """
import json, sys
import clickhouse_connect
client = clickhouse_connect.get_client(interface="chdb", path=":memory:")
out = []
for sql in json.load(sys.stdin):
    try:
        out.append([True, client.query("SELECT formatQuery({q:String})", parameters={"q": sql}).result_rows[0][0]])
    except Exception as exc:
        out.append([False, str(exc).splitlines()[0][:400]])
json.dump(out, sys.stdout)
"""


def chdb_format(sqls: list[str]) -> list[tuple[bool, str]]:
    done = subprocess.run([sys.executable, "-c", PARSE], input=json.dumps(sqls), capture_output=True, text=True,
                          timeout=300, check=True)
    return [tuple(r) for r in json.loads(done.stdout)]


def single_server(formatted: str) -> str:
    """A generated statement (or chDB's formatting of it) with ON CLUSTER and the replicated engine taken out."""
    text = formatted.replace(" ON CLUSTER `{cluster}`", "").replace(" ON CLUSTER '{cluster}'", "")
    text = re.sub(r"Replicated(\w*MergeTree)\('/clickhouse/tables/\{shard\}/\{database\}/\w+', '\{replica\}'(, )?",
                  r"\1(", text)
    return text.replace("MergeTree()", "MergeTree")


def test_chdb_parses_every_generated_statement_as_the_migration_plus_on_cluster_and_a_replicated_engine():
    pairs = []
    for i, (_, _, path) in enumerate(MIGRATIONS):
        generated = statements(GENERATED[path.name])[1 if i == 0 else 0:-1]
        pairs += zip(statements(path.read_text(encoding="utf-8")), generated)
    extra = [statements(GENERATED[MIGRATIONS[0][2].name])[0]] + [statements(t)[-1] for t in GENERATED.values()]
    misplaced = "CREATE OR REPLACE VIEW v AS SELECT 1 ON CLUSTER '{cluster}'"
    results = chdb_format([s for pair in pairs for s in pair] + extra + [misplaced])
    assert results[-1][0] is False, "chDB accepted a misplaced ON CLUSTER: the check would prove nothing"
    for ok, message in results[:-1]:
        assert ok, message
    formatted = [text for _, text in results]
    for n, (plain, _) in enumerate(pairs):
        assert single_server(formatted[2 * n + 1]) == formatted[2 * n], plain[:80]
    assert any("ON CLUSTER `{cluster}` TO case_facts" in text for text in formatted)


SCHEMA = """
import json, sys
from services.analytics.store import Store, statements
store = Store.open("chdb://:memory:")
for text in json.load(sys.stdin):
    for sql in statements(text):
        store.client.command(sql)
applied = store.migrate()
columns = store.rows("SELECT table, name, type, position FROM system.columns WHERE database = currentDatabase() "
                     "ORDER BY table, position")
tables = store.rows("SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name")
json.dump({"applied": applied, "columns": columns, "tables": tables}, sys.stdout, default=str)
"""


def schema_after(files: list[str]) -> dict:
    """In a chDB of its own: apply ``files``, then start analytics' migrations; what it applied and what exists."""
    done = subprocess.run([sys.executable, "-c", SCHEMA], input=json.dumps(files), capture_output=True, text=True,
                          timeout=300, check=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    return json.loads(done.stdout)


def test_after_the_files_analytics_applies_nothing_and_the_schema_is_the_one_it_would_have_made():
    """The cluster played by one server: the generated files with ON CLUSTER and the replicated engines taken out,
    applied in order, leave analytics nothing to apply, and the same tables, views and columns as a fresh start."""
    cluster = schema_after([single_server(text) for text in GENERATED.values()])
    fresh = schema_after([])
    assert cluster["applied"] == [] and fresh["applied"] == list(GENERATED)
    assert cluster["columns"] == fresh["columns"] and len(fresh["columns"]) > 100
    assert cluster["tables"] == fresh["tables"]
    assert {"name": "case_facts_mv", "engine": "MaterializedView"} in fresh["tables"]


def test_check_passes_on_the_written_files_and_names_a_changed_missing_or_stale_one(tmp_path, capsys):
    assert rep.main(["--target", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATED)
    assert rep.main(["--check", "--target", str(tmp_path)]) == 0
    changed = tmp_path / "005_case_facts.sql"
    changed.write_text(changed.read_text(encoding="utf-8").replace("ReplicatedAggregating", "Aggregating"))
    (tmp_path / "003_birth_year.sql").unlink()
    (tmp_path / "000_gone.sql").write_text("CREATE TABLE old (a UInt8) ENGINE = Memory;\n")
    capsys.readouterr()
    assert rep.main(["--check", "--target", str(tmp_path)]) == 1
    said = capsys.readouterr().out
    assert "differs: 005_case_facts.sql" in said and "missing: 003_birth_year.sql" in said
    assert "stale (no migration produces it): 000_gone.sql" in said
    assert rep.main(["--target", str(tmp_path)]) == 0
    assert not (tmp_path / "000_gone.sql").exists() and rep.main(["--check", "--target", str(tmp_path)]) == 0


def test_engine_arguments_are_kept_after_the_keeper_path_and_replica():
    sql = "CREATE TABLE IF NOT EXISTS t\n(\n    a UInt8, v UInt64\n)\nENGINE = ReplacingMergeTree(v)\nORDER BY a"
    assert rep.replicate_statement(sql) == (
        "CREATE TABLE IF NOT EXISTS t ON CLUSTER '{cluster}'\n(\n    a UInt8, v UInt64\n)\n"
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/t', '{replica}', v)\nORDER BY a")
    assert "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/u', '{replica}')\n" in rep.replicate_statement(
        "CREATE TABLE u (a UInt8) ENGINE = MergeTree()\nORDER BY a")
    assert rep.replicate_statement("DROP VIEW IF EXISTS old") == "DROP VIEW IF EXISTS old ON CLUSTER '{cluster}'"


@pytest.mark.parametrize("sql, why", [
    ("CREATE TABLE t (a UInt8) ENGINE = Memory", "no plain *MergeTree engine"),
    ("CREATE TABLE t ON CLUSTER c (a UInt8) ENGINE = MergeTree ORDER BY a", "already ON CLUSTER"),
    ("OPTIMIZE TABLE case_facts FINAL", "not a CREATE, ALTER, DROP or INSERT"),
])
def test_a_statement_that_would_run_on_one_server_only_is_refused_naming_the_file(tmp_path, sql, why):
    (tmp_path / "001_tables.sql").write_text("CREATE TABLE ok (a UInt8) ENGINE = MergeTree ORDER BY a;\n")
    (tmp_path / "002_bad.sql").write_text(f"-- a migration\n{sql};\n")
    with pytest.raises(rep.NotReplicable, match=f"002_bad.sql: .*{re.escape(why)}"):
        rep.generate(tmp_path)
