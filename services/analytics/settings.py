"""analytics' own settings (``REMEDY_ANALYTICS_*`` and ``REMEDY_CLICKHOUSE_URL``); the shared ones are
``remedy.kernel.settings.Settings``."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Mapping

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class AnalyticsSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_ANALYTICS_"
    port: int = setting(6108, "analytics' HTTP port (dashboard, JSON API, /metrics).")
    host: str = setting("127.0.0.1", "analytics: the address its HTTP server binds (`0.0.0.0` for every interface).")
    session_minutes: int = setting(480, "analytics: how long the dashboard's sign-in cookie lasts.")
    tokens: str = setting("dev-ops-token=ops", "Dashboard tokens: `token=LENDER_ID` or `token=ops` pairs, comma-separated, "
                                               "or `@/path/file` with one pair a line. A lender token sees only its own "
                                               "cases; ops sees all. The default is refused outside dev mode.", dev_secret=True)
    flush_rows: int = setting(20000, "The analytics sink inserts into ClickHouse once this many rows are buffered...")
    flush_ms: int = setting(1000, "...or once the oldest buffered row is this old (ms); offsets are committed after the insert.")
    clickhouse_url: str = setting("chdb:///./.remedy/clickhouse", "(defaults to `$REMEDY_DATA_DIR/clickhouse`) `chdb:///path` "
                                  "(embedded) or `http(s)://user:pass@host:port/db` (server).", env="REMEDY_CLICKHOUSE_URL")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "AnalyticsSettings":
        env = os.environ if env is None else env
        values = cls.read_env(env)
        if "REMEDY_DATA_DIR" in env and "clickhouse_url" not in values:
            values["clickhouse_url"] = "chdb://" + str(Path(env["REMEDY_DATA_DIR"]).resolve() / "clickhouse")
        return cls(**values)
