"""Checking a signed record (``remedy.contract.signing``): the parties' public keys and each topic's signers.

The registry of public keys (``REMEDY_PARTY_KEYS``, JSON)::

    {"parties": [
      {"kind": "lender", "id": "LENDER-A", "key_id": "2026-12", "public_key": "<base64 raw 32 bytes>",
       "not_after": "2027-06-30T00:00:00+08:00"}
    ]}

A party may have several keys (rotation): a record names the key it was signed with. ``not_after``
(optional) ends a key: a record read after that instant and signed with it is refused. ``DevKeyRing``
knows every party's development key (``REMEDY_ENV=dev`` only). ``check`` returns the signer or raises
``Refused`` with one of ``REASONS``.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field as dataclass_field
from datetime import datetime
from pathlib import Path
from typing import Callable, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from remedy.contract.signing import DEV_KEY_ID, KINDS, Signature, dev_key, header_of, parse_header, signed_bytes

REASONS = ("UNSIGNED", "BAD_SIGNATURE", "UNKNOWN_KEY", "KEY_EXPIRED", "SIGNER_MISMATCH")
UNREADABLE = object()  # what ``field_of`` returns for bytes that are no record: the stage answers those as it does any


class Refused(ValueError):
    """A record on a signed topic whose signature does not prove it came from a party allowed to write it."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class RegistryFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A party's Ed25519 key. ``verify``, run on every signed record a worker reads, uses libsodium (PyNaCl): about
    half the time of OpenSSL's through ``cryptography`` (bench/bench_signatures.py; figures in docs/security.md)."""
    key: Ed25519PublicKey
    not_after: datetime | None = None
    raw: bytes = dataclass_field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "raw", self.key.public_bytes_raw())

    def verify(self, signature: bytes, message: bytes) -> None:
        """Nothing when ``signature`` is this key's over ``message``; else ``InvalidSignature``."""
        if len(signature) != 64:
            raise InvalidSignature()
        try:
            crypto_sign_open(signature + message, self.raw)
        except BadSignatureError:
            raise InvalidSignature() from None


class KeyRing(Protocol):
    def get(self, kind: str, party: str, key_id: str) -> PublicKey | None: ...


class FileKeyRing:
    """The registry file's keys, parsed once into key objects (verifying does no parsing)."""

    def __init__(self, keys: dict[tuple[str, str, str], PublicKey]):
        self.keys = keys

    @classmethod
    def parse(cls, text: str) -> "FileKeyRing":
        try:
            entries = json.loads(text)["parties"]
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryFileError(f"party keys: expected {{\"parties\": [...]}}: {exc}") from exc
        keys = {}
        for n, e in enumerate(entries):
            try:
                if e["kind"] not in KINDS or not e["id"] or not e["key_id"] or ":" in e["key_id"]:
                    raise ValueError(f"kind must be one of {', '.join(KINDS)}, id and key_id (no ':') non-empty")
                key = Ed25519PublicKey.from_public_bytes(base64.b64decode(e["public_key"], validate=True))
                until = datetime.fromisoformat(e["not_after"]) if e.get("not_after") else None
                if until is not None and until.tzinfo is None:
                    raise ValueError("not_after needs a UTC offset")
            except (KeyError, TypeError, ValueError) as exc:
                raise RegistryFileError(f"party keys: parties[{n}]: {exc}") from exc
            keys[(e["kind"], e["id"], e["key_id"])] = PublicKey(key, until)
        return cls(keys)

    @classmethod
    def read(cls, path: str | Path) -> "FileKeyRing":
        return cls.parse(Path(path).read_text(encoding="utf-8"))

    def get(self, kind: str, party: str, key_id: str) -> PublicKey | None:
        return self.keys.get((kind, party, key_id))


class DevKeyRing:
    """Every party's development key (``signing.dev_key``), made on first use and kept."""

    def __init__(self):
        self.keys: dict[tuple[str, str], PublicKey] = {}

    def get(self, kind: str, party: str, key_id: str) -> PublicKey | None:
        if key_id != DEV_KEY_ID or kind not in KINDS:
            return None
        found = self.keys.get((kind, party))
        if found is None:
            if len(self.keys) > 100_000:
                self.keys.clear()
            found = self.keys[(kind, party)] = PublicKey(dev_key(kind, party).private.public_key())
        return found


@dataclass(frozen=True)
class Policy:
    """Who may write a topic: ``signers`` maps a party kind to the record field its id must equal (None: any
    party of that kind); ``gateway``: the gateway's own key is accepted for any party (it authenticates them)."""
    topic: str
    signers: dict[str, str | None]
    gateway: bool


def check(policy: Policy, keys: KeyRing, key: bytes | None, value: bytes | None, headers,
          field_of: Callable[[str], object], now: datetime) -> Signature:
    """The record's verified signature, or ``Refused``. ``field_of(name)`` reads the decoded record's field
    (asked only after the signature holds; ``UNREADABLE`` for a properly signed value that does not decode, left
    to the stage's own answer to such bytes). Error texts name parties and fields, never a record's values."""
    raw = header_of(headers)
    if raw is None:
        raise Refused("UNSIGNED", f"no remedy-sig header on {policy.topic}")
    sig = parse_header(raw)
    if sig is None:
        raise Refused("BAD_SIGNATURE", "remedy-sig is not kind:id:key_id:base64-signature")
    if sig.kind not in policy.signers and not (sig.kind == "gateway" and policy.gateway):
        raise Refused("SIGNER_MISMATCH", f"a {sig.kind} may not write {policy.topic}")
    public = keys.get(sig.kind, sig.party, sig.key_id)
    if public is None:
        raise Refused("UNKNOWN_KEY", f"no key {sig.key_id!r} for {sig.signer}")
    if public.not_after is not None and now > public.not_after:
        raise Refused("KEY_EXPIRED", f"key {sig.key_id!r} of {sig.signer} ended {public.not_after.isoformat()}")
    try:
        public.verify(sig.signature, signed_bytes(sig.kind, sig.party, sig.key_id, policy.topic, key, value))
    except InvalidSignature:
        raise Refused("BAD_SIGNATURE", f"signature of {sig.signer} does not match the record") from None
    field = policy.signers.get(sig.kind)
    if field is not None and (found := field_of(field)) is not UNREADABLE and found != sig.party:
        raise Refused("SIGNER_MISMATCH", f"{sig.signer} signed a record whose {field} is another {sig.kind}'s")
    return sig
