"""Deterministic identifiers: redelivery and re-publication always yield the same ids."""
from __future__ import annotations

import hashlib


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size).hexdigest()


def case_id(lender_id: str, loan_id: str) -> str:
    """One case per (lender, loan), forever."""
    return "C" + _digest("case", lender_id, loan_id, size=12)


def event_id(producer: str, case_id_: str, event_type: str, causation_id: str, discriminator: str = "") -> str:
    """The same decision on the same input always yields the same event id."""
    return "E" + _digest(producer, case_id_, event_type, causation_id, discriminator)


def message_id(topic: str, partition: int, offset: int) -> str:
    """The causation id of an input record."""
    return f"{topic}/{partition}/{offset}"
