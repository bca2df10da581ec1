"""The triage rule file, read once at start-up: rules are data, and every decision names their version."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


class RulesError(ValueError):
    """The rule file is missing a field or holds a value of the wrong kind."""


@dataclass(frozen=True)
class Rules:
    version: str
    floor_cents: int
    court_mediation_threshold_cents: int
    limitation_years: int
    prior_failure_to_court: bool
    hardship_relief: dict[str, str]   # CaseFacts.hardship flag → hardship kind
    score_base: int
    score_weights: dict[str, int]
    score_caps: dict[str, int]

    @classmethod
    def from_dict(cls, data: dict) -> "Rules":
        try:
            card = data["scorecard"]
            rules = cls(str(data["version"]), int(data["floor_cents"]), int(data["court_mediation_threshold_cents"]),
                        int(data["limitation_years"]), bool(data["prior_failure_to_court"]),
                        {str(k): str(v) for k, v in data["hardship_relief"].items()}, int(card["base"]),
                        {str(k): int(v) for k, v in card["weights"].items()},
                        {str(k): int(v) for k, v in card.get("caps", {}).items()})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RulesError(f"triage rules: {type(exc).__name__}: {exc}") from exc
        if rules.floor_cents < 0 or rules.limitation_years <= 0:
            raise RulesError("triage rules: floor_cents must be >= 0 and limitation_years > 0")
        return rules


def load_rules(path: str | Path) -> Rules:
    try:
        return Rules.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"triage rules at {path}: {exc}") from exc
