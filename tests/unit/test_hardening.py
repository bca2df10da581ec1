"""The pure parts of the hardening: development secrets refused outside dev mode, the client behind trusted
proxies, JSON nested too deep, the lender's own batch id in an upload's rows."""
from __future__ import annotations

import pytest

from remedy.kernel.settings import Settings, SettingsError, development_defaults, refuse_development_defaults
from remedy.runtime.http import client_address, trusted_networks
from remedy.runtime.startup import refuse_development_secrets
from services.analytics.settings import AnalyticsSettings
from services.gateway.settings import GatewaySettings
from services.gateway.upload import Refusal, UploadReader
from services.gateway.validation import BadRequest, parse_json
from sim.defaults import utc

NOW = utc(2026, 11, 28, 4)
SECRETS = {"REMEDY_PORTAL_SECRET": "p" * 32, "REMEDY_PII_KEY": "a2V5", "REMEDY_PSEUDONYM_KEY": "k" * 32,
           "REMEDY_ANALYTICS_TOKENS": "t0k3n=ops", "REMEDY_PARTY_KEYS": "/etc/remedy/party-keys.json",
           "REMEDY_GATEWAY_SIGNING_KEY": "/etc/remedy/gateway-signing-key.json", "REMEDY_CASE_ID_KEY": "c" * 32}


def test_outside_dev_mode_every_development_default_is_named_in_one_error():
    prod = Settings.from_env({"REMEDY_ENV": "production"})
    with pytest.raises(SettingsError) as refused:
        refuse_development_defaults(prod, AnalyticsSettings.from_env({}), GatewaySettings.from_env({}),
                                    problems=("REMEDY_GATEWAY_KEYS is empty",))
    message = str(refused.value)
    for name in ("REMEDY_PORTAL_SECRET", "REMEDY_CASE_ID_KEY", "REMEDY_PII_KEY", "REMEDY_PSEUDONYM_KEY", "REMEDY_ANALYTICS_TOKENS",
                 "REMEDY_PARTY_KEYS", "REMEDY_GATEWAY_SIGNING_KEY", "REMEDY_GATEWAY_KEYS is empty"):
        assert name in message
    with pytest.raises(SystemExit, match="REMEDY_PII_KEY"):
        refuse_development_secrets(prod)


def test_dev_mode_or_every_secret_set_starts():
    refuse_development_defaults(Settings.from_env({}), AnalyticsSettings.from_env({}))  # dev: the defaults are fine
    env = {"REMEDY_ENV": "production", **SECRETS}
    refuse_development_defaults(Settings.from_env(env), AnalyticsSettings.from_env(env))
    assert development_defaults(Settings.from_env(env), AnalyticsSettings.from_env(env)) == []
    assert development_defaults(Settings.from_env({**env, "REMEDY_ANALYTICS_TOKENS": "dev-ops-token=ops"}),
                                AnalyticsSettings.from_env({"REMEDY_ANALYTICS_TOKENS": "dev-ops-token=ops"})) == \
        ["REMEDY_ANALYTICS_TOKENS"], "the default set explicitly is still the default"


def test_the_client_is_the_peer_unless_a_trusted_proxy_forwarded_for_it():
    trusted = trusted_networks("10.0.0.0/8, 192.168.1.5")
    assert client_address("203.0.113.9", "1.1.1.1", trusted) == "203.0.113.9", "an untrusted peer's header is ignored"
    assert client_address("10.1.2.3", "198.51.100.7", trusted) == "198.51.100.7"
    assert client_address("10.1.2.3", "6.6.6.6, 198.51.100.7, 192.168.1.5", trusted) == "198.51.100.7", \
        "only what trusted proxies appended is believed: a forged left-most entry is not"
    assert client_address("10.1.2.3", None, trusted) == "10.1.2.3"
    assert client_address("10.1.2.3", "junk", trusted) == "junk"
    assert client_address("127.0.0.1", "198.51.100.7", ()) == "127.0.0.1", "no trusted proxy: the peer"


def test_json_nested_too_deep_or_unreadable_is_a_bad_request():
    assert parse_json(b'{"a": [[1]]}', 3) == {"a": [[1]]}
    for raw, why in ((b"[" * 5 + b"]" * 5, "nested more than 4"), (b"[" * 100_000, "nested more than 4"),
                     (b"\xff\xfe", "not valid JSON"), (b"{", "not valid JSON")):
        with pytest.raises(BadRequest, match=why):
            parse_json(raw, 4)


def row(n: int, batch: str | None = None) -> dict:
    out = {"loan_id": f"L-{n}", "product": "cash", "principal_cents": 100, "interest_cents": 0, "penalty_cents": 0,
           "contract_date": "2025-01-01", "due_date": "2025-06-01",
           "debtor": {"name": "张三", "national_id": "x", "region_code": "350502"}}
    return out if batch is None else {**out, "batch_id": batch}


def test_the_lender_s_own_batch_id_is_kept_and_one_upload_is_one_batch():
    import json
    reader = UploadReader("jsonl", "LENDER-A", None, NOW, new_id=lambda: "GW-NEW")
    got = [reader.feed(json.dumps(r), n) for n, r in enumerate([row(1, "MY-1"), row(2), row(3, "OTHER"), row(4, "MY-1")], 1)]
    assert [g["batch_id"] for g in got if isinstance(g, dict)] == ["MY-1", "MY-1", "MY-1"]
    assert got[2] == Refusal(3, "batch_id: names OTHER, but this upload is batch MY-1 (one batch per upload)")
    none = UploadReader("jsonl", "LENDER-A", None, NOW, new_id=lambda: "GW-NEW")
    assert none.feed(json.dumps(row(1)), 1)["batch_id"] == "GW-NEW", "no batch_id anywhere: a new one"
    asked = UploadReader("jsonl", "LENDER-A", "Q-1", NOW)
    assert asked.feed(json.dumps(row(1, "MY-1")), 1)["batch_id"] == "Q-1", "the query's batch_id names the batch"
    bad = UploadReader("jsonl", "LENDER-A", None, NOW).feed(json.dumps(row(1, "no spaces")), 1)
    assert isinstance(bad, Refusal) and "batch_id" in bad.message
    deep = UploadReader("jsonl", "LENDER-A", None, NOW, max_depth=8).feed("[" * 50_000, 9)
    assert deep == Refusal(9, "not JSON this gateway reads: nested more than 8 deep")


def test_a_csv_upload_s_batch_id_column_names_the_batch():
    reader = UploadReader("csv", "LENDER-A", None, NOW)
    header = "batch_id,loan_id,product,principal_cents,interest_cents,penalty_cents,contract_date,due_date," \
             "debtor_name,debtor_national_id,debtor_region_code"
    assert reader.feed(header, 1) is None
    got = reader.feed("LB-2026-11,L-1,cash,100,0,0,2025-01-01,2025-06-01,张三,x,350502", 2)
    assert isinstance(got, dict) and got["batch_id"] == "LB-2026-11"


def test_the_gateway_and_a_stage_worker_refuse_to_start_with_development_secrets(tmp_path):
    """The common start paths (a worker's ``remedy.runtime.worker.run``, the gateway's and analytics' main) check
    before they connect to anything: no broker is needed to see the refusal."""
    import os
    import subprocess
    import sys

    from remedy.kernel.settings import REPO_ROOT

    env = {**os.environ, "REMEDY_ENV": "production", "REMEDY_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT),
           "REMEDY_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    started = {name: subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=env, cwd=REPO_ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name in ("gateway", "intake", "analytics")}
    errs = {}
    for name, proc in started.items():
        errs[name] = proc.communicate(timeout=60)[1]
        assert proc.returncode != 0 and "refusing to start with development secrets" in errs[name], (name, errs[name][-500:])
        assert "REMEDY_PORTAL_SECRET" in errs[name] and "REMEDY_PII_KEY" in errs[name], name
    assert "REMEDY_GATEWAY_KEYS is empty" in errs["gateway"] and "REMEDY_ANALYTICS_TOKENS" in errs["analytics"]
    assert not (tmp_path / "gateway" / "keys.json").exists(), "no dev keys were generated"


class _Content:
    def __init__(self, lines: list[bytes]):
        self.lines = list(lines)

    async def readline(self, max_line_length: int | None = None) -> bytes:
        return self.lines.pop(0) if self.lines else b""


class _Request:
    def __init__(self, lines: list[bytes]):
        self.content = _Content(lines)


class _Broken:
    """A producer that fails on the second record: an unexpected error in the middle of an upload."""

    def __init__(self):
        self.sent = 0

    async def send(self, topic, value, key, headers=None):
        self.sent += 1
        if self.sent == 2:
            raise RuntimeError("the broker went away")
        import asyncio
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_an_upload_that_fails_unexpectedly_still_releases_its_batch_for_a_retry():
    import json

    from remedy.contract.codec import Codec
    from remedy.kernel.settings import REPO_ROOT
    from services.gateway.core import Gateway
    from services.gateway.projection import Projection
    from services.gateway.publishing import BatchUpload

    gw = Gateway(Settings.from_env({}), GatewaySettings.from_env({}), None, Codec(REPO_ROOT / "schemas"), None,
                 Projection(), _Broken())
    lines = [(json.dumps(r) + "\n").encode() for r in (row(1), row(2), row(3), row(4))]
    upload = BatchUpload(gw, "LENDER-A", UploadReader("jsonl", "LENDER-A", "B-1", NOW))
    with pytest.raises(RuntimeError):
        await upload.run(_Request(lines))
    assert gw.uploading == set(), "never left 'in progress'"
    status = gw.projection.batch_view("LENDER-A", "B-1")
    assert status.upload_done and status.broken_off and status.published == 1
    again = BatchUpload(gw, "LENDER-A", UploadReader("jsonl", "LENDER-A", "B-1", NOW))
    assert again.begin().batch_id == "B-1", "a broken-off batch may be sent again"
