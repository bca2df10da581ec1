"""Who may call the gateway: the keys file. Pure (parsing and lookup; the file is read by the wiring).

Format (JSON, path in ``REMEDY_GATEWAY_KEYS``)::

    {"principals": [
      {"kind": "lender",   "id": "LENDER-A", "key_sha256": "<hex sha256 of the API key>"},
      {"kind": "mediator", "id": "M-001",    "key_sha256": "<hex>"},
      {"kind": "payer",    "id": "PSP-1",    "key_sha256": "<hex>"},
      {"kind": "court",    "id": "COURT-350502", "hmac_secret": "<secret>"},
      {"kind": "auditor",  "id": "OPS-1",    "key_sha256": "<hex>"},
      {"kind": "department", "id": "DEPT-CBIRC-350500", "key_sha256": "<hex>"},
      {"kind": "centre",   "id": "MC-350502", "key_sha256": "<hex>"},
      {"kind": "bureau",   "id": "JB-3505",  "key_sha256": "<hex>"}
    ]}

An ``auditor`` is an operator, an internal auditor or a regulator: it reads any case's audit trail
(routes/audit.py) and nothing else. A ``department`` answers the complaints routed to it (routes/department.py):
the financial regulator's local office ``DEPT-CBIRC-<prefecture>``, the consumer association ``DEPT-CA-<prefecture>``,
a lender's complaint desk ``DEPT-LENDER-<lender_id>``, a mediation centre ``DEPT-MC-<region>`` (docs/rules.md C1).
A ``centre`` is a mediation centre (the id triage names in ``CaseTriaged.mediation_centre``). Departments, centres,
lenders and courts manage their webhooks (routes/webhooks.py). A ``bureau`` is a judicial bureau: it designates the
people's mediators of its area (routes/roster.py).
API keys are stored only as sha256 (they are long random strings, so a fast hash is enough);
a caller sends ``Authorization: Bearer <key>``. A court's HMAC secret must be kept in the clear to
verify signatures: the file belongs outside the repository with mode 0600. ``dev_keys`` makes a
file for one machine and returns the plaintext keys once.

Every gateway instance of one deployment reads the same file, so a key, a court's signature and (with
the shared ``REMEDY_PORTAL_SECRET``) a debtor's verification code are valid on any of them. When no file
is configured it is ``shared_keys_path``: under the shared data dir, not an instance's own.
``load_or_create`` generates dev keys there at most once, however many instances start together.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KINDS = ("lender", "mediator", "payer", "court", "auditor", "department", "centre", "bureau")
DEV_PRINCIPALS = [("lender", "LENDER-QZ01"), ("mediator", "PM-3505-01"), ("mediator", "PM-3505-02"),
                  ("payer", "PSP-DEV"), ("court", "CT-350502"),
                  ("auditor", "OPS-DEV"),
                  ("department", "DEPT-CBIRC-350500"), ("department", "DEPT-CA-350500"),
                  ("department", "DEPT-LENDER-LENDER-QZ01"), ("department", "DEPT-MC-350502"), ("centre", "MC-350502"),
                  ("bureau", "JB-3505")]


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


def shared_keys_path(data_dir: str | Path) -> Path:
    """The keys file when ``REMEDY_GATEWAY_KEYS`` is empty: ``<data dir>/gateway/keys.json`` of the shared data dir."""
    return Path(data_dir) / "gateway" / "keys.json"


def dev_keys_problem(configured: str, path: Path) -> str | None:
    """Why the keys file is a development one (refused outside dev mode), or None: none configured (dev keys
    would be generated under the data dir), or one ``load_or_create`` made (its plaintext ``dev-keys.txt`` beside it)."""
    if not configured:
        return "REMEDY_GATEWAY_KEYS is empty (dev keys would be generated under the data dir)"
    if (Path(path).parent / "dev-keys.txt").exists():
        return f"REMEDY_GATEWAY_KEYS names a dev keys file ({path}: dev-keys.txt lies beside it)"
    return None


def load_or_create(path: Path, principals: list[tuple[str, str]] = DEV_PRINCIPALS) -> tuple[Keys, Path | None]:
    """The keys in ``path``. When there is no such file, dev keys for ``principals`` are generated first,
    with their plaintext in ``dev-keys.txt`` beside it (both 0600); returns that file's path when this call
    made them, else None. Instances starting together make one set: the file is written aside and linked
    into place, which fails for all but the first, and those read the first one's file."""
    path = Path(path)
    made = None
    if not path.exists():
        text, plain = dev_keys(principals)
        path.parent.mkdir(parents=True, exist_ok=True)
        aside, plain_aside = (path.with_name(f".{name}.{os.getpid()}.tmp") for name in (path.name, "dev-keys.txt"))
        try:
            for file, body in ((aside, text), (plain_aside, "".join(f"{who} {key}\n" for who, key in plain.items()))):
                file.write_text(body)
                os.chmod(file, 0o600)
            try:
                os.link(aside, path)          # atomic; FileExistsError if another instance was first
            except FileExistsError:
                pass
            else:
                made = path.with_name("dev-keys.txt")
                os.replace(plain_aside, made)
        finally:
            aside.unlink(missing_ok=True)
            plain_aside.unlink(missing_ok=True)
    return Keys.parse(path.read_text()), made
