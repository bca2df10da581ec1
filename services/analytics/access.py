"""Who may see what on the dashboard. Pure.

Tokens come from ``REMEDY_ANALYTICS_TOKENS``: ``token=LENDER_ID`` or ``token=ops`` pairs, comma-
separated, or ``@/path/to/file`` with one pair a line (``#`` comments allowed). A caller sends one in
``Authorization: Bearer …``; a browser signs in once (web.py) and then holds a session cookie naming its hash. An ops token sees
every lender and may filter by any; a lender token sees only its own cases, whatever it asks for.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

OPS = "ops"


class Unauthorized(Exception):
    """No token, or one we do not know (HTTP 401)."""


class Forbidden(Exception):
    """A lender token asked for another lender's figures (HTTP 403)."""


@dataclass(frozen=True)
class Scope:
    lender: str | None  # None: ops, every lender

    def lender_filter(self, requested: str | None) -> str | None:
        if self.lender is None:
            return requested or None
        if requested and requested != self.lender:
            raise Forbidden("a lender token sees only its own lender")
        return self.lender


def parse_tokens(text: str) -> dict[str, Scope]:
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8")
    scopes: dict[str, Scope] = {}
    for item in text.replace("\n", ",").split(","):
        item = item.split("#", 1)[0].strip()
        if not item:
            continue
        token, sep, who = item.partition("=")
        if not sep or not token.strip() or not who.strip():
            raise ValueError("REMEDY_ANALYTICS_TOKENS: expected token=LENDER_ID or token=ops pairs")
        scopes[token.strip()] = Scope(None if who.strip() == OPS else who.strip())
    return scopes


def token_hash(token: str) -> str:
    """What a dashboard session cookie names: the token's hash, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def authorise(scopes: dict[str, Scope], header: str | None, session: str | None) -> Scope:
    """The scope of the bearer token (``Authorization: Bearer …``), else of the session cookie's token hash
    (``session``, from a sealed cookie: web.py). A token in the URL is never read here."""
    token = header[len("Bearer "):].strip() if header and header.startswith("Bearer ") else ""
    if not token and not session:
        raise Unauthorized("missing token: send Authorization: Bearer <token>, or sign in at /login")
    wanted = token_hash(token) if token else session
    for known, scope in scopes.items():
        if hmac.compare_digest(token_hash(known), wanted):
            return scope
    raise Unauthorized("unknown token")
