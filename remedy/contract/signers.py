"""Who signs what a producer writes (``remedy.contract.signing``): one party's key, or in development every
party's (``DevParties``: the simulator and the tests play all the outside parties)."""
from __future__ import annotations

from functools import lru_cache

from remedy.contract.codec import Codec, CodecError
from remedy.contract.signing import Headers, PartyKey, dev_key
from remedy.contract.topics import load_registry

DEV_IDS = {"payer": "PSP-DEV", "bureau": "BUREAU-DEV", "reviewer": "REVIEWER-DEV"}  # kinds no record field names
GATEWAY = "gateway"
DEBTOR_REQUESTS = "debtor.requests"  # debtors write only through the gateway; reviewers and departments sign their own
BY_REQUEST_KIND = {"OBJECTION_DECISION": ("reviewer", None), "COMPLAINT_ANSWER": ("department", "department_id")}


@lru_cache(maxsize=1)
def signed_topics() -> dict[str, tuple[tuple[str, str | None], str | None]]:
    """{signed topic: ((the party kind that signs it, its field), value schema)} (``debtor.requests``: see
    ``BY_REQUEST_KIND``)."""
    return {name: (t.signed_by[0], t.schema) for name, t in load_registry().items() if t.signed_by}


class Unsigned:
    """Signs nothing: what an attacker, or a client that predates signing, writes."""

    def sign(self, topic: str, key: bytes | None, value: bytes | None, record: dict | None = None) -> Headers:
        return []


class DevParties:
    """Signs each record on a signed topic as the party it names (its ``lender_id``, ``mediator_id``,
    ``court``, ``department_id``; a fixed development id for the kinds no field names), with that party's
    development key. A debtor's request is signed by the gateway, through which debtors write. Development only."""

    def __init__(self, codec: Codec):
        self.codec = codec

    def party(self, topic: str, value: bytes | None, record: dict | None) -> PartyKey | None:
        signed = signed_topics().get(topic)
        if signed is None:
            return None
        (kind, field), schema = signed
        if record is None and schema is not None:
            try:
                record = self.codec.decode(value, expect=schema)[1]
            except CodecError:
                record = {}
        record = record or {}
        if topic == DEBTOR_REQUESTS:
            if record.get("kind") not in BY_REQUEST_KIND:
                return dev_key(GATEWAY, GATEWAY)
            kind, field = BY_REQUEST_KIND[record["kind"]]
        party = DEV_IDS.get(kind, "DEV") if field is None else str(record.get(field) or "?")
        return dev_key(kind, party)

    def sign(self, topic: str, key: bytes | None, value: bytes | None, record: dict | None = None) -> Headers:
        party = self.party(topic, value, record)
        return [] if party is None else party.sign(topic, key, value)
