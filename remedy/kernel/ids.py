"""Deterministic identifiers: redelivery and re-publication always yield the same ids.

A case id is keyed (``REMEDY_CASE_ID_KEY``): whoever knows a lender's and a loan's ids cannot compute the case's
id without the key, so a case id on its own is not a handle an outsider can forge (docs/security.md).
"""
from __future__ import annotations

import functools
import hashlib

DEV_CASE_ID_KEY = "dev-only-case-id-key-change-me"   # the development default, refused outside dev mode


def _digest(*parts: str, size: int = 16) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=size).hexdigest()


@functools.lru_cache(maxsize=8)
def _case_key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), digest_size=32, person=b"remedy.case-id").digest()


def case_id(lender_id: str, loan_id: str, *, key: str) -> str:
    """One case per (lender, loan) under one key, forever: ``C`` and 24 hex digits of keyed BLAKE2b. Intake names
    each new case with it; anyone else who needs it (the simulator, tests) passes the same key."""
    data = "\x1f".join(("case", lender_id, loan_id)).encode()
    return "C" + hashlib.blake2b(data, digest_size=12, key=_case_key(key)).hexdigest()


def legacy_case_id(lender_id: str, loan_id: str) -> str:
    """The unkeyed id intake gave the cases it opened before case ids were keyed: only to find those cases again
    (intake's memory of them names no id), never for a new one."""
    return "C" + _digest("case", lender_id, loan_id, size=12)


def event_id(producer: str, case_id_: str, event_type: str, causation_id: str, discriminator: str = "") -> str:
    """The same decision on the same input always yields the same event id."""
    return "E" + _digest(producer, case_id_, event_type, causation_id, discriminator)


def message_id(topic: str, partition: int, offset: int) -> str:
    """The causation id of an input record."""
    return f"{topic}/{partition}/{offset}"
