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
                                   "refused outside dev.", dev_secret=True)
    replay_window_seconds: int = setting(300, "gateway: a court webhook's timestamp must be within this many seconds of now.")
    host: str = setting("127.0.0.1", "gateway: the address its HTTP server binds (`0.0.0.0` for every interface).")
    trusted_proxies: str = setting("", "gateway: addresses or networks (comma-separated, e.g. `10.0.0.0/8`) of the reverse "
                                       "proxies whose `X-Forwarded-For` is believed, so the portal's limits count the real "
                                       "client. Empty: the peer address is the client.")
    portal_max_failures: int = setting(5, "gateway: wrong verification codes one client (address) may send before the "
                                          "portal refuses it...")
    portal_lock_minutes: int = setting(15, "gateway: ...for this many minutes (injectable clock). Never per case: nobody can "
                                           "lock a debtor out.")
    portal_rate_per_minute: int = setting(30, "gateway: debtor portal requests allowed per client address per minute.")
    portal_max_clients: int = setting(100_000, "gateway: client addresses the portal's rate limit and throttle remember at "
                                               "most (the least recently seen are forgotten first).")
    portal_code_days: int = setting(60, "gateway: days a notice's verification code works after the notice was sent (a "
                                        "newer notice's code replaces it at once).")
    portal_sms_code_minutes: int = setting(10, "gateway: how long a one-time sign-in code sent by SMS works (once; it opens "
                                               "the portal even for a client locked out by wrong codes).")
    portal_sms_codes_per_case_hour: int = setting(3, "gateway: one-time codes one case may be sent by SMS in an hour, whoever "
                                                     "asks (the texts go to the debtor's own phone).")
    portal_sms_codes_per_client_hour: int = setting(10, "gateway: one-time codes one client (address) may ask for in an hour.")
    portal_session_minutes: int = setting(30, "gateway: how long the portal's sign-in cookie lasts.")
    access_log: bool = setting(True, "gateway: one access line per request (method, path without its query, status, ms, "
                                     "client, request id; never a header, query or body).")
    max_body_kb: int = setting(1024, "gateway: largest JSON or form body accepted (KiB); larger is refused 413.")
    max_json_depth: int = setting(32, "gateway: deepest nesting of arrays and objects accepted in a JSON body or upload row.")
    upload_max_mb: int = setting(1024, "gateway: largest batch upload (MiB); the upload stops at this size with a 413 and "
                                       "keeps the rows read before it.")
    upload_max_line_kb: int = setting(64, "gateway: longest line of a batch upload (KiB); a longer one ends the upload with "
                                          "a 400 naming the line.")
    read_model_dir: str = setting("", "gateway: where this instance keeps its read model (RocksDB; services/gateway/store.py). Empty = "
                                      "`$REMEDY_DATA_DIR/gateway/read-model`. Each instance needs its own; a lost or damaged one "
                                      "is rebuilt from the topics at start.")
    evidence_dir: str = setting("", "gateway: the evidence store, where lenders' uploaded evidence files are kept by their SHA-256 "
                                    "(services/gateway/evidence_store.py). Empty = `$REMEDY_DATA_DIR/evidence`. In production a "
                                    "volume every gateway instance mounts (docs/runbook.md).")
    evidence_max_mb: int = setting(20, "gateway: largest evidence file a lender may upload (MiB); larger is refused 413.")
