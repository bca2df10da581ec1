"""Who may call the gateway: the keys file. Pure (parsing and lookup; the file is read by the wiring).

Format (JSON, path in ``REMEDY_GATEWAY_KEYS``)::

    {"principals": [
      {"kind": "lender",   "id": "LENDER-A", "key_sha256": "<hex sha256 of the API key>"},
      {"kind": "mediator", "id": "M-001",    "key_sha256": "<hex>"},
      {"kind": "payer",    "id": "PSP-1",    "key_sha256": "<hex>"},
      {"kind": "court",    "id": "COURT-350502", "hmac_secret": "<secret>"}
    ]}

API keys are stored only as sha256 (they are long random strings, so a fast hash is enough);
a caller sends ``Authorization: Bearer <key>``. A court's HMAC secret must be kept in the clear to
verify signatures: the file belongs outside the repository with mode 0600. ``dev_keys`` makes a
file for one machine and returns the plaintext keys once.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

KINDS = ("lender", "mediator", "payer", "court")


class KeysFileError(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    kind: str
    id: str


@dataclass(frozen=True)
class Keys:
    by_hash: dict[str, Principal]
    court_secrets: dict[str, bytes]

    @classmethod
    def parse(cls, text: str) -> "Keys":
        try:
            entries = json.loads(text)["principals"]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeysFileError(f"keys file: expected {{\"principals\": [...]}}: {exc}") from exc
        by_hash, courts = {}, {}
        for n, e in enumerate(entries):
            kind, pid = e.get("kind"), e.get("id")
            if kind not in KINDS or not isinstance(pid, str) or not pid:
                raise KeysFileError(f"keys file: principals[{n}]: kind must be one of {', '.join(KINDS)} and id non-empty")
            if kind == "court":
                if not e.get("hmac_secret"):
                    raise KeysFileError(f"keys file: principals[{n}]: a court needs hmac_secret")
                courts[pid] = e["hmac_secret"].encode()
                continue
            digest = str(e.get("key_sha256", "")).lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise KeysFileError(f"keys file: principals[{n}]: key_sha256 must be 64 hex digits")
            by_hash[digest] = Principal(kind, pid)
        return cls(by_hash, courts)

    def principal(self, api_key: str) -> Principal | None:
        return self.by_hash.get(key_hash(api_key)) if api_key else None


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_key(kind: str) -> str:
    return f"rk_{kind[:3]}_{secrets.token_urlsafe(24)}"


def dev_keys(principals: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """(keys file text, {"kind:id": plaintext key or secret}) for the given (kind, id) pairs."""
    entries, plain = [], {}
    for kind, pid in principals:
        if kind == "court":
            secret = secrets.token_urlsafe(32)
            entries.append({"kind": kind, "id": pid, "hmac_secret": secret})
        else:
            secret = new_key(kind)
            entries.append({"kind": kind, "id": pid, "key_sha256": key_hash(secret)})
        plain[f"{kind}:{pid}"] = secret
    return json.dumps({"principals": entries}, indent=1), plain
