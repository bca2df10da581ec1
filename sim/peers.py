"""``python -m sim.peers``: the debtors' side of the channels for a one-machine run — a real SMTP
server (with recipient-side Message-ID dedupe) on ``REMEDY_SMTP_PORT`` and the SMS provider double on
the port of ``REMEDY_SMS_URL``. Prints what it received when stopped."""
from __future__ import annotations

import signal
import threading
from urllib.parse import urlparse

from services.notify.settings import NotifySettings
from sim.mailserver import MailServer
from sim.sms_provider import SmsProvider


def main() -> None:
    notify = NotifySettings.from_env()  # the peers listen where notify sends
    mail = MailServer(port=notify.smtp_port).start()
    sms = SmsProvider().start(urlparse(notify.sms_url).port or 80)
    print(f"[peers] Worker ready: SMTP on 127.0.0.1:{mail.port}, SMS provider on {sms.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    print(f"[peers] emails stored {len(mail.handler.raw)}, duplicate Message-IDs refused {mail.handler.duplicates}, "
          f"bounced {len(mail.handler.bounced)}", flush=True)
    sms.stop()
    mail.stop()


if __name__ == "__main__":
    main()
