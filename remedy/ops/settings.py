"""The platform's settings as ops sees them: the shared ones, each service's and the simulator's, read
from the environment together (``remedy`` starts them all, checks their ports and prints their table)."""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Mapping

from remedy.kernel.settings import EnvSettings, Settings
from services.analytics.settings import AnalyticsSettings
from services.enforcement.settings import EnforcementSettings
from services.gateway.settings import GatewaySettings
from services.intake.settings import IntakeSettings
from services.mediation.settings import MediationSettings
from services.notify.settings import NotifySettings
from services.objections.settings import ObjectionsSettings
from services.repair.settings import RepairSettings
from services.triage.settings import TriageSettings
from services.webhooks.settings import WebhooksSettings
from sim.settings import SimSettings


@dataclass(frozen=True)
class PlatformSettings:
    """One field per settings class, named after its owner: ``shared``, then the services, then ``sim``."""
    shared: Settings
    intake: IntakeSettings
    triage: TriageSettings
    mediation: MediationSettings
    enforcement: EnforcementSettings
    notify: NotifySettings
    repair: RepairSettings
    objections: ObjectionsSettings
    webhooks: WebhooksSettings
    analytics: AnalyticsSettings
    gateway: GatewaySettings
    sim: SimSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "PlatformSettings":
        return cls(**{owner: kind.from_env(env) for owner, kind in parts()})

    def port_for(self, service: str) -> int:
        return getattr(self, service).port


def parts() -> list[tuple[str, type[EnvSettings]]]:
    """(owner, settings class) in ``PlatformSettings``' order."""
    kinds = typing.get_type_hints(PlatformSettings)
    return [(f.name, kinds[f.name]) for f in dataclasses.fields(PlatformSettings)]
