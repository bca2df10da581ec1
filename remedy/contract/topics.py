"""The topic registry (``schemas/topics.json``), read by provisioning, docs and tests."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from remedy.contract.paths import REPO_ROOT


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    schema: str | None
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    internal: bool = False


def load_registry(path: str | Path = REPO_ROOT / "schemas" / "topics.json") -> dict[str, Topic]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {t["name"]: Topic(t["name"], t["partitions"], t["key"], t.get("schema"), tuple(t["producers"]),
                             tuple(t["consumers"]), t.get("internal", False)) for t in data["topics"]}
