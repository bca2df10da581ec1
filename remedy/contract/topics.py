"""The topic registry (``schemas/topics.json``), read by provisioning, docs and tests.

Each topic names its ``kind`` (``log``, ``dead-letter``, ``work``, ``changelog``); the registry's
``kinds`` give each kind's production settings (retention, cleanup policy, compression, …) and a
topic's own ``config`` overrides them; ``replication`` gives the production replication factor and
``min.insync.replicas``. ``Topic.kafka_configs`` is what provisioning hands the broker. ``personal_data``
marks the inputs outsiders write whose values may hold a debtor's data in the clear: nothing echoes them.
``signed_by`` names the outside parties whose signature a topic's records need (``Topic.policy``; docs/security.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from remedy.contract.partykeys import Policy
from remedy.contract.paths import SCHEMAS_DIR

DAY_MS = 86_400_000
KINDS = ("log", "dead-letter", "work", "changelog")


class RegistryError(ValueError):
    """``schemas/topics.json`` is not what this module expects."""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    schema: str | None
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    internal: bool = False
    kind: str = "log"
    config: tuple[tuple[str, str], ...] = ()  # Kafka topic configs, min.insync.replicas included, sorted by name
    replication_factor: int = 1  # the production replication factor
    personal_data: bool = False  # values may hold a debtor's data in the clear (only outsiders' inputs do)
    signed_by: tuple[tuple[str, str | None], ...] | None = None  # (party kind, field its id must match); None: unsigned

    @property
    def policy(self) -> Policy | None:
        """Who may sign this topic's records (``remedy.contract.partykeys``), or None when nobody needs to."""
        if self.signed_by is None:
            return None
        return Policy(self.name, dict(self.signed_by), "gateway" in self.producers)

    @property
    def configs(self) -> dict[str, str]:
        return dict(self.config)

    @property
    def retention_ms(self) -> int:
        return int(self.configs["retention.ms"])

    @property
    def cleanup_policy(self) -> str:
        return self.configs["cleanup.policy"]

    def kafka_configs(self, replication: int) -> dict[str, str]:
        """The configs to create this topic with at ``replication``: all of them, but ``min.insync.replicas``
        only where it does not exceed the replication (with replication 1, as on Tansu, it is left out)."""
        configs = self.configs
        if int(configs.get("min.insync.replicas", "1")) > replication:
            del configs["min.insync.replicas"]
        return configs


def kind_configs(kind: dict) -> dict[str, str]:
    """A kind's (or a topic's override) settings as Kafka configs: ``retention_days`` becomes ``retention.ms``."""
    out = {}
    for name, value in kind.items():
        if name.startswith("_"):
            continue
        if name == "retention_days":
            out["retention.ms"] = "-1" if value is None else str(int(value * DAY_MS))
        else:
            out[name] = str(value)
    return out


def load_registry(path: str | Path = SCHEMAS_DIR / "topics.json") -> dict[str, Topic]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    kinds = {name: kind_configs(k) for name, k in data.get("kinds", {}).items() if not name.startswith("_")}
    replication = data.get("replication", {})
    registry = {}
    for t in data["topics"]:
        kind = t.get("kind", "log")
        if kinds and kind not in kinds:
            raise RegistryError(f"topic {t['name']}: kind {kind!r} is not one of {', '.join(kinds)}")
        configs = {**kinds.get(kind, {}), **kind_configs(t.get("config", {}))}
        if "min.insync.replicas" in replication:
            configs.setdefault("min.insync.replicas", str(replication["min.insync.replicas"]))
        registry[t["name"]] = Topic(t["name"], t["partitions"], t["key"], t.get("schema"), tuple(t["producers"]),
                                    tuple(t["consumers"]), t.get("internal", False), kind, tuple(sorted(configs.items())),
                                    int(replication.get("factor", 1)), bool(t.get("personal_data", False)),
                                    signed_by(t))
    return registry


def signed_by(topic: dict) -> tuple[tuple[str, str | None], ...] | None:
    signers = topic.get("signed_by")
    return None if signers is None else tuple(sorted(signers.items()))


def parties(path: str | Path = SCHEMAS_DIR / "topics.json") -> dict[str, str]:
    """The outside parties that sign what they write: {party kind: its name in the producers lists}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {k: v for k, v in data.get("parties", {}).items() if not k.startswith("_")}
