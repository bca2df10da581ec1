"""Building CaseEvent envelopes: deterministic ids, causation, producer."""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.ids import event_id


def case_event(producer: str, type_: str, body: dict, *, case_id: str, lender_id: str,
               causation_id: str, now: datetime, discriminator: str = "") -> dict:
    return {"event_id": event_id(producer, case_id, type_, causation_id, discriminator), "case_id": case_id,
            "lender_id": lender_id, "occurred_at": now, "producer": producer, "causation_id": causation_id,
            "type": type_, "event": body}
