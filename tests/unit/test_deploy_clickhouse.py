"""The ClickHouse server side (``deploy/clickhouse/server``) and the Grafana dashboard's SQL: read as files, since no
ClickHouse server runs here. The replicated DDL has its own tests (test_clickhouse_replicated.py)."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from remedy.kernel.settings import REPO_ROOT

CLICKHOUSE = REPO_ROOT / "deploy" / "clickhouse"


def test_users_read_only_dashboard_and_a_writer_kept_to_the_remedy_database_passwords_from_env():
    root = ET.parse(CLICKHOUSE / "server" / "users.d" / "remedy.xml").getroot()
    assert root.findtext("profiles/remedy_dashboard/readonly") == "1"
    users = root.find("users")
    assert {u.tag for u in users} == {"remedy_writer", "remedy_dashboard"}
    for user in users:
        assert [d.text for d in user.findall("allow_databases/database")] == ["remedy"]
        grants = [q.text for q in user.findall("grants/query")]
        assert grants and all(g.endswith(" ON remedy.*") for g in grants), grants
        secrets = [e for e in user if "password" in e.tag]
        assert len(secrets) == 1 and secrets[0].get("from_env") and not (secrets[0].text or "").strip(), user.tag
    assert users.findtext("remedy_dashboard/profile") == "remedy_dashboard"
    assert "INSERT" not in users.findtext("remedy_dashboard/grants/query")


# What analytics' statements need beyond SELECT, INSERT and the migrations' DDL (ClickHouse's access rules:
# DROP PARTITION and a lightweight DELETE both need ALTER DELETE).
NEEDS = {"OPTIMIZE TABLE": "OPTIMIZE", "DROP PARTITION": "ALTER DELETE", "DELETE FROM": "ALTER DELETE"}


def test_the_writer_may_run_every_statement_analytics_runs():
    root = ET.parse(CLICKHOUSE / "server" / "users.d" / "remedy.xml").getroot()
    granted = {p.strip() for p in root.findtext("users/remedy_writer/grants/query").split(" ON ")[0][len("GRANT "):].split(",")}
    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "services" / "analytics").glob("*.py"))
    used = {needed for statement, needed in NEEDS.items() if statement in code}
    assert used == {"OPTIMIZE", "ALTER DELETE"}, "analytics' statements changed: check what they need"
    assert used <= granted, used - granted


# What the migrations' ALTERs need (analytics applies them as the writer on a single server).
MIGRATION_NEEDS = {"ADD COLUMN": "ALTER ADD COLUMN", "MODIFY SETTING": "ALTER SETTINGS"}


def test_the_writer_may_apply_every_migration_s_alter():
    root = ET.parse(CLICKHOUSE / "server" / "users.d" / "remedy.xml").getroot()
    granted = {p.strip() for p in root.findtext("users/remedy_writer/grants/query").split(" ON ")[0][len("GRANT "):].split(",")}
    alters = [s for p in sorted(CLICKHOUSE.glob("*.sql")) for s in re.findall(r"ALTER TABLE \w+ (\w+ \w+)", p.read_text())]
    assert set(alters) == set(MIGRATION_NEEDS), "the migrations' ALTERs changed: check what they need"
    assert {MIGRATION_NEEDS[a] for a in alters} <= granted


def test_tls_on_the_http_and_native_ports_and_the_plain_ones_removed():
    root = ET.parse(CLICKHOUSE / "server" / "config.d" / "tls.xml").getroot()
    assert root.findtext("https_port") and root.findtext("tcp_port_secure")
    assert root.find("http_port").get("remove") == "1" and root.find("tcp_port").get("remove") == "1"
    server = root.find("openSSL/server")
    assert server.findtext("certificateFile").startswith("/etc/clickhouse-server/certs/")
    assert server.findtext("privateKeyFile").startswith("/etc/clickhouse-server/certs/")


SAFE = re.compile(r"\$\{\w+:(singlequote|sqlstring)\}")
VARIABLE = re.compile(r"\$(\{\w+(:\w+)?\}|\w+)")


def test_every_dashboard_variable_in_sql_goes_through_a_quoting_formatter():
    """A textbox or multi-value variable put into SQL as it was typed is an injection: ``${var:singlequote}``
    escapes and quotes each value. Grafana's macros (``$__timeFilter``) and data-source uids are not SQL values."""
    board = json.loads((REPO_ROOT / "deploy" / "grafana" / "remedy.json").read_text())
    sqls = [t["rawSql"] for p in board["panels"] for t in p.get("targets", []) if "rawSql" in t]
    assert sqls
    for sql in sqls:
        for match in VARIABLE.finditer(sql):
            text = match.group(0)
            assert text.startswith("$__") or SAFE.fullmatch(text), (text, sql)
            assert sql[match.start() - 1] != "'", f"{text} inside quotes: the formatter quotes it ({sql})"


GRAFANA_RUN = r"""
import json, re, sys
from bench.dashboard_world import LENDERS, fill
from services.analytics import snapshot
from services.analytics.store import Store

store = Store.open("chdb://:memory:")
store.migrate()
fill(store, 400)
snapshot.build(store)
lenders = ", ".join(f"'{name}'" for name in LENDERS)
out = {}
for sql in json.loads(sys.stdin.read()):
    sql = re.sub(r"\$__timeFilter\(((?:[^()]|\([^()]*\))*)\)", r"\1 >= toDateTime('2000-01-01')", sql)
    sql = sql.replace("${lender:singlequote}", lenders).replace("${region:singlequote}", "''")
    out[sql] = len(store.client.query(sql).result_rows)   # as Grafana sends it: no settings of ours
print(json.dumps(out))
"""


def test_every_grafana_panel_s_sql_runs_on_the_schema_and_finds_rows():
    """Each panel's SQL, with Grafana's variables and time macro filled in, against the migrations and a snapshot of a
    small synthetic funnel (embedded ClickHouse, in a process of its own)."""
    import subprocess
    import sys

    import pytest
    pytest.importorskip("chdb")
    board = json.loads((REPO_ROOT / "deploy" / "grafana" / "remedy.json").read_text())
    sqls = [t["rawSql"] for p in board["panels"] for t in p.get("targets", []) if "rawSql" in t]
    done = subprocess.run([sys.executable, "-c", GRAFANA_RUN], input=json.dumps(sqls), capture_output=True, text=True,
                          timeout=300, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rows) == len(sqls)
    assert [sql for sql, n in rows.items() if n == 0] == [], "a panel that shows nothing"
