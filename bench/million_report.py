"""The 1M benchmark's verdicts and tables: each target with its figure and "met" or "missed by X".

Targets (issue 18, item 6; the restart from item 4), never weakened:

- all cases triaged, and all first notices decided, within 10 minutes of the first default published;
- every service's process at most 500 MB RSS (500·10⁶ bytes) at 1M open cases;
- the whole stack, dev broker included, at most 12 GiB;
- at most 1.2 ms of CPU (user + system, every process of the stack) per case;
- triage at least the throughput of intake, measured in the same run (the baseline);
- a SIGKILLed worker consuming again within 30 s.

A run of fewer than 1,000,000 cases is judged on its times extrapolated linearly to 1,000,000 (said so on the
line; an upper estimate, since the stack's fixed latencies are scaled too), and on its memory as measured (at
fewer open cases than the target's: a lower bound).
"""
from __future__ import annotations

from dataclasses import dataclass

from bench.million_metrics import INTAKE, NOTIFY, TRIAGE, done_at, started_at
from bench.million_proc import ProcSampler

MILLION = 1_000_000
MB, MIB, GIB = 10 ** 6, 2 ** 20, 2 ** 30
TIME_LIMIT = 600.0              # s, for 1M
SERVICE_RSS_LIMIT = 500 * MB
STACK_RSS_LIMIT = 12 * GIB
CPU_PER_CASE_LIMIT = 1.2e-3     # s
RESTART_LIMIT = 30.0            # s


def fmt_seconds(s: float) -> str:
    if s >= 120:
        return f"{int(s // 60)} min {s % 60:.0f} s"
    return f"{s:.1f} s"


def fmt_bytes(b: float) -> str:
    return f"{b / GIB:.2f} GiB" if b >= GIB else f"{b / MIB:.0f} MiB"


def fmt(value: float, unit: str) -> str:
    if unit == "s":
        return fmt_seconds(value)
    if unit == "bytes":
        return fmt_bytes(value)
    if unit == "ms":
        return f"{value * 1e3:.3f} ms"
    return f"{value:.3f}"   # a ratio: 0.999 is not shown as the 1.00 it misses


@dataclass(frozen=True)
class Target:
    label: str
    value: float | None       # None: not measured
    limit: float
    unit: str                 # "s", "bytes", "ms" (value in seconds), "x" (a ratio)
    at_most: bool = True      # the figure must be at most the limit (else at least)
    lower_bound: bool = False  # the true figure is at least ``value`` (a stage not done when the run stopped)

    @property
    def met(self) -> bool:
        if self.value is None or (self.lower_bound and self.at_most and self.value > self.limit):
            return False
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def verdict(self) -> str:
        if self.value is None:
            return "not measured"
        if self.met:
            return "met"
        over = self.value - self.limit if self.at_most else self.limit - self.value
        more = "more than " if self.lower_bound else ""
        return f"missed by {more}{fmt(over, self.unit)} ({over / self.limit:.0%})"

    def figure(self) -> str:
        if self.value is None:
            return "-"
        return (">= " if self.lower_bound else "") + fmt(self.value, self.unit)


def time_target(label: str, seconds: float | None, elapsed: float, n: int) -> Target:
    """A time to 1M: ``seconds`` (None: not done after ``elapsed``), scaled by 1M / n when n is smaller."""
    scale = MILLION / n
    extra = f" (x{scale:g}: extrapolated from {n:,} cases)" if n != MILLION else ""
    done = seconds is not None
    return Target(label + extra, (seconds if done else elapsed) * scale, TIME_LIMIT, "s", lower_bound=not done)


def memory_label(label: str, n: int) -> str:
    return label if n >= MILLION else f"{label}, at {n:,} of 1,000,000 open cases"


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    """Left-aligned first column, the others right-aligned, widths to fit."""
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def targets_table(targets: list[Target]) -> str:
    rows = [(t.label, t.figure(), ("<= " if t.at_most else ">= ") + fmt(t.limit, t.unit), t.verdict())
            for t in targets]
    return table(rows, ("target", "figure", "limit", "verdict"))


# ---------------------------------------------------------------- the benchmark's tables

def stage_rows(run: dict, n: int) -> tuple[list[tuple[str, ...]], dict[str, float | None]]:
    """Per stage: done at, active from, cases/s over its active window; and {stage: cases/s}."""
    timeline, rows, rates = run["timeline"], [], {}
    for stage, (count, target) in timeline[-1][1].items():
        done, start = done_at(timeline, stage), started_at(timeline, stage)
        rates[stage] = n / (done - start) if done is not None and done > start else None
        rows.append((stage, fmt_seconds(done) if done is not None else "not done",
                     fmt_seconds(start), f"{rates[stage]:,.0f}" if rates[stage] else "-",
                     f"{count:,.0f} / {target:,.0f}"))
    return rows, rates


def process_rows(run: dict, sampler: ProcSampler, n: int, stack_names: set[str]) -> list[tuple[str, ...]]:
    rows = []
    for name in ["broker", *sorted(stack_names - {"broker"}), "peers", "bench"]:
        cpu = run["cpu1"].get(name, 0.0) - run["cpu0"].get(name, 0.0)
        peak = sampler.peak(name)
        judged = name in stack_names and name != "broker"
        verdict = Target("", peak, SERVICE_RSS_LIMIT, "bytes").verdict() if judged else \
            {"broker": "(in the stack's)", "peers": "(outside world)", "bench": "(the lenders)"}[name]
        rows.append((name, fmt_bytes(peak), f"{cpu:,.1f}", f"{cpu / n * 1e6:,.0f}", verdict))
    return rows


def targets(run: dict, sampler: ProcSampler, stack_names: set[str], n: int, rates: dict,
            restart_s: float | None) -> list[Target]:
    timeline, elapsed = run["timeline"], run["elapsed"]
    cpu = sum(run["cpu1"].get(k, 0.0) - run["cpu0"].get(k, 0.0) for k in stack_names)
    worst = max((k for k in stack_names if k != "broker"), key=sampler.peak)
    ratio = rates[TRIAGE] / rates[INTAKE] if rates[TRIAGE] and rates[INTAKE] else None
    return [time_target("all cases triaged within 10 min", done_at(timeline, TRIAGE), elapsed, n),
            time_target("all first notices decided within 10 min", done_at(timeline, NOTIFY), elapsed, n),
            Target(memory_label(f"every service <= 500 MB RSS (largest: {worst})", n), sampler.peak(worst),
                   SERVICE_RSS_LIMIT, "bytes"),
            Target(memory_label("whole stack, broker included, <= 12 GiB (sum of peaks)", n),
                   sum(sampler.peak(k) for k in stack_names), STACK_RSS_LIMIT, "bytes"),
            Target("CPU per case <= 1.2 ms (services + broker)", cpu / n, CPU_PER_CASE_LIMIT, "ms"),
            Target("triage cases/s >= intake cases/s (ratio, same run)", ratio, 1.0, "x", at_most=False),
            Target("a SIGKILLed triage instance consuming within 30 s", restart_s, RESTART_LIMIT, "s")]


def topic_bytes_line(read: dict[str, tuple[int, int]], records: dict[str, int], n: int, broker_rss: float) -> str:
    """What the topics hold a case (keys, values and headers, uncompressed; a topic read only in part scaled by
    its record count), the ten largest, beside the dev broker's peak RSS a case: the rest is the broker's own."""
    held = {t: size * max(records.get(t, got), got) / got for t, (got, size) in read.items() if got}
    total = sum(held.values())
    top = ", ".join(f"{t} {b / n:,.0f} B" for t, b in sorted(held.items(), key=lambda kv: -kv[1])[:10])
    return (f"broker, bytes a case the topics hold: {total / n:,.0f} B in all against {broker_rss / n:,.0f} B of "
            f"peak RSS a case; largest: {top}")


def batches_line(found: dict[str, tuple[int, int]], last: int, shown: int = 8) -> str:
    """The topics in most record batches, over the last ``last`` records of each partition (the dev broker's cost
    of a fetch grows with a partition's batches)."""
    total_b, total_r = sum(b for b, _ in found.values()), sum(r for _, r in found.values())
    top = ", ".join(f"{t} {b:,} ({r / b:.1f} a batch)" for t, (b, r) in list(found.items())[:shown])
    return (f"broker, record batches in the last {last:,} records of each partition: {total_b:,} holding {total_r:,} records ({total_r / max(total_b, 1):.1f} a batch); "
            f"most: {top}")
