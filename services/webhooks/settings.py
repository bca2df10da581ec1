"""webhooks' own settings (``REMEDY_WEBHOOKS_*``); the shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting
from services.webhooks.delivery import Policy


@dataclass(frozen=True)
class WebhooksSettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_WEBHOOKS_"
    port: int = setting(6109, "webhooks' HTTP port.")
    first_retry_seconds: float = setting(30.0, "webhooks: the wait after a delivery's first failed attempt; it doubles "
                                               "after each further one (jittered into its upper half)...")
    longest_retry_seconds: float = setting(3600.0, "webhooks: ... up to this wait between attempts.")
    give_up_hours: float = setting(24.0, "webhooks: a delivery still failing this long after it was recorded (or "
                                         "replayed) is FAILED; a party can replay it.")
    keep_days: float = setting(30.0, "webhooks: how long a settled delivery stays replayable before the service "
                                     "forgets its body (the gateway's delivery log keeps its entries).")
    timeout_seconds: float = setting(10.0, "webhooks: the longest one attempt waits for the receiver's answer.")
    concurrent_sends: int = setting(32, "webhooks: attempts in flight at once, across all receivers.")
    per_subscription: int = setting(4, "webhooks: attempts in flight at once to one subscription, so a slow or "
                                       "dead receiver holds at most this many of the slots.")
    sweep_seconds: float = setting(1.0, "webhooks: the longest the delivery waker sleeps between looks at the due "
                                        "index (attempts are timed to their due instant).")
    retick_seconds: float = setting(2.0, "webhooks: a due delivery that could not be attempted yet (slots full, or "
                                         "an attempt in flight) is looked at again after this many real seconds.")

    def policy(self) -> Policy:
        return Policy(first_retry_ms=int(self.first_retry_seconds * 1000),
                      longest_retry_ms=int(self.longest_retry_seconds * 1000),
                      give_up_ms=int(self.give_up_hours * 3_600_000), keep_ms=int(self.keep_days * 86_400_000))
