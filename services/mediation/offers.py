"""A mediator's offer and the debtor's acceptance (docs/rules.md M12, M13). Pure.

- OFFERED (``mediation.outcomes``, with a plan, in a session) → ``SettlementOffered``: the plan, open until
  the tier's deadline (``expires_at``). A later offer replaces it; it lapses when the case settles, leaves the
  tier (a failure, an escalation, relief) or closes.
- ACCEPT_OFFER (``debtor.requests``) while an offer is open → ``MediationSettled`` on exactly the offered plan
  (``accepted_by_debtor``), then ``ConfirmationRequested``: the settlement goes the way a mediator's does.
  With no open offer (none made, already accepted, lapsed), expired, on hold or on a closed case: a dead
  letter; the same request again: a duplicate. Other request kinds are objections' and notify's: ``not_ours``.
"""
from __future__ import annotations

from datetime import datetime

from remedy.kernel.deadlines import ms
from services.mediation import confirmation, plans
from services.mediation.errors import CaseOnHold, InvalidPlan, NoOpenOffer, OfferExpired
from services.mediation.step import Out, Step, Terms, guard


def settle(out: Out, plan: dict, mediator_id: str, cause: str, terms: Terms, *, accepted: bool = False) -> None:
    """``MediationSettled`` on ``plan`` (state form) and the court's confirmation applied for (M5)."""
    s = out.state
    settled = out.event("MediationSettled", {"tier": s["tier"], "mediator_id": mediator_id,
                                             "plan": plans.plan_to_avro(plan), "accepted_by_debtor": accepted}, cause)
    s.update(plan=plan, plan_source="SETTLEMENT", offer=None)
    confirmation.request(out, settled, terms)


def make_offer(out: Out, o: dict, cause: str) -> None:
    """The mediator's plan offered to the debtor until the tier's deadline."""
    s = out.state
    if o["plan"] is None:
        raise InvalidPlan(f"OFFERED outcome for case {s['case_id']} has no plan")
    plan = plans.plan_to_state(o["plan"])
    expires = datetime.fromtimestamp(s["deadline_ms"] / 1000, out.now.tzinfo)
    out.event("SettlementOffered", {"tier": s["tier"], "mediator_id": o["mediator_id"], "plan": plans.plan_to_avro(plan),
                                    "expires_at": expires}, cause)
    s["offer"] = {"plan": plan, "mediator_id": o["mediator_id"], "expires_ms": s["deadline_ms"]}


def on_request(state: dict | None, r: dict, cause: str, terms: Terms, now: datetime) -> Step:
    """A debtor's request: ACCEPT_OFFER settles on the open offer; other kinds are not mediation's."""
    if r["kind"] != "ACCEPT_OFFER":
        return Step(None, outcome="not_ours")
    s = guard(state, "ACCEPT_OFFER")
    if r["request_id"] in s["seen"]:
        return Step(None, outcome="duplicate")
    if s["held"]:
        raise CaseOnHold(f"ACCEPT_OFFER for case {s['case_id']} while it is on hold")
    offer = s.get("offer")
    if offer is None:
        raise NoOpenOffer(f"ACCEPT_OFFER for case {s['case_id']}, which has no open offer (stage {s['stage']})")
    if ms(now) >= offer["expires_ms"]:
        raise OfferExpired(f"ACCEPT_OFFER for case {s['case_id']}: the offer lapsed with the {s['tier']} tier's deadline")
    s["seen"] = s["seen"] + [r["request_id"]]
    out = Out(s, now)
    settle(out, offer["plan"], offer["mediator_id"], cause, terms, accepted=True)
    return out.step("offer_accepted")
