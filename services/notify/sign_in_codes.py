"""One-time portal sign-in codes by SMS (``portal.codes``, written by the gateway with the case id only): notify
holds the debtor's contact sealed in its ``cases`` table, opens it, and sends the code (``sms_code``: the gateway
computes the same to check it) to the phone on file. The text is the debtor's own request, not a collection
contact: it is not subject to quiet hours or the daily contact cap and is not a notice in ``notice.log``; the
channel dedupes by the request id. Each request is counted by what became of it
(``remedy_notify_sign_in_codes_total{status}``): SENT, FAILED, NO_CASE, NO_PHONE, EXPIRED (older than its code)."""
from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta

from prometheus_client import Counter

from remedy.contract.i18n import Messages
from remedy.kernel.pii import ContactSealer, PiiError
from remedy.kernel.portal import sms_code
from remedy.kernel.stage import Host, Input
from services.notify.channels import Outgoing
from services.notify.contact import phone

TOPIC = "portal.codes"
WORDS = Messages.load("sign_in_codes")
log = logging.getLogger(__name__)


def text(request: dict, code: str) -> str:
    return WORDS.text("sms", request["language"], code=code, minutes=request["valid_minutes"])


class SignInCodes:
    def __init__(self, host: Host, secret: str, cases, sms, sealer: ContactSealer):
        self.host, self.secret, self.cases, self.sms, self.sealer = host, secret, cases, sms, sealer
        self.counted = Counter("remedy_notify_sign_in_codes", "One-time portal sign-in codes asked for, by what became "
                               "of them", ["status"], registry=host.metrics.registry)

    async def on_request(self, msg: Input) -> None:
        _, request = self.host.codec.decode(msg.value, expect="SignInCodeRequest")
        status = await self.send(request)
        self.counted.labels(status).inc()
        if status != "SENT":
            log.warning("notify: sign-in code %s for case %s not sent: %s", request["request_id"], request["case_id"], status)

    async def send(self, request: dict) -> str:
        now = self.host.clock.now()
        if now > request["requested_at"] + timedelta(minutes=request["valid_minutes"]):
            return "EXPIRED"   # the gateway no longer accepts it: a text would only mislead
        memory = self.cases.get(request["case_id"])
        if not memory or not memory.get("sealed"):
            return "NO_CASE"
        try:
            to = phone(self.sealer.unseal(base64.b64decode(memory["sealed"])))
        except (PiiError, ValueError):
            to = None
        if to is None or self.sms is None:
            return "NO_PHONE"
        code = sms_code(self.secret, request["case_id"], request["request_id"])
        result = await self.sms.send(Outgoing(key=request["request_id"], to=to, subject="", text=text(request, code),
                                              meta=json.dumps({"sign_in_code": request["request_id"]}), sent_at=now))
        return "SENT" if result.status in ("SENT", "DELIVERED") else "FAILED"
