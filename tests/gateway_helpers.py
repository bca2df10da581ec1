"""Shared by the gateway's tests: a keys file with known keys, signing, HTTP with the stdlib-free `requests`."""
from __future__ import annotations

import json
import time
from datetime import datetime

from remedy.kernel.events import case_event
from services.gateway.guards import sign
from services.gateway.keys import key_hash

LENDER_KEYS = {"LENDER-A": "key-lender-a-0123456789", "LENDER-B": "key-lender-b-0123456789"}
MEDIATOR_KEYS = {"PM-3505-01": "key-mediator-1-0123456789", "PM-3505-02": "key-mediator-2-0123456789"}
PAYER_KEY = "key-payer-0123456789"
BUREAU_KEYS = {"JB-3505": "key-bureau-3505-0123456789", "JB-1101": "key-bureau-1101-0123456789"}
DEPARTMENT_KEYS = {"DEPT-CBIRC-350500": "key-dept-cbirc-0123456789", "DEPT-CA-350500": "key-dept-ca-0123456789"}
COURT_SECRETS = {"CT-350502": "court-secret-350502", "CT-110105": "court-secret-110105"}
PORTAL_SECRET = "test-portal-secret"


def keys_text() -> str:
    entries = [{"kind": "lender", "id": k, "key_sha256": key_hash(v)} for k, v in LENDER_KEYS.items()]
    entries += [{"kind": "mediator", "id": k, "key_sha256": key_hash(v)} for k, v in MEDIATOR_KEYS.items()]
    entries += [{"kind": "payer", "id": "PSP-1", "key_sha256": key_hash(PAYER_KEY)}]
    entries += [{"kind": "bureau", "id": k, "key_sha256": key_hash(v)} for k, v in BUREAU_KEYS.items()]
    entries += [{"kind": "department", "id": k, "key_sha256": key_hash(v)} for k, v in DEPARTMENT_KEYS.items()]
    entries += [{"kind": "court", "id": k, "hmac_secret": v} for k, v in COURT_SECRETS.items()]
    return json.dumps({"principals": entries})


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def court_headers(court: str, body: bytes, at: datetime, secret: str | None = None) -> dict:
    ts = str(int(at.timestamp()))
    return {"X-Remedy-Court": court, "X-Remedy-Timestamp": ts, "Content-Type": "application/json",
            "X-Remedy-Signature": sign((secret or COURT_SECRETS[court]).encode(), ts, body)}


def event(type_: str, body: dict, case_id: str, lender: str, now: datetime, producer: str = "test", cause: str = "t") -> dict:
    return case_event(producer, type_, body, case_id=case_id, lender_id=lender, causation_id=cause, now=now)


def wait_until(check, timeout: float = 60.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout:.0f}s (last: {last!r})")


def notice_sent(case_id: str, lender: str, notice_id: str, at: datetime, channel: str = "EMAIL") -> dict:
    """A notice.log entry: notice ``notice_id`` of the case sent by ``channel`` at ``at`` (its code signs the debtor in)."""
    return {"notice_id": notice_id, "case_id": case_id, "lender_id": lender, "debtor_ref": "D-x", "kind": "mediation_invitation",
            "occasion": "PEOPLES", "channel": channel, "status": "SENT", "rule": None, "language": "zh", "document_no": None,
            "content_hash": None, "deferred_until": None, "detail": "", "at": at}
