"""mediation's own settings (``REMEDY_MEDIATION_*``); the shared ones are ``remedy.kernel.settings.Settings``
(which holds the tier and confirmation days: analytics reads them too)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.contract.paths import REPO_ROOT
from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class MediationSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_MEDIATION_"
    port: int = setting(6103, "mediation's HTTP port.")
    roster_path: str = setting(str(REPO_ROOT / "services" / "mediation" / "roster.json"),
                               "The mediator roster loaded at start (changed at run time on `mediation.roster`).")
    reminder_days: int = setting(3, "Days before an instalment's due date that `InstalmentDue` is sent.")
    grace_days: int = setting(5, "Days after an instalment's due date before it counts as missed.")
    confirmation_chase_days: int = setting(15, "Days after a confirmation request that the court, if it has not answered, "
                                               "is chased (`ConfirmationChased`; docs/rules.md M14).")
    sweep_seconds: float = setting(1.0, "Real seconds between mediation's deadline sweeps and queue drains.")
