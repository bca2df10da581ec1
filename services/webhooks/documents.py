"""Court documents (``court.documents``) as deliveries. Pure.

A ``CourtDocument`` concerns one party: the court it is addressed to (``COURT:<court>``). It becomes an
``event`` intent like a case event's, with ``event_id`` = the document id and type ``CourtDocument``, so it
is recorded, signed, retried, logged and replayable as any delivery is. The PDF names the debtor, so the
intent and the stored delivery keep it sealed (``content_sealed``, as it came); it is opened only at the
attempt (``opened``), where the body POSTed gets the document's metadata and ``content_base64``.
"""
from __future__ import annotations

import base64
import json
from typing import Callable

from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit
from services.webhooks.delivery import _plain
from services.webhooks.routing import COURT, INTENTS, party_key

TYPE = "CourtDocument"
SEALED, CONTENT = "content_sealed", "content_base64"


def decide(record: dict) -> Decision[None]:
    """One CourtDocument → one ``event`` intent for its court (``internal``)."""
    meta = {"event_id": record["document_id"], "type": TYPE, "case_id": record["case_id"]}
    fields = {k: v for k, v in record.items() if k != "sealed_content"}
    stored = json.dumps({**_plain(fields), "type": TYPE, SEALED: base64.b64encode(record["sealed_content"]).decode()},
                        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    intent = {"op": "event", "event": meta, "body": stored}
    return Decision(None, internal=[Emit(INTENTS, party_key(COURT, record["court"]), "json", intent)])


def opened(d: dict, unseal: Callable[[bytes], bytes]) -> dict:
    """The delivery as it is POSTed: a document's sealed content opened into ``content_base64`` (the same
    bytes on every attempt and replay); any other delivery as it is."""
    if d["event_type"] != TYPE:
        return d
    body = json.loads(d["body"])
    pdf = unseal(base64.b64decode(body.pop(SEALED)))
    body[CONTENT] = base64.b64encode(pdf).decode()
    return {**d, "body": json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))}
