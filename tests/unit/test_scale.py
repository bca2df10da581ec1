"""``--scale`` for every service: the gateway (any number up to GATEWAY_MAX, sharing one keys file, each
with its own port, data dir and read model), analytics (several only on a ClickHouse server), the
producers' compression, and what the stack writes for Prometheus."""
from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from remedy.ops import procs
from remedy.ops.scale import (GATEWAY_MAX, ScaleError, instances, parse_scale, ports_needed, prepare, scale_limits,
                              scrape_config)
from remedy.ops.settings import PlatformSettings
from remedy.ops.stack import Stack, StackError
from services.gateway.keys import Keys, load_or_create, shared_keys_path

CHDB = "chdb:///var/lib/remedy/clickhouse"
SERVER = "https://remedy:pw@clickhouse.internal:8443/remedy"
LIMITS = {"triage": 4, "analytics": 4, "gateway": GATEWAY_MAX}


def platform(tmp_path, **env) -> PlatformSettings:
    return PlatformSettings.from_env({"REMEDY_DATA_DIR": str(tmp_path), **env})


# ---------------------------------------------------------------- parse_scale

def test_the_gateway_scales_up_to_its_maximum_not_to_partitions():
    assert parse_scale("gateway=2", LIMITS, CHDB) == {"gateway": 2}
    assert parse_scale(f"gateway={GATEWAY_MAX},triage=2", LIMITS, CHDB) == {"gateway": GATEWAY_MAX, "triage": 2}
    with pytest.raises(ScaleError, match=f"at most gateway={GATEWAY_MAX}"):
        parse_scale(f"gateway={GATEWAY_MAX + 1}", LIMITS, CHDB)
    limits = scale_limits()
    assert limits["gateway"] == GATEWAY_MAX and limits["analytics"] == 4 and limits["triage"] == 4


def test_analytics_scales_only_on_a_clickhouse_server():
    assert parse_scale("analytics=1", LIMITS, CHDB) == {"analytics": 1}
    with pytest.raises(ScaleError) as err:
        parse_scale("analytics=2", LIMITS, CHDB)
    assert "embedded chDB" in str(err.value) and "one process" in str(err.value) and "REMEDY_CLICKHOUSE_URL" in str(err.value)
    assert parse_scale("analytics=3", LIMITS, SERVER) == {"analytics": 3}
    with pytest.raises(ScaleError, match="at most analytics=4"):
        parse_scale("analytics=5", LIMITS, SERVER)


def test_parse_scale_reads_the_clickhouse_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REMEDY_CLICKHOUSE_URL", raising=False)
    with pytest.raises(ScaleError, match="embedded chDB"):
        parse_scale("analytics=2", LIMITS)
    monkeypatch.setenv("REMEDY_CLICKHOUSE_URL", SERVER)
    assert parse_scale("analytics=2", LIMITS) == {"analytics": 2}


def test_one_analytics_or_gateway_keeps_its_plain_name():
    assert instances("gateway", 1) == [("gateway", 1)] and instances("analytics", 1) == [("analytics", 1)]
    assert instances("gateway", 2) == [("gateway-1", 1), ("gateway-2", 2)]
    assert instances("triage", 1) == [("triage-1", 1)]


# ---------------------------------------------------------------- what each instance gets

def test_gateway_instances_share_the_keys_file_and_keep_their_own_port_data_dir_and_read_model(tmp_path):
    one, two = (procs.instance_env("gateway", n, 8080, tmp_path, {}) for n in (1, 2))
    assert (one["REMEDY_GATEWAY_PORT"], two["REMEDY_GATEWAY_PORT"]) == ("8080", "8180")
    assert (one["REMEDY_DATA_DIR"], two["REMEDY_DATA_DIR"]) == (str(tmp_path / "gateway-1"), str(tmp_path / "gateway-2"))
    assert one["REMEDY_GATEWAY_KEYS"] == two["REMEDY_GATEWAY_KEYS"] == str(tmp_path / "gateway" / "keys.json")
    assert "REMEDY_GATEWAY_READ_MODEL_DIR" not in two, "by default under the instance's own data dir"
    chosen = procs.instance_env("gateway", 2, 8080, tmp_path, {"REMEDY_GATEWAY_KEYS": "/etc/remedy/keys.json",
                                                                "REMEDY_GATEWAY_READ_MODEL_DIR": "/ssd/read-model"})
    assert chosen["REMEDY_GATEWAY_KEYS"] == "/etc/remedy/keys.json"
    assert chosen["REMEDY_GATEWAY_READ_MODEL_DIR"] == str(Path("/ssd/read-model") / "gateway-2")
    assert shared_keys_path(tmp_path) == tmp_path / "gateway" / "keys.json", "what one plain gateway uses too"


def test_the_stack_runs_two_gateways_on_the_shared_keys(tmp_path):
    stack = Stack(platform(tmp_path), scale={"gateway": 2, "triage": 2})
    ps = {p.name: p for p in stack.processes()}
    assert [n for n in ps if n.startswith("gateway")] == ["gateway-1", "gateway-2"] and "analytics" in ps
    g1, g2 = ps["gateway-1"], ps["gateway-2"]
    assert (g1.port, g2.port, g2.module, g2.service) == (8080, 8180, "services.gateway", "gateway")
    assert g1.env["REMEDY_GATEWAY_KEYS"] == g2.env["REMEDY_GATEWAY_KEYS"] == str(tmp_path / "gateway" / "keys.json")
    assert g2.env["REMEDY_DATA_DIR"] == str(tmp_path / "gateway-2") and g2.log_path == tmp_path / "logs" / "gateway-2.log"
    assert stack.ports_of("gateway") == [8080, 8180]
    assert {"gateway-1": 8080, "gateway-2": 8180}.items() <= ports_needed(stack.platform, stack.scale).items()
    plain = {p.name: p for p in Stack(platform(tmp_path)).processes()}["gateway"]
    assert plain.env["REMEDY_DATA_DIR"] == str(tmp_path) and plain.port == 8080


def test_the_stack_refuses_two_analytics_on_chdb_and_points_them_at_the_server(tmp_path):
    with pytest.raises(StackError, match="embedded chDB"):
        Stack(platform(tmp_path), scale={"analytics": 2})
    with pytest.raises(StackError, match="at most gateway=8"):
        Stack(platform(tmp_path), scale={"gateway": 9})
    stack = Stack(platform(tmp_path), {"REMEDY_CLICKHOUSE_URL": SERVER}, scale={"analytics": 2})
    ps = {p.name: p for p in stack.processes()}
    assert (ps["analytics-1"].port, ps["analytics-2"].port) == (6108, 6208)
    assert ps["analytics-2"].env["REMEDY_CLICKHOUSE_URL"] == SERVER
    assert ps["analytics-2"].env["REMEDY_DATA_DIR"] == str(tmp_path / "analytics-2")


def test_systemd_instances_get_the_same_env_and_a_second_analytics_needs_a_server(monkeypatch, tmp_path):
    ran = {}
    monkeypatch.setattr(procs.os, "execve", lambda path, argv, env: ran.update(argv=argv, env=env))
    monkeypatch.setenv("REMEDY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REMEDY_GATEWAY_KEYS", raising=False)
    monkeypatch.delenv("REMEDY_CLICKHOUSE_URL", raising=False)
    procs.main(["gateway-3"])
    assert ran["argv"][1:] == ["-m", "services.gateway"] and ran["env"]["REMEDY_GATEWAY_PORT"] == "8280"
    assert ran["env"]["REMEDY_GATEWAY_KEYS"] == str(tmp_path / "gateway" / "keys.json")
    with pytest.raises(SystemExit, match="ClickHouse server"):
        procs.main(["analytics-2"])
    monkeypatch.setenv("REMEDY_CLICKHOUSE_URL", SERVER)
    procs.main(["analytics-2"])
    assert ran["argv"][1:] == ["-m", "services.analytics"] and ran["env"]["REMEDY_ANALYTICS_PORT"] == "6208"


# ---------------------------------------------------------------- one set of keys

def _load(path: str, out) -> None:
    keys, made = load_or_create(Path(path))
    out.put((sorted(keys.by_hash), sorted((k, v.decode()) for k, v in keys.court_secrets.items()), made is not None))


def test_instances_starting_together_generate_one_set_of_dev_keys(tmp_path):
    path = tmp_path / "gateway" / "keys.json"
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [ctx.Process(target=_load, args=(str(path), out)) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    seen = [out.get(timeout=5) for _ in workers]
    assert sum(made for *_, made in seen) == 1, "exactly one generated them"
    assert len({json.dumps(s[:2]) for s in seen}) == 1, "every instance holds the same keys"
    plain = (tmp_path / "gateway" / "dev-keys.txt").read_text().split()
    keys = Keys.parse(path.read_text())
    assert keys.principal(plain[plain.index("lender:LENDER-QZ01") + 1]).id == "LENDER-QZ01"
    assert sorted(p.name for p in path.parent.iterdir()) == ["dev-keys.txt", "keys.json"], "nothing left aside"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_or_create(path)[1] is None, "an existing file is read, never replaced"


def test_the_stack_makes_the_keys_and_the_scrape_config_before_starting(tmp_path):
    p = platform(tmp_path)
    told = prepare(p, {"gateway": 2, "triage": 3}, ("triage", "gateway"), tmp_path, {})
    assert (tmp_path / "gateway" / "keys.json").exists() and any("dev keys generated" in t for t in told)
    config = (tmp_path / "prometheus.yml").read_text()
    assert config == scrape_config(p, {"gateway": 2, "triage": 3}, ("triage", "gateway"),
                                   rules=str(Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"))
    for port in (6102, 6202, 6302, 8080, 8180):
        assert f'"127.0.0.1:{port}"' in config
    assert not any("dev keys" in t for t in prepare(p, {}, ("gateway",), tmp_path, {})), "made once"


# ---------------------------------------------------------------- compression

class Captured(Exception):
    pass


def test_the_gateway_and_analytics_producers_compress(monkeypatch):
    import asyncio

    from services.analytics import sink
    from services.gateway import kafka

    seen = []

    def producer(**kwargs):
        seen.append(kwargs["compression_type"])
        raise Captured

    monkeypatch.setattr(kafka, "AIOKafkaProducer", producer)
    monkeypatch.setattr(sink, "AIOKafkaProducer", producer)
    monkeypatch.setattr(sink, "AIOKafkaConsumer", lambda **kwargs: None)
    with pytest.raises(Captured):
        asyncio.run(kafka.start_producer("127.0.0.1:1", "lz4"))
    from remedy.contract.codec import Codec
    from remedy.kernel.settings import REPO_ROOT, Settings
    from services.analytics.settings import AnalyticsSettings

    s = sink.Sink(Settings(producer_compression="zstd"), AnalyticsSettings(), None, Codec(REPO_ROOT / "schemas"), None, None)
    with pytest.raises(Captured):
        asyncio.run(s.start())
    assert seen == ["lz4", "zstd"]
