"""The read model's part of the audit trail (audit.py): the input records that caused a case's events and the
notices sent, per case (``a/<case_id>/<ref>``, ``nl/<case_id>/<at ms>/<notice_id>/<status>``)."""
from __future__ import annotations

import orjson

from services.gateway import model
from services.gateway.model import to_ms
from services.gateway.store import key



class AuditTrail:
    """Mixed into the Projection: uses its ``store``, ``_boundary`` and ``settled``."""

    def apply_input(self, topic: str, ref: str, record: dict) -> None:
        self._boundary()
        self.store.put(key("a", record["case_id"], ref), {"topic": topic, **model.as_json(dict(record))})

    def apply_notice(self, entry: dict) -> None:
        self._boundary()
        at = to_ms(entry["at"])
        self.store.put(key("nl", entry["case_id"], f"{at:015d}", entry["notice_id"], entry["status"]),
                       {**model.as_json(dict(entry)), "at": at})

    def audit_inputs(self, case_id: str) -> dict[str, dict]:
        return {k.rsplit(b"\x00", 1)[1].decode(): orjson.loads(v) for k, v in self.settled().scan(key("a", case_id) + b"\x00")}

    def audit_notices(self, case_id: str) -> list[dict]:
        return [orjson.loads(v) for _, v in self.settled().scan(key("nl", case_id) + b"\x00")]
