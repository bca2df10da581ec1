"""What bench/bench_peer.py feeds both peers, and how it reads their figures (no broker, no framework here).

The input is a case log as ``case.events`` carries it: per case its opening (intake's own decision on a
realistic default, sealed contact and all), then five later events of the other stages, one case after the
other. Triage acts on the opening and on a mediation failure (one case in five), and only counts the rest;
its own decision comes back to it on ``case.events`` as a sixth later event. A real run writes about 6.8
case events per case (bench_gateway_start), so this is the mix triage reads in production.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from remedy.contract.codec import Codec
from remedy.contract.examples import load_example
from remedy.kernel.events import case_event
from remedy.kernel.pii import ContactSealer, Pseudonymiser
from remedy.kernel.settings import REPO_ROOT, Settings
from services.intake.decide import Keys, decide
from sim.defaults import demo_batch

EVENTS_PER_CASE = 6
FAILED_EVERY = 5  # one case in five has its mediation fail (forwarded to the debtor's partition)
# The later events, after the opening: (producer, example file or None, type, body when no example).
LATER = (("mediation", "mediation_settled", "MediationSettled", None),
         ("mediation", "case_escalated", "CaseEscalated", None),
         ("mediation", "hardship_claimed", "HardshipClaimed", None),
         ("objections", "judgment_performed", "JudgmentPerformed", None),
         ("objections", "case_closed", "CaseClosed", None))
FAILURE = ("mediation", None, "MediationFailed", {"tier": "PEOPLES", "reason": "FAILED"})
DECISIONS = ("CaseTriaged", "CaseRejected")


@dataclass(frozen=True)
class CaseLog:
    records: list[tuple[bytes, bytes]]  # (key, value) in publishing order
    cases: int
    failures: int

    @property
    def per_case(self) -> float:
        return len(self.records) / self.cases


def bodies(codec: Codec) -> dict[str, dict]:
    """The later events' bodies, from the CaseEvent examples beside the schema."""
    schema = codec.current["CaseEvent"]
    return {name: load_example(REPO_ROOT / "schemas/CaseEvent/examples" / f"{name}.json", schema)["event"]
            for _, name, _, _ in LATER}


def case_log(codec: Codec, records: int, now: datetime, seed: int = 2026) -> CaseLog:
    """About ``records`` case events (a whole number of cases, ``EVENTS_PER_CASE`` each), Avro-encoded."""
    n_cases = max(1, records // EVENTS_PER_CASE)
    settings = Settings.from_env({})
    keys = Keys(Pseudonymiser(settings.pseudonym_key), ContactSealer(settings.pii_key), settings.case_id_key)
    examples = bodies(codec)
    defaults, _ = demo_batch(n_cases, now=now, seed=seed, n_malformed=0)
    out: list[tuple[bytes, bytes]] = []
    failures = 0
    for n, default in enumerate(defaults):
        raw = codec.encode("LoanDefault", default)
        (opening,) = decide(None, default, raw, f"loan.defaults/0/{n}", now, keys).emits
        cid, lender, cause = opening.key, default["lender_id"], opening.record["event_id"]
        later = list(LATER)
        if n % FAILED_EVERY == 0:
            later[0] = FAILURE
            failures += 1
        key = cid.encode()
        out.append((key, codec.encode("CaseEvent", opening.record)))
        for producer, example, type_, body in later:
            event = case_event(producer, type_, body if example is None else examples[example], case_id=cid,
                               lender_id=lender, causation_id=cause, now=now)
            out.append((key, codec.encode("CaseEvent", event)))
    return CaseLog(out, n_cases, failures)


@dataclass(frozen=True)
class Reading:
    """One look at a run: decisions seen on case.events, seconds, CPU seconds of the worker and of the broker."""
    decisions: int
    at: float
    worker_cpu: float
    broker_cpu: float


@dataclass(frozen=True)
class Run:
    rate: float           # input case events handled per second
    worker_cpu_us: float  # the worker's CPU per input case event
    broker_cpu_us: float  # the broker's CPU per input case event, over the same window
    load: tuple[float, float]  # 1-minute load average at the start and at the end
    changelog: dict[str, tuple[int, int]]  # changelog topic -> (records, distinct keys)


def figures(readings: list[Reading], per_case: float) -> tuple[float, float, float]:
    """(case events/s, worker µs, broker µs per case event) between the first and the last reading that saw
    decisions: the worker's start (group join, recovery) is left out, the same for both peers."""
    seen = [r for r in readings if r.decisions]
    if len(seen) < 2 or seen[-1].decisions == seen[0].decisions or seen[-1].at == seen[0].at:
        raise ValueError("too few readings with decisions to measure a rate")
    first, last = seen[0], seen[-1]
    events = (last.decisions - first.decisions) * per_case
    return (events / (last.at - first.at), 1e6 * (last.worker_cpu - first.worker_cpu) / events,
            1e6 * (last.broker_cpu - first.broker_cpu) / events)


def summary(label: str, runs: list[Run]) -> str:
    """One peer's line: medians over the rounds, each round's rate, the load while they ran."""
    loads = [x for r in runs for x in r.load]
    return (f"peer: {label:28} {median(r.rate for r in runs):7,.0f} case events/s "
            f"({', '.join(f'{r.rate:,.0f}' for r in runs)}); CPU per case event: worker "
            f"{median(r.worker_cpu_us for r in runs):4.0f} us ({', '.join(f'{r.worker_cpu_us:.0f}' for r in runs)}), "
            f"broker {median(r.broker_cpu_us for r in runs):4.0f} us; load {min(loads):.1f} - {max(loads):.1f}")


def changelog_line(label: str, run: Run) -> str:
    parts = [f"{topic} {records:,} records for {keys:,} keys" for topic, (records, keys) in sorted(run.changelog.items())]
    return f"peer: {label:28} changelogs: {'; '.join(parts) or 'none'}"


def ratio_line(remedy: list[Run], peer: list[Run], goal: float = 0.5) -> str:
    """Remedy/quixstreams, the median of the per-round ratios (each round ran both on the same machine state)."""
    ratios = [r.rate / q.rate for r, q in zip(remedy, peer)]
    cpu = [q.worker_cpu_us / r.worker_cpu_us for r, q in zip(remedy, peer)]
    share = median(ratios)
    return (f"peer: Remedy/quixstreams {share:.2f} of the records/s (rounds {', '.join(f'{x:.2f}' for x in ratios)}), "
            f"{median(cpu):.2f} of the records per CPU-second (rounds {', '.join(f'{x:.2f}' for x in cpu)}); goal >= {goal:.2f}: {'met' if share >= goal else 'NOT met'}")

