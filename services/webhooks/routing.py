"""Which parties a case event concerns. Pure: (the case's record, the event) -> parties.

A party is (kind, id), written ``KIND:ID`` as the key of its topics and tables. Every event concerns the
case's lender (the envelope's ``lender_id``). Some events teach who else takes part in the case
(``LEARNED``: CaseTriaged names the court and the mediation centre, LitigationFiled the court); the case's
record keeps them, and every later event of the case concerns them too. Some events name a party in their
own body (``NAMED``: a complaint's ``department_id``); those concern that party, that event only. No other
party ever receives the case's events. A new rule is one row in one of the two tables.
"""
from __future__ import annotations

from remedy.kernel.decision import Decision
from remedy.kernel.emit import Emit

INTENTS = "webhooks.intents"
LENDER, COURT, DEPARTMENT, MEDIATION_CENTRE = "LENDER", "COURT", "DEPARTMENT", "MEDIATION_CENTRE"
PARTY_KINDS = (LENDER, COURT, DEPARTMENT, MEDIATION_CENTRE)

# (event type, field of its body) -> the kind of party the case takes on from then on
LEARNED: dict[tuple[str, str], str] = {
    ("CaseTriaged", "court"): COURT,
    ("CaseTriaged", "mediation_centre"): MEDIATION_CENTRE,
    ("LitigationFiled", "court"): COURT,
}
TEACHING = frozenset(type_ for type_, _ in LEARNED)   # the event types a case's record may learn a party from
# field of any event's body -> the kind of party that event (only) concerns
NAMED: dict[str, str] = {
    "department_id": DEPARTMENT,
}


def party_key(kind: str, party_id: str) -> str:
    return f"{kind}:{party_id}"


def split_party(key: str) -> tuple[str, str]:
    kind, _, party_id = key.partition(":")
    return kind, party_id


def remember(case: dict | None, envelope: dict) -> dict | None:
    """The case's record after ``envelope``: {kind: party id} of the parties it has learned (None: none yet).
    Returns ``case`` itself when the event teaches nothing new."""
    body, kind = envelope.get("event") or {}, envelope["type"]
    learned = {party: body[field] for (type_, field), party in LEARNED.items()
               if type_ == kind and isinstance(body.get(field), str) and body[field]}
    if not learned or all((case or {}).get(k) == v for k, v in learned.items()):
        return case
    return {**(case or {}), **learned}


def parties(envelope: dict, case: dict | None) -> list[str]:
    """The keys of the parties ``envelope`` concerns, given the case's record after it (``remember``)."""
    found = [party_key(LENDER, envelope["lender_id"])]
    found += [party_key(kind, pid) for kind, pid in sorted((case or {}).items())]
    body = envelope.get("event") or {}
    found += [party_key(kind, body[field]) for field, kind in NAMED.items() if isinstance(body.get(field), str) and body[field]]
    return list(dict.fromkeys(found))


def decide(case: dict | None, envelope: dict, body: str) -> Decision[dict]:
    """A case event: the case's record after it (``state``, None when unchanged) and one ``event`` intent per
    party it concerns, keyed by the party, carrying the event's JSON ``body`` (``internal``)."""
    after = remember(case, envelope)
    meta = {name: envelope[name] for name in ("event_id", "type", "case_id")}
    intents = [Emit(INTENTS, key, "json", {"op": "event", "event": meta, "body": body}) for key in parties(envelope, after)]
    return Decision(None if after is case else after, internal=intents)
