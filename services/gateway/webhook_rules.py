"""What a party may ask of its webhooks: which party a key is, a subscription's URL and event types. Pure.

A URL must be absolute http(s) with a host, at most 2,000 characters, without credentials or a fragment;
outside development (``REMEDY_ENV`` not ``dev``) it must be https, or it is refused with 422.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from services.gateway.validation import BadRequest

# the gateway's key kinds (keys.py) -> the party kind webhooks know (services/webhooks/routing.py)
PARTY_OF = {"lender": "LENDER", "court": "COURT", "department": "DEPARTMENT", "centre": "MEDIATION_CENTRE"}
MAX_URL = 2000
MAX_SUBSCRIPTIONS = 10           # live subscriptions per party
STATUSES = ("PENDING", "RETRYING", "DELIVERED", "REJECTED", "FAILED")


class UrlRefused(ValueError):
    """A well-formed URL this environment does not deliver to (422)."""


def url(value, *, dev: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("url", "is required (a string)")
    if len(value) > MAX_URL:
        raise BadRequest("url", f"must be at most {MAX_URL} characters")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise BadRequest("url", "is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("url", "must be an absolute http(s) URL with a host")
    if parts.username or parts.password or parts.fragment:
        raise BadRequest("url", "must carry no credentials and no #fragment")
    if parts.scheme != "https" and not dev:
        raise UrlRefused("url: must be https (plain http is accepted in development only)")
    return value


def event_types(value, known: frozenset[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequest("event_types", "must be a list of CaseEvent type names")
    unknown = sorted(set(value) - known)
    if unknown:
        raise BadRequest("event_types", f"unknown event types: {', '.join(unknown[:5])}")
    return sorted(set(value))


def subscription(body, *, dev: bool, known: frozenset[str]) -> tuple[str, list[str]]:
    """(url, event types) of a subscription request."""
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    return url(body.get("url"), dev=dev), event_types(body.get("event_types"), known)
