"""Signed records: who wrote an outside party's record, proven by the record itself (docs/security.md).

The broker cannot tell clients apart, so every record an outside party writes (a lender, a mediator, a
court, a payment processor, the judicial bureau keeping the roster, a reviewer, a department answering
complaints, or the gateway on their behalf) carries an Ed25519 signature in its ``remedy-sig`` header::

    remedy-sig: <party kind>:<party id>:<key id>:<base64 signature>

The signature covers ``signed_bytes``: the signer, the topic, the key and the value, each length-prefixed,
so a record cannot be replayed onto another topic or another case, nor claimed by another party.
Keys: ``remedy.contract.partykeys``; which topic needs which signer: ``schemas/topics.json`` ``signed_by``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HEADER = "remedy-sig"
DOMAIN = b"remedy-sig/1\n"
DEV_KEY_ID = "dev"
KINDS = ("lender", "mediator", "court", "payer", "bureau", "reviewer", "department", "gateway")
Headers = list[tuple[str, bytes]]


def _part(data: bytes | None) -> bytes:
    return struct.pack(">i", -1) if data is None else struct.pack(">i", len(data)) + data


def signed_bytes(kind: str, party: str, key_id: str, topic: str, key: bytes | None, value: bytes | None) -> bytes:
    """What a signature covers: unambiguous (every part length-prefixed, None distinct from empty)."""
    return DOMAIN + b"".join(_part(p) for p in (f"{kind}:{party}:{key_id}".encode(), topic.encode(), key, value))


@dataclass(frozen=True, slots=True)
class Signature:
    """A parsed ``remedy-sig`` header."""
    kind: str
    party: str
    key_id: str
    signature: bytes

    @property
    def signer(self) -> str:
        return f"{self.kind}:{self.party}"


def parse_header(raw: bytes) -> Signature | None:
    """The header's parts, or None when it is not ``kind:id:key_id:base64`` (ids may hold ``:``, key ids not)."""
    try:
        kind, rest = raw.decode("ascii").split(":", 1)
        party, key_id, sig = rest.rsplit(":", 2)
        signature = base64.b64decode(sig, validate=True)
    except (UnicodeDecodeError, ValueError):
        return None
    if not (kind and party and key_id) or len(signature) != 64:
        return None
    return Signature(kind, party, key_id, signature)


def header_of(headers) -> bytes | None:
    """The first ``remedy-sig`` header's value among a record's headers (pairs, as Kafka clients give them)."""
    for name, value in headers or ():
        if name == HEADER:
            return bytes(value) if value is not None else b""
    return None


@dataclass(frozen=True)
class PartyKey:
    """One party's private key: what a producer signs with."""
    kind: str
    party: str
    key_id: str
    private: Ed25519PrivateKey

    def sign(self, topic: str, key: bytes | None, value: bytes | None, record: dict | None = None) -> Headers:
        sig = self.private.sign(signed_bytes(self.kind, self.party, self.key_id, topic, key, value))
        text = f"{self.kind}:{self.party}:{self.key_id}:{base64.b64encode(sig).decode()}"
        return [(HEADER, text.encode())]

    def public_b64(self) -> str:
        return base64.b64encode(self.private.public_key().public_bytes_raw()).decode()


class Signer(Protocol):
    def sign(self, topic: str, key: bytes | None, value: bytes | None, record: dict | None = None) -> Headers: ...


def read_key_file(path: str | Path) -> PartyKey:
    """A signing key file: ``{"kind", "id", "key_id", "private_key": <base64 of the raw 32 bytes>}`` (mode 0600)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("kind") not in KINDS:
        raise ValueError(f"{path}: kind must be one of {', '.join(KINDS)}")
    raw = base64.b64decode(data["private_key"], validate=True)
    return PartyKey(data["kind"], data["id"], data["key_id"], Ed25519PrivateKey.from_private_bytes(raw))


def new_key_file(kind: str, party: str, key_id: str) -> tuple[dict, dict]:
    """(the signing key file's content, the registry entry for its public key): a new key pair."""
    private = Ed25519PrivateKey.generate()
    key = PartyKey(kind, party, key_id, private)
    raw = private.private_bytes_raw()
    return ({"kind": kind, "id": party, "key_id": key_id, "private_key": base64.b64encode(raw).decode()},
            {"kind": kind, "id": party, "key_id": key_id, "public_key": key.public_b64()})


@lru_cache(maxsize=4096)
def dev_key(kind: str, party: str) -> PartyKey:
    """A development key, the same on every machine (derived from the party's name): for ``REMEDY_ENV=dev`` only,
    where anyone can sign as anyone. Outside dev the registry (``REMEDY_PARTY_KEYS``) is required."""
    seed = hashlib.sha256(b"remedy-dev-party-key\x00" + kind.encode() + b"\x00" + party.encode()).digest()
    return PartyKey(kind, party, DEV_KEY_ID, Ed25519PrivateKey.from_private_bytes(seed))
