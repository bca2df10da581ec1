"""Inputs mediation cannot take. Raised inside a handler, they become dead-letter records with the
reason (``Runtime.guarded``). Messages name cases and fields, never a debtor's details."""


class MediationInputError(Exception):
    """An impossible or out-of-order input."""


class UnknownCase(MediationInputError):
    pass


class CaseOnHold(MediationInputError):
    pass


class CaseIsClosed(MediationInputError):
    pass


class OutcomeWithoutSession(MediationInputError):
    pass


class InvalidPlan(MediationInputError):
    pass


class ExtensionRefused(MediationInputError):
    pass


class UnexpectedDecision(MediationInputError):
    pass


class PaymentWithoutPlan(MediationInputError):
    pass


class InvalidRosterUpdate(MediationInputError):
    pass


class InvalidOutcome(MediationInputError):
    pass


class InvalidHardshipClaim(MediationInputError):
    pass


class ClaimNotInMediation(MediationInputError):
    pass


class NoOpenOffer(MediationInputError):
    pass


class OfferExpired(MediationInputError):
    pass
