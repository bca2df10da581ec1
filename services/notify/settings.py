"""notify's own settings (``REMEDY_NOTIFY_*``, and its channels' ``REMEDY_SMTP_*`` and ``REMEDY_SMS_*``); the
shared ones are ``remedy.kernel.settings.Settings``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings, setting


@dataclass(frozen=True)
class NotifySettings(EnvSettings):
    ENV_PREFIX: ClassVar[str] = "REMEDY_NOTIFY_"
    port: int = setting(6105, "notify's HTTP port.")
    smtp_host: str = setting("127.0.0.1", "notify: SMTP server for email notices.", env="REMEDY_SMTP_HOST")
    smtp_port: int = setting(2525, "notify: SMTP server port.", env="REMEDY_SMTP_PORT")
    smtp_sender: str = setting("notices@remedy.example", "notify: From address of email notices.", env="REMEDY_SMTP_SENDER")
    sms_url: str = setting("http://127.0.0.1:8025", "notify: base URL of the SMS provider's HTTP API (POST /v1/messages).",
                           env="REMEDY_SMS_URL")
    sms_callback_url: str = setting("", "notify: where the SMS provider posts delivery receipts (empty = notify's own "
                                        "/sms/receipts).", env="REMEDY_SMS_CALLBACK_URL")
    quiet_start_hour: int = setting(22, "notify: no contact from this hour, debtor local time (UTC+8).")
    quiet_end_hour: int = setting(8, "notify: ... until this hour; deferred notices go out then.")
    quiet_holidays: bool = setting(True, "notify: no contact on China's public holidays (法定节假日); deferred to 08:00 "
                                         "of the first day that is not one.")
    daily_contacts: int = setting(3, "notify: at most this many contacts per debtor per local day, across all lenders.")
    sweep_seconds: float = setting(1.0, "notify: the longest the waker sleeps, and how often it checks whether every "
                                        "debtor's due wake-up must be re-read (after recovery or a rebalance, and every "
                                        "30 s); wake-ups themselves are timed to the due instant.")
    concurrent_sends: int = setting(16, "notify: notices being sent at once (each waits on its channel's round trips; "
                                        "the debtor's state is still changed by one agent only).")
    record_gather_ms: int = setting(100, "notify: the results of sends that finish within this long of the last write "
                                         "of results are written together (their notice.log entries, then their "
                                         "settle intents): at most one write of each a partition per interval "
                                         "under load, instead of one per notice (services/notify/recorder.py).")
    letters_dir: str = setting("", "notify: where letters are left for print and post, one PDF per notice id (empty = "
                                   "<REMEDY_DATA_DIR>/letters). Every instance of notify uses the same one, so a "
                                   "letter sent again by another instance is still one letter.")
    portal_url: str = setting("http://127.0.0.1:8080/portal", "notify: the debtor portal's address, printed on every "
                                                               "document and in its QR code (with the case reference "
                                                               "only; the verification code is printed, never encoded).")
    directory: str = setting("", "notify: the directory of courts and mediation centres documents name (JSON; empty = "
                                 "the shipped remedy/contract/directory.json).")
    font_path: str = setting("", "notify: the TrueType CJK font documents embed (empty = fonts-wqy-microhei's "
                                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc).")

    @property
    def printer(self) -> tuple[str, str, str]:
        """What notify's printer is built from (``Printer.from_settings``'s arguments, ``Printer.settings``)."""
        return self.directory, self.font_path, self.portal_url
