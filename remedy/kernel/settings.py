"""Settings: frozen objects built from ``REMEDY_*`` environment variables once, at start-up.

``Settings`` holds what several layers or services share; each service keeps its own in
``services/<name>/settings.py`` and the simulator its own in ``sim/settings.py``, every one an
``EnvSettings`` dataclass whose fields say their default and what they mean (``setting``). Every
default works on one machine. ``python -m remedy.ops.settings_doc`` prints the README's table.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping, TypeVar

from remedy.contract.paths import REPO_ROOT, SCHEMAS_DIR  # noqa: F401 - REPO_ROOT: read from here by the services and tests
from remedy.kernel.ids import DEV_CASE_ID_KEY


class SettingsError(ValueError):
    """A REMEDY_* variable could not be read."""


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def convert(kind: type, raw: str) -> Any:
    """An environment string as the setting's type (a bool from 1/0, true/false, yes/no, on/off)."""
    if kind is bool:
        if raw.strip().lower() not in TRUE + FALSE:
            raise ValueError(raw)
        return raw.strip().lower() in TRUE
    return kind(raw)


def setting(default: Any, doc: str, *, env: str | None = None, dev_secret: bool = False) -> Any:
    """A settings field: its default, what it means (the README's settings table prints it) and, for a
    field not read from ``<ENV_PREFIX><FIELD>``, the variable it is read from. ``dev_secret``: the default is a
    development secret, refused outside dev mode (``development_defaults``)."""
    return dataclasses.field(default=default, metadata={"doc": doc, "env": env, "dev_secret": dev_secret})


S = TypeVar("S", bound="EnvSettings")


class EnvSettings:
    """Base of every frozen settings dataclass: each field is read from ``<ENV_PREFIX><FIELD>`` (field
    ``rules_path`` of a class whose prefix is ``REMEDY_TRIAGE_`` from ``REMEDY_TRIAGE_RULES_PATH``) or from
    the variable its ``setting(env=...)`` names, converted to the type of its default (a tuple from
    ``low,high``, each item to the type of the default's first); an unset variable keeps the default."""

    ENV_PREFIX: ClassVar[str] = "REMEDY_"

    @classmethod
    def env_name(cls, f: dataclasses.Field) -> str:
        return f.metadata.get("env") or cls.ENV_PREFIX + f.name.upper()

    @classmethod
    def read_env(cls, env: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The fields the environment sets, converted: what ``from_env`` builds the object from."""
        env = os.environ if env is None else env
        values = {}
        for f in dataclasses.fields(cls):
            name = cls.env_name(f)
            raw = env.get(name)
            if raw is None:
                continue
            several = isinstance(f.default, tuple)
            kind = type(f.default[0] if several else f.default)
            try:
                values[f.name] = tuple(convert(kind, x) for x in raw.split(",")) if several else convert(kind, raw)
            except ValueError as exc:
                raise SettingsError(f"{name}={raw!r}: expected {kind.__name__}") from exc
        return values

    @classmethod
    def from_env(cls: type[S], env: Mapping[str, str] | None = None) -> S:
        return cls(**cls.read_env(env))


@dataclass(frozen=True)
class Settings(EnvSettings):
    environment: str = setting("dev", "`dev` (the default: one machine, development secrets and plain-http webhook URLs "
                               "allowed) or `production` (anything but `dev`: development defaults and http URLs are "
                               "refused).", env="REMEDY_ENV")
    broker_port: int = setting(9092, "Port `make broker` binds Tansu to on 127.0.0.1.")
    kafka_bootstrap: str = setting("127.0.0.1:9092",
                                   "Kafka bootstrap host:port list (defaults to 127.0.0.1:$REMEDY_BROKER_PORT).")
    kafka_security_protocol: str = setting("PLAINTEXT", "How clients reach the broker: `PLAINTEXT` (the dev broker: Tansu has "
                                           "no SASL or TLS) or, in production, `SASL_SSL` (SCRAM over TLS; also "
                                           "`SASL_PLAINTEXT`, `SSL`). remedy/runtime/clients.py.")
    kafka_sasl_mechanism: str = setting("SCRAM-SHA-512", "SASL mechanism: `SCRAM-SHA-512`, `SCRAM-SHA-256` or `PLAIN`.")
    kafka_username: str = setting("", "This process's Kafka principal (one per service: `remedy acls` prints their ACLs).")
    kafka_password_file: str = setting("", "File holding that principal's password (first line; mode 0600).")
    kafka_ca_file: str = setting("", "CA certificate(s) the broker's TLS certificate is checked against (empty: the "
                                 "system's).")
    topic_replication: int = setting(1, "Replication factor `remedy topics` gives new topics (1 on Tansu, 3 in production).")
    producer_linger_ms: int = setting(5, "How long a worker's producer waits to fill a batch (>= 5 on Tansu: unbatched it "
                                         "serves ~10k requests/s).")
    producer_compression: str = setting("zstd", "Compression of the record batches workers and publishers send: `zstd`, "
                                        "`lz4`, `gzip` or `none` (zstd: case events in full batches take 30% of "
                                        "their bytes, for about the CPU of none; bench/bench_compression.py).")
    commit_interval_seconds: float = setting(2.8, "How often workers commit processed offsets.")
    ready_max_waiting: int = setting(1000, "A worker is ready (`/readyz`) once its tables are recovered and at most this many "
                                           "records wait on its inputs (at the last lag sample).")
    stall_seconds: float = setting(180.0, "A worker not ready (rebalancing or recovering its tables) that reaches its broker "
                                   "but has made no progress for this long exits with code 75 to be restarted "
                                   "(remedy/runtime/stall.py; 0 = never).")
    poll_max_records: int = setting(500, "Most records a worker takes from its consumer at a time. Under a backlog a larger "
                                         "take holds every other partition up until it is handled; 500 keeps each "
                                         "served within seconds (bench/bench_fair_serving.py; 0 = no limit).")
    fetch_max_wait_ms: int = setting(300, "How long the broker may hold a worker's fetch of partitions with nothing new. The "
                                          "partitions taken meanwhile wait for its answer: faust's 1.5 s halved a worker's "
                                          "rate under a backlog (remedy/runtime/patches/fetchwait.py; 0 = faust's 1.5 s).")
    batch_wait_ms: int = setting(100, "How long an agent waits, once an input has come, for more to fill its batch (at most "
                                      "500): the latency a hop adds when traffic is light. Its outputs leave as one record "
                                      "batch per partition, and the dev broker's cost of every fetch grows with the batches "
                                      "a partition holds (bench/bench_broker_batches.py).")
    lag_sample_seconds: float = setting(5.0, "How often a worker refreshes its `consumer_lag`, `records_waiting` and `unserved_seconds` gauges and "
                                             "its `/records-waiting` page (`remedy run`'s pacer reads it: 0.25).")
    worker_host: str = setting("127.0.0.1", "The address a faust worker's HTTP server (/metrics, /healthz) binds "
                               "(`0.0.0.0` in a container, for Prometheus and the probes).")
    data_dir: str = setting("./.remedy", "Local state: logs, pid files, the embedded ClickHouse.")
    clock_scale: float = setting(1.0, "Simulated seconds per real second (1 = real time).")
    clock_epoch: str = setting("", "ISO-8601 instant the simulated clock shows at `clock_anchor` (empty = now).")
    clock_anchor: float = setting(0.0, "Unix time (real) at which the simulated clock shows `clock_epoch` (0 = process start).")
    clock_file: str = setting("", "A paced clock's shared file (`remedy run` writes it and slows time while services lag); "
                                  "when set, it replaces clock_scale/epoch/anchor.")
    pseudonym_key: str = setting("dev-only-pseudonym-key-change-me",
                                 "Secret for `debtor_ref` = HMAC-SHA256(key, national ID). Change in production.", dev_secret=True)
    pii_key: str = setting("ZGV2LW9ubHktcGlpLWtleS0zMmJ5dGVzLWNoYW5nZSE=",
                           "Base64 AES-256 key sealing debtor contact details in `sealed_contact`. Change in production.",
                           dev_secret=True)
    portal_secret: str = setting("dev-only-portal-secret-change-me", "Secret for the debtor portal's verification code "
                                 "printed on notices and the portal's session cookies (remedy/kernel/portal.py). Change in production.",
                                 dev_secret=True)
    case_id_key: str = setting(DEV_CASE_ID_KEY, "Secret key of the case ids intake gives new cases (keyed BLAKE2b of "
                               "lender and loan id, remedy/kernel/ids.py), so that nobody without it can compute one. "
                               "A new key names the cases opened after it; existing cases keep their ids (docs/runbook.md). "
                               "Change in production.", dev_secret=True)
    party_keys: str = setting("", "The registry of the outside parties' public keys (JSON; docs/security.md): every worker "
                              "checks the signature of each record a lender, mediator, court, payment processor, bureau, "
                              "reviewer or department (or the gateway for them) writes. Empty = development keys, refused outside dev.",
                              dev_secret=True)
    signing_key: str = setting("", "The key file `remedy publish` and the simulator sign with (JSON: kind, id, "
                               "key_id, private_key; `remedy party-key`). Empty = the development key of "
                               "the party each record names, refused outside dev.")
    schemas_dir: str = setting(str(SCHEMAS_DIR), "Where the Avro schemas (all versions) live.")
    lang: str = setting("", "The `remedy` command's language: `zh` (Simplified Chinese) or `en` (English); `remedy --lang` "
                        "overrides it. Empty = the locale (`LC_ALL`/`LANG` starting with `en`: English), else Chinese. "
                        "`make run` speaks Chinese unless this says `en`.")
    log_level: str = setting("warning", "Worker log level.")
    log_format: str = setting("text", "`text` (one line a record, for a person) or `json` (one JSON object a line with the "
                              "service and the request id, for a log pipeline).")
    faust_patches: str = setting("all", "Remedy's changes to faust (remedy/runtime/patches): `all`, `none`, or a comma list of "
                                 "`fastpath` (speed), `highwater` (true end offsets: without it a table recovered on Tansu "
                                 "loses the rest of its changelog's last batch), `fromstart` (a partition no member has committed is "
                                 "read from its beginning after a rebalance, and a seek holds the flow: without it, records can be "
                                 "lost when an instance dies before its first commit, or skipped after a rebalance), `nomonitor` (speed) and "
                                 "`fetchwait` (`REMEDY_FETCH_MAX_WAIT_MS` in place of faust's 1.5 s: speed under a backlog). A worker refuses to "
                                 "start if the installed faust differs from what a chosen patch was checked against.")
    table_store: str = setting("rocksdb://", "Where a worker keeps its faust tables: `rocksdb://` (on disk under its data dir, "
                               "recovered from its changelogs after a crash or a lost directory; remedy/runtime/stores.py) "
                               "or `memory://` (rebuilt from the changelogs at every start, RSS grows with the tables: for "
                               "tests and benchmarks of something else, and small throwaway runs).")
    # mediation's terms that analytics reads too (its deadline-breach gauges and dashboard)
    mediation_tier_days: int = setting(30, "Days each mediation tier lasts before it fails on its own (extendable once by "
                                           "consent).")
    mediation_confirmation_days: int = setting(30, "Days after a settlement within which judicial confirmation is due.")

    @property
    def dev(self) -> bool:
        """Whether this is a development environment (``REMEDY_ENV=dev``, the default)."""
        return self.environment.strip().lower() == "dev"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        values = cls.read_env(env)
        if "broker_port" in values and "kafka_bootstrap" not in values:
            values["kafka_bootstrap"] = f"127.0.0.1:{values['broker_port']}"
        return cls(**values)


def development_defaults(*settings: EnvSettings) -> list[str]:
    """The variables of ``settings`` (any ``EnvSettings`` objects) still holding a development secret's default."""
    return [type(s).env_name(f) for s in settings for f in dataclasses.fields(s)
            if f.metadata.get("dev_secret") and getattr(s, f.name) == f.default]


def refuse_development_defaults(settings: Settings, *own: EnvSettings, problems: tuple[str, ...] = ()) -> None:
    """Outside dev mode (``REMEDY_ENV`` not ``dev``), raise one ``SettingsError`` naming every development
    default still in use in ``settings`` and ``own``, plus the caller's own ``problems`` (e.g. a dev keys file)."""
    if settings.dev:
        return
    found = [f"{name} holds its development default" for name in development_defaults(settings, *own)] + list(problems)
    if found:
        raise SettingsError(f"REMEDY_ENV={settings.environment}: refusing to start with development secrets: "
                            + "; ".join(found) + ". Set them (see docs/security.md), or REMEDY_ENV=dev on one machine.")
