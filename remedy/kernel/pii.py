"""Debtor PII handling.

- ``debtor_ref``: HMAC-SHA256 of the national ID under ``REMEDY_PSEUDONYM_KEY``. Stable across
  lenders (so cross-lender rules such as "3 contacts a day" work) and not reversible without the key.
- ``seal``/``unseal``: the contact details (name, national ID, phone, email) travel downstream only
  as AES-256-GCM ciphertext under ``REMEDY_PII_KEY``. Only services that must contact the debtor
  or file in court hold the key (notify, enforcement, gateway). Analytics never does. The same key seals the
  webhook signing secrets the gateway makes and webhooks signs with (``{"secret": ...}``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

import orjson

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_LEN = 12


class PiiError(ValueError):
    pass


class Pseudonymiser:
    def __init__(self, key: str):
        # HMAC-SHA256 keyed once: copying the keyed state costs half of ``hmac.digest``'s key set-up per call.
        self._keyed = hmac.new(key.encode(), digestmod=hashlib.sha256)

    def debtor_ref(self, national_id: str) -> str:
        return "D" + self.keyed_hash(national_id.upper().encode())

    def keyed_hash(self, data: bytes) -> str:
        mac = self._keyed.copy()
        mac.update(data)
        return mac.digest()[:16].hex()


class ContactSealer:
    def __init__(self, b64_key: str):
        try:
            key = base64.b64decode(b64_key)
        except ValueError as exc:
            raise PiiError("REMEDY_PII_KEY is not base64") from exc
        if len(key) != 32:
            raise PiiError(f"REMEDY_PII_KEY must decode to 32 bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, contact: dict) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        plain = orjson.dumps(contact, option=orjson.OPT_SORT_KEYS)
        return nonce + self._aead.encrypt(nonce, plain, b"remedy-contact")

    def unseal(self, sealed: bytes) -> dict:
        try:
            plain = self._aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], b"remedy-contact")
        except Exception as exc:
            raise PiiError("sealed contact cannot be opened with this key") from exc
        return json.loads(plain)

    def seal_document(self, pdf: bytes) -> bytes:
        """A document that names the debtor (a court document's PDF), sealed as a contact is."""
        nonce = os.urandom(NONCE_LEN)
        return nonce + self._aead.encrypt(nonce, pdf, b"remedy-document")

    def unseal_document(self, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], b"remedy-document")
        except Exception as exc:
            raise PiiError("sealed document cannot be opened with this key") from exc
