"""The simulator's settings (``REMEDY_SIM_*``); the shared ones are ``remedy.kernel.settings.Settings``, the
simulated world's rates and delays ``sim.world.WorldConfig`` (also ``REMEDY_SIM_<FIELD>``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class SimSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_SIM_"
    seed: int = setting(2026, "Simulator: seed of every draw (batch, mediators, courts, debtors, baseline); same seed, "
                              "same run.")
    cases: int = setting(8539, "Simulator: valid defaults in the batch the simulated lenders publish (the source "
                               "document's 8,539).")
    lenders: int = setting(12, "Simulator: how many lenders share the batch (one batch each, in several regions; at most 14).")
    malformed: int = setting(-1, "Simulator: malformed rows added to the batch (-1 = 0.5% of sim_cases). Every rate and "
                                 "delay of the simulated world is `REMEDY_SIM_<FIELD>` of `sim.world.WorldConfig`.")
    group: str = setting("remedy-sim", "Simulator: its consumer group on case.events.")
    lag_file: str = setting("", "Simulator: a file it keeps its own lag in (records on case.events not yet read), for "
                                "`remedy run`'s pacer.")

    @property
    def malformed_rows(self) -> int | None:
        """How many malformed rows to add, or None for the default share."""
        return None if self.malformed < 0 else self.malformed
