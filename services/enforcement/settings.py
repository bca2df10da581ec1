"""enforcement's own settings (``REMEDY_ENFORCEMENT_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class EnforcementSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_ENFORCEMENT_"
    port: int = setting(6104, "enforcement's HTTP port.")
    sweep_seconds: float = setting(1.0, "Real seconds between enforcement's deadline sweeps (performance periods).")
