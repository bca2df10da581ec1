"""Every rate and delay of the simulated world (``sim.world``), settable from the environment."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from remedy.kernel.settings import EnvSettings


@dataclass(frozen=True)
class WorldConfig(EnvSettings):
    """Every rate and delay of the simulated world. Ranges are (low, high), inclusive; days are
    simulated days. Each field can be set as ``REMEDY_SIM_<FIELD>`` (ranges as ``low,high``)."""
    ENV_PREFIX: ClassVar[str] = "REMEDY_SIM_"
    # mediators
    session_minutes: int = 60                      # an outcome is recorded when the session ends
    peoples_settle_rate: float = 0.35              # people's mediation: share of sessions that settle
    court_settle_rate: float = 0.25                # court pre-litigation mediation
    extend_rate: float = 0.04                      # tier extended once by consent; a final outcome follows
    extended_settle_rate: float = 0.30             # ... which settles at this rate
    offer_rate: float = 0.05                       # sessions that end with a plan offered to the debtor (OFFERED)
    accept_offer_rate: float = 0.70                # ... which the debtor accepts in the portal; the rest lapse
    accept_days: tuple[int, int] = (1, 6)          # offer → the debtor's acceptance
    extend_days: tuple[int, int] = (5, 20)
    unreachable_share: float = 0.35                # of the unsettled outcomes: debtor never reached
    lump_sum_rate: float = 0.40                    # settled plans paid in one sum; the rest in instalments
    instalment_counts: tuple[int, ...] = (2, 3, 4)
    first_due_days: tuple[int, int] = (20, 30)     # settlement → first (or only) instalment
    instalment_gap_days: int = 30
    penalty_waiver_rate: float = 0.35              # the settlement waives the penalty
    interest_forgiven: tuple[float, float] = (0.0, 0.30)  # share of interest forgiven in a settlement
    # courts
    confirm_days: tuple[int, int] = (3, 12)
    confirmation_grant_rate: float = 0.95
    filing_days: tuple[int, int] = (2, 7)
    filing_accept_rate: float = 0.97
    judgment_days: tuple[int, int] = (20, 45)
    full_award_rate: float = 0.75                  # award = claim; otherwise reduced (penalty cut back)
    reduced_award_share: tuple[float, float] = (0.80, 0.97)
    performance_days: int = 15                     # judgment → performance_due
    voluntary_performance_rate: float = 0.20       # debtor pays the award before performance_due
    enforcement_days: tuple[int, int] = (30, 90)
    enforcement_full_rate: float = 0.25
    enforcement_partial_rate: float = 0.35         # the rest: terminated, no assets (终结本次执行)
    partial_share: tuple[float, float] = (0.20, 0.70)
    assets_found_rate: float = 0.15                # after a termination (终本): the court finds assets and resumes
    resume_days: tuple[int, int] = (60, 240)       # termination → assets found / the debtor pays
    # debtors
    pay_on_time_rate: float = 0.82                 # on InstalmentDue: pays by the due date
    pay_late_rate: float = 0.08                    # ... pays within the grace period; the rest miss
    grace_days: int = 5                            # mediation's grace period (REMEDY_MEDIATION_GRACE_DAYS)
    pay_after_termination_rate: float = 0.10       # after a termination: the debtor pays what is outstanding
    objection_rate: float = 0.02
    hardship_claim_rate: float = 0.01
    opt_out_rate: float = 0.03
    complaint_rate: float = 0.01                   # after triage: the debtor complains (COMPLAINT)
    complaint_answer_rate: float = 0.85            # the department answers; the rest go overdue
    complaint_answer_days: tuple[int, int] = (2, 12)
    debtor_days: tuple[int, int] = (1, 10)         # triage → a debtor's objection / claim / opt-out
    # reviewers
    review_days: tuple[int, int] = (3, 18)
    review_overdue_rate: float = 0.05              # answered after the 20-day limit
    upheld_close_rate: float = 0.10
    upheld_amend_rate: float = 0.20                # the rest dismissed
    amend_share: tuple[float, float] = (0.80, 0.95)
    # lenders
    withdraw_rate: float = 0.01
    paid_in_full_rate: float = 0.01
    lender_days: tuple[int, int] = (5, 40)
    # traditional collection (the baseline, sim/baseline.py)
    baseline_contact_rate: float = 0.60            # collectors reach the debtor at all
    baseline_pay_rate: float = 0.55                # ... who then pays something
    baseline_hardship_pay_factor: float = 0.5      # hardship debtors pay at this fraction of the rate
    baseline_paid_share: tuple[float, float] = (0.55, 1.0)  # share of the claim paid, when paid
