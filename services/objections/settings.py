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
    complaint_regulator_working_days: int = setting(15, "Working days the financial regulator's local office "
                                                        "(国家金融监督管理总局派出机构) has to answer a complaint routed to it "
                                                        "(docs/rules.md C2).")
    complaint_association_working_days: int = setting(10, "Working days the consumer association (消费者协会) has to "
                                                          "answer a complaint routed to it (docs/rules.md C2).")
    complaint_lender_days: int = setting(15, "Days the lender's complaint desk has to answer a complaint routed to it "
                                             "(docs/rules.md C2).")
    complaint_centre_days: int = setting(15, "Days the mediation centre has to answer a complaint routed to it "
                                             "(docs/rules.md C2).")
