"""triage's own settings (``REMEDY_TRIAGE_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.contract.paths import REPO_ROOT
from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class TriageSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_TRIAGE_"
    port: int = setting(6102, "triage's HTTP port.")
    rules_path: str = setting(str(REPO_ROOT / "services" / "triage" / "rules" / "v1.json"),
                              "The versioned triage rule file (floor, thresholds, limitation, hardship, scorecard).")
