"""gateway's own settings (``REMEDY_GATEWAY_*``); the shared ones are ``remedy.kernel.settings.Settings`` (which
holds ``portal_secret``: notify prints the codes the portal checks)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class GatewaySettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_GATEWAY_"
    port: int = setting(8080, "gateway's HTTP port.")
    keys: str = setting("", "gateway: the keys file (JSON; see services/gateway/keys.py): sha256 of each lender's, mediator's "
                            "and payment processor's API key, and each court's HMAC secret. Empty = "
                            "`$REMEDY_DATA_DIR/gateway/keys.json`, generated with dev keys when absent. Never commit real keys.")
    signing_key: str = setting("", "gateway: the key file it signs the records it publishes for the parties with (JSON: kind "
                                   "`gateway`, id, key_id, private_key; docs/security.md). Empty = the development key, "
                                   "refused outside dev.")
    replay_window_seconds: int = setting(300, "gateway: a court webhook's timestamp must be within this many seconds of now.")
    portal_max_failures: int = setting(5, "gateway: wrong verification codes for one case before the portal locks it...")
    portal_lock_minutes: int = setting(15, "gateway: ...for this many minutes (injectable clock).")
    portal_rate_per_minute: int = setting(30, "gateway: debtor portal requests allowed per client address per minute.")
    read_model_dir: str = setting("", "gateway: where this instance keeps its read model (RocksDB; services/gateway/store.py). Empty = "
                                      "`$REMEDY_DATA_DIR/gateway/read-model`. Each instance needs its own; a lost or damaged one "
                                      "is rebuilt from the topics at start.")
