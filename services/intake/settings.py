"""intake's own settings (``REMEDY_INTAKE_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class IntakeSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_INTAKE_"
    port: int = setting(6101, "intake's HTTP port (/metrics, faust web).")
