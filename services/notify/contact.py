"""The debtor's own contact details, checked before any channel is used. Pure."""
from __future__ import annotations

import re

PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def phone(contact: dict | None) -> str | None:
    """The mainland mobile number in E.164, or None if missing or invalid."""
    raw = re.sub(r"[\s-]", "", (contact or {}).get("phone") or "")
    m = PHONE.match(raw)
    return "+86" + m.group(1) if m else None


def email(contact: dict | None) -> str | None:
    raw = ((contact or {}).get("email") or "").strip()
    return raw if EMAIL.match(raw) else None


def address_problem(channel: str, contact: dict | None) -> str | None:
    """Why a channel cannot reach the debtor, as a reason code, or None."""
    if channel == "LETTER":
        return None
    if not contact:
        return "NO_CONTACT"
    if channel == "SMS":
        return None if phone(contact) else ("NO_PHONE" if not contact.get("phone") else "INVALID_PHONE")
    if channel == "EMAIL":
        return None if email(contact) else ("NO_EMAIL" if not contact.get("email") else "INVALID_EMAIL")
    return "UNKNOWN_CHANNEL"
