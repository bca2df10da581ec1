"""The 1M benchmark's progress, read from every instance's ``/metrics`` (Prometheus text).

Per instance, the counters that say how far each stage is (``quantities``):

- intake: ``remedy_intake_emitted_total{topic="case.events",type="CaseOpened"}`` (cases opened);
- triage: ``remedy_triage_decisions_total`` by route (CaseTriaged routes, ``REJECTED`` for CaseRejected);
- mediation: ``remedy_mediation_steps_total{input="case.events",outcome="facts"}`` (case files opened);
- notify: a first notice (a kind the catalogue triggers on ``CaseTriaged``) is decided once the guard has
  released it to go now (``remedy_notify_released_total`` by kind) or logged it SUPPRESSED or DEFERRED
  (``remedy_notify_notices_total`` by kind and status); it is sent once logged SENT, SUPPRESSED or DEFERRED
  (FAILED entries are fallbacks to the next channel, DELIVERED a receipt after SENT). A released notice waits
  for a send slot, then is printed and sent;
- every service: ``remedy_<service>_emitted_total{topic="case.events"}`` (what it wrote on the case log) and
  ``remedy_<service>_consumed_total{topic="case.events"}`` (what it read of it); and the gauge
  ``remedy_<service>_records_waiting`` by topic (where a backlog stands when the run ends).

A counter that goes down belongs to a restarted process: ``Counters`` adds what the old one had counted.
Stages whose target depends on triage (first notices expected, case.events written) have no target until every
case is decided; a reader of case.events is done once it has read what was written by then (``progress``).
``done_at`` is retrospective: from the last sample at which a stage was short, interpolated to the next one.
"""
from __future__ import annotations

import math
import re
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
DECIDED = ("released", "SUPPRESSED", "DEFERRED")
FINISHED = ("SENT", "SUPPRESSED", "DEFERRED")
WAITING = "waiting:"   # a gauge (records waiting per topic), not a counter: never corrected for restarts
READERS = ("enforcement", "repair", "objections", "analytics", "gateway")
INTAKE, TRIAGE, MEDIATION, NOTIFY, SENT = ("intake: cases opened", "triage: cases decided", "mediation: cases opened",
                                           "notify: first notices decided", "notify: first notices sent")

Sample = tuple[str, dict[str, str], float]
Progress = dict[str, tuple[float, float]]   # stage -> (count, target)


def parse_prometheus(text: str) -> list[Sample]:
    """Prometheus text exposition → (name, labels, value) per sample line; comments and blank lines skipped."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line.split("{", 1)
            labels_text, value = rest.rsplit("}", 1)
            labels = {k: re.sub(r'\\[\\"n]', lambda m: UNESCAPE[m.group(0)], v) for k, v in LABEL.findall(labels_text)}
        else:
            name, value = line.split(None, 1)
            labels = {}
        out.append((name, labels, float(value.split()[0])))
    return out


def quantities(service: str, samples: list[Sample]) -> dict[str, float]:
    """What one instance of ``service`` has counted of what the benchmark follows (see the module's doc)."""
    q: dict[str, float] = defaultdict(float)
    prefix = f"remedy_{service}_"
    for name, labels, value in samples:
        if name == prefix + "emitted_total" and labels.get("topic") == "case.events":
            q["written"] += value
            if labels.get("type") == "CaseOpened":
                q["opened"] += value
        elif name == prefix + "consumed_total" and labels.get("topic") == "case.events":
            q["read"] += value
        elif name == "remedy_triage_decisions_total":
            q["route:" + labels.get("route", "")] += value
        elif name == "remedy_triage_case_events_total":
            q["handled"] += value
        elif name == "remedy_mediation_steps_total" and labels.get("input") == "case.events" \
                and labels.get("outcome") == "facts":
            q["files"] += value
        elif name == "remedy_notify_notices_total":
            q[f"notice:{labels.get('kind')}:{labels.get('status')}"] += value
        elif name == "remedy_notify_released_total":
            q[f"notice:{labels.get('kind')}:released"] += value
        elif name == prefix + "records_waiting":
            q[WAITING + labels.get("topic", "")] += value
    return dict(q)


class Counters:
    """Per instance, counters corrected for restarts: a value lower than the last one (or gone) means a new
    process that counts from 0, so the old process's count is kept as a base."""

    def __init__(self):
        self.last: dict[str, dict[str, float]] = defaultdict(dict)
        self.base: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def update(self, instance: str, q: dict[str, float]) -> dict[str, float]:
        last, base = self.last[instance], self.base[instance]
        for key in set(last) | set(q):
            value = q.get(key, 0.0)
            if value < last.get(key, 0.0) and not key.startswith(WAITING):
                base[key] += last[key]
            last[key] = value
        return self.corrected(instance)

    def corrected(self, instance: str) -> dict[str, float]:
        return {key: self.base[instance][key] + value for key, value in self.last[instance].items()}


def first_notice_kinds(catalogue) -> dict[str, frozenset[str] | None]:
    """The notice kinds CaseTriaged triggers → the routes they are for (None: every route)."""
    return {name: (frozenset(kind.when["route"]) if "route" in kind.when else None)
            for name, kind in catalogue.kinds.items() if kind.on == "CaseTriaged"}


def first_notices_expected(routes: dict[str, float], kinds: dict[str, frozenset[str] | None]) -> float:
    """How many first notices the decided cases call for: one per (case triaged to a route, kind for it)."""
    return sum(count for route, count in routes.items() if route != "REJECTED"
               for allowed in kinds.values() if allowed is None or route in allowed)


def progress(totals: dict[str, dict[str, float]], n: int, kinds: dict[str, frozenset[str] | None],
             readers: tuple[str, ...] = READERS, written_then: float | None = None) -> Progress:
    """Each followed stage's (count, target) from the per-service totals; target ``inf`` until it is known.
    ``readers``: the services of READERS that run. A reader's target is what every service had written on
    case.events by the sample at which every case was decided (``written_then``; this sample's, if it is that
    one): every case's opening and triage decision, and what mediation had written by then. Mediation goes on
    writing its desk's assignments, which the readers' targets leave out."""
    tri = totals.get("triage", {})
    routes = {key[6:]: v for key, v in tri.items() if key.startswith("route:")}
    decided = sum(routes.values())
    triaged = decided >= n
    if triaged and written_then is None:
        written_then = sum(t.get("written", 0.0) for t in totals.values())
    notices = totals.get("notify", {})
    first, sent = (sum(notices.get(f"notice:{kind}:{status}", 0.0) for kind in kinds for status in statuses)
                   for statuses in (DECIDED, FINISHED))
    expected = first_notices_expected(routes, kinds) if triaged else math.inf
    out = {INTAKE: (totals.get("intake", {}).get("opened", 0.0), n), TRIAGE: (decided, n),
           MEDIATION: (totals.get("mediation", {}).get("files", 0.0), n), NOTIFY: (first, expected),
           SENT: (sent, expected)}
    for reader in readers:
        label = "enforcement: cases opened (case.events read)" if reader == "enforcement" else \
            f"{reader}: case.events read"
        out[label] = (totals.get(reader, {}).get("read", 0.0), written_then if triaged else math.inf)
    return out


def done_at(timeline: list[tuple[float, Progress]], stage: str) -> float | None:
    """Seconds at which ``stage`` reached its target for good (None if it was short at the end): between the
    last sample at which it was short and the next, interpolated linearly on its count. It is done for good
    from the first sample after the last one at which it was short (a reader that caught up for a moment while
    mediation still wrote was not done)."""
    short = [i for i, (_, prog) in enumerate(timeline) if prog[stage][0] < prog[stage][1]]
    if not short:
        return timeline[0][0] if timeline else None
    i = short[-1]
    if i + 1 >= len(timeline):
        return None
    (t0, p0), (t1, p1) = timeline[i], timeline[i + 1]
    c0, (c1, target) = p0[stage][0], p1[stage]
    if c1 <= c0:
        return t1
    return t0 + (t1 - t0) * min(1.0, max(0.0, (target - c0) / (c1 - c0)))


def started_at(timeline: list[tuple[float, Progress]], stage: str) -> float:
    """Seconds at which ``stage`` began counting: after the last sample at which it had counted nothing,
    extrapolated back from its rate over the next interval (0 if it counted from the first sample)."""
    first = next((i for i, (_, prog) in enumerate(timeline) if prog[stage][0] > 0), None)
    if not first:
        return 0.0 if first == 0 or not timeline else timeline[-1][0]
    (t0, _), (t1, p1) = timeline[first - 1], timeline[first]
    if first + 1 >= len(timeline):
        return t0
    t2, c1, c2 = timeline[first + 1][0], p1[stage][0], timeline[first + 1][1][stage][0]
    rate = (c2 - c1) / (t2 - t1) if t2 > t1 else 0.0
    return max(t0, t1 - c1 / rate) if rate > 0 else t0


def fetch(port: int, timeout: float = 3.0) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as resp:
            return resp.read().decode()
    except (OSError, ValueError):
        return None


class Poller:
    """Every instance's /metrics at once; per-service totals corrected for restarts."""

    def __init__(self, instances: list[tuple[str, str, int]], n: int, kinds: dict[str, frozenset[str] | None]):
        self.instances, self.n, self.kinds = instances, n, kinds   # (service, instance name, port)
        self.counters = Counters()
        self.last_totals: dict[str, dict[str, float]] = {}
        self.written_then: float | None = None   # case.events written when every case was decided
        self.readers = tuple(r for r in READERS if any(service == r for service, _, _ in instances))
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(instances)))

    def totals(self) -> dict[str, dict[str, float]]:
        texts = list(self.pool.map(lambda inst: fetch(inst[2]), self.instances))
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for (service, name, _), text in zip(self.instances, texts):
            values = self.counters.update(name, quantities(service, parse_prometheus(text))) if text is not None \
                else self.counters.corrected(name)
            for key, value in values.items():
                out[service][key] += value
        return out

    def progress(self) -> Progress:
        totals = self.last_totals = self.totals()
        out = progress(totals, self.n, self.kinds, self.readers, self.written_then)
        if self.written_then is None and out[TRIAGE][0] >= self.n:
            self.written_then = sum(t.get("written", 0.0) for t in totals.values())
        return out

    def waiting(self) -> dict[str, float]:
        """Records waiting at the last poll, by "service topic", largest first (none if nothing waits)."""
        out = {f"{service} {key[len(WAITING):]}": v for service, t in self.last_totals.items()
               for key, v in t.items() if key.startswith(WAITING) and v > 0}
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def close(self) -> None:
        self.pool.shutdown(wait=False)
