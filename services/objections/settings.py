"""objections' own settings (``REMEDY_OBJECTIONS_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class ObjectionsSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_OBJECTIONS_"
    port: int = setting(6107, "objections' HTTP port.")
    sweep_seconds: float = setting(1.0, "Real seconds between objections' sweeps for unanswered objections.")
    answer_days: int = setting(20, "Days within which an objection must be answered before `ObjectionOverdue`.")
    escalate_days: int = setting(10, "Days after an objection's answer date after which, still unanswered, it goes to the "
                                         "case's mediation centre or the operator (`ObjectionEscalated`).")
    close_days: int = setting(40, "Days after an objection's answer date after which, still unanswered, the case closes "
                                  "(`CaseClosed` OBJECTION_UNANSWERED); 0: never.")
    complaint_department: str = setting("PBOC Financial Consumer Rights Protection Bureau",
                                        "The consumer-protection department complaints are forwarded to.")
