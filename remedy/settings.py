"""Settings: one frozen object built from ``REMEDY_*`` environment variables at start-up.

Every default works on one machine. ``SETTINGS_DOC`` is the table the README prints.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    broker_port: int = 9092
    kafka_bootstrap: str = "127.0.0.1:9092"
    clickhouse_url: str = "chdb:///./.remedy/clickhouse"
    data_dir: str = "./.remedy"
    clock_scale: float = 1.0
    clock_epoch: str = ""
    clock_anchor: float = 0.0
    pseudonym_key: str = "dev-only-pseudonym-key-change-me"
    pii_key: str = "ZGV2LW9ubHktcGlpLWtleS0zMmJ5dGVzLWNoYW5nZSE="
    schemas_dir: str = str(REPO_ROOT / "schemas")
    log_level: str = "warning"
    intake_port: int = 6101
    triage_port: int = 6102
    mediation_port: int = 6103
    enforcement_port: int = 6104
    notify_port: int = 6105
    repair_port: int = 6106
    objections_port: int = 6107
    analytics_port: int = 6108
    gateway_port: int = 8080

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for field in dataclasses.fields(cls):
            raw = env.get("REMEDY_" + field.name.upper())
            if raw is None:
                continue
            kind = type(field.default)
            try:
                values[field.name] = kind(raw)
            except ValueError as exc:
                raise SettingsError(f"REMEDY_{field.name.upper()}={raw!r}: expected {kind.__name__}") from exc
        if "broker_port" in values and "kafka_bootstrap" not in values:
            values["kafka_bootstrap"] = f"127.0.0.1:{values['broker_port']}"
        return cls(**values)

    def port_for(self, service: str) -> int:
        return getattr(self, f"{service}_port")


class SettingsError(ValueError):
    """A REMEDY_* variable could not be read."""


SETTINGS_DOC = {
    "broker_port": "Port `make broker` binds Tansu to on 127.0.0.1.",
    "kafka_bootstrap": "Kafka bootstrap host:port list (defaults to 127.0.0.1:$REMEDY_BROKER_PORT).",
    "clickhouse_url": "`chdb:///path` (embedded) or `http(s)://user:pass@host:port/db` (server).",
    "data_dir": "Local state: logs, pid files, the embedded ClickHouse.",
    "clock_scale": "Simulated seconds per real second (1 = real time).",
    "clock_epoch": "ISO-8601 instant the simulated clock shows at `clock_anchor` (empty = now).",
    "clock_anchor": "Unix time (real) at which the simulated clock shows `clock_epoch` (0 = process start).",
    "pseudonym_key": "Secret for `debtor_ref` = HMAC-SHA256(key, national ID). Change in production.",
    "pii_key": "Base64 AES-256 key sealing debtor contact details in `sealed_contact`. Change in production.",
    "schemas_dir": "Where the Avro schemas (all versions) live.",
    "log_level": "Worker log level.",
    "intake_port": "intake's HTTP port (/metrics, faust web).",
    "triage_port": "triage's HTTP port.",
    "mediation_port": "mediation's HTTP port.",
    "enforcement_port": "enforcement's HTTP port.",
    "notify_port": "notify's HTTP port.",
    "repair_port": "repair's HTTP port.",
    "objections_port": "objections' HTTP port.",
    "analytics_port": "analytics' HTTP port (dashboard, JSON API, /metrics).",
    "gateway_port": "gateway's HTTP port.",
}
