"""The notice catalogue: what is sent when (``notices.json``) and in which words (``templates.json``).

Pure data loading; no Kafka, no clock. Per-lender overrides replace a kind's template fields for
one language and may change the lender's default language.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHANNELS = ("EMAIL", "SMS", "LETTER")


@dataclass(frozen=True)
class Kind:
    name: str
    on: str
    occasion: str
    channels: tuple[str, ...]
    when: dict = field(default_factory=dict)
    legal: bool = False
    doc_prefix: str = ""
    on_hold: bool = False
    after_close: bool = False
    proof: bool = False   # a stage waits for proof of its delivery (proof.py)

    def matches(self, event_type: str, body: dict) -> bool:
        return event_type == self.on and all(str(body.get(k)) in allowed for k, allowed in self.when.items())


@dataclass(frozen=True)
class Catalogue:
    kinds: dict[str, Kind]
    templates: dict[str, dict[str, dict[str, str]]]
    labels: dict[str, dict[str, str]]
    lenders: dict[str, dict]

    @classmethod
    def load(cls, notices: Path = HERE / "notices.json", templates: Path = HERE / "templates.json") -> "Catalogue":
        table = json.loads(Path(notices).read_text(encoding="utf-8"))
        words = json.loads(Path(templates).read_text(encoding="utf-8"))
        kinds = {}
        for name, spec in table["kinds"].items():
            spec = dict(spec)
            spec["channels"] = tuple(spec["channels"])
            unknown = set(spec["channels"]) - set(CHANNELS)
            if unknown:
                raise ValueError(f"notice kind {name}: unknown channels {sorted(unknown)}")
            kinds[name] = Kind(name=name, **spec)
        missing = set(kinds) - set(words["kinds"])
        if missing:
            raise ValueError(f"no templates for notice kinds {sorted(missing)}")
        return cls(kinds, words["kinds"], words["labels"], table.get("lenders", {}))

    def triggered_by(self, event_type: str, body: dict) -> list[Kind]:
        return [k for k in self.kinds.values() if k.matches(event_type, body)]

    def language(self, lender_id: str) -> str:
        return self.lenders.get(lender_id, {}).get("language", "zh")

    def template(self, kind: str, language: str, lender_id: str) -> dict[str, str]:
        base = dict(self.templates[kind].get(language) or self.templates[kind]["zh"])
        override = self.lenders.get(lender_id, {}).get("templates", {}).get(kind, {}).get(language, {})
        return {**base, **override}
