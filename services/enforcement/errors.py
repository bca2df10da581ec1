"""Input enforcement cannot take: dead-lettered with the error's message as the reason (never PII)."""


class EnforcementError(Exception):
    """Input enforcement cannot take; dead-lettered with this reason (never PII)."""


class UnknownCase(EnforcementError):
    pass


class CaseAlreadyClosed(EnforcementError):
    pass


class OutOfOrder(EnforcementError):
    pass


class InvalidInput(EnforcementError):
    pass


class FilingRefused(EnforcementError):
    """A case handed to litigation with no evidence at all: not filed (no court accepts a bare claim)."""
