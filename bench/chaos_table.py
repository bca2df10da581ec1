"""The chaos comparison as a table for people: differences first, then the kills and the restarts. Pure."""
from __future__ import annotations

from collections import Counter, defaultdict
from statistics import median

from bench.chaos_compare import Diff, Outcome

SHOWN = 5   # cases or dead letters named per line


def _row(label: str, control, chaos, verdict: str) -> str:
    return f"  {label:<34}{control:>10}{chaos:>10}   {verdict}"


def _count(n: int | float) -> str:
    return f"{n:,}"


def _some(items) -> str:
    items = list(items)
    more = f" … and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(str(i) for i in items[:SHOWN]) + more


def differences(control: Outcome, chaos: Outcome, diff: Diff) -> list[str]:
    lines = [_row("", "control", "chaos", "differences")]
    lines.append(_row("cases", _count(len(control.stages)), _count(len(chaos.stages)),
                      f"{len(diff.missing_cases)} missing, {len(diff.extra_cases)} extra"))
    lines += [f"      missing: {_some(diff.missing_cases)}"] if diff.missing_cases else []
    lines += [f"      extra: {_some(diff.extra_cases)}"] if diff.extra_cases else []
    lines.append(_row("final stage mismatches", "", "", str(len(diff.stages))))
    changed = defaultdict(list)
    for case, pair in diff.stages.items():
        changed[pair].append(case)
    for (was, now), cases in sorted(changed.items(), key=lambda item: -len(item[1])):
        lines.append(f"      {len(cases)} × {was or '-'} in control, {now or '-'} here: {_some(cases)}")
    lines.append("  notices delivered, per kind")
    kinds = sorted({k for _, k in control.notices} | {k for _, k in chaos.notices})
    for kind in kinds:
        lost, dup = diff.notices.get(kind, (0, 0))
        c = sum(n for (_, k), n in control.notices.items() if k == kind)
        x = sum(n for (_, k), n in chaos.notices.items() if k == kind)
        lines.append(_row(f"  {kind}", _count(c), _count(x), f"{lost} lost, {dup} duplicated"))
    lines.append(_row("notice ids delivered twice", sum(control.repeated.values()), diff.repeated,
                      "(two channels or two letter boxes)" if diff.repeated else ""))
    lines.append("  ClickHouse rows (read FINAL) against the run's own topics")
    for table, (lost, dup) in diff.rows.items():
        cl, cd = control.rows.get(table, (0, 0))
        lines.append(_row(f"  {table}", f"{cl}/{cd}", f"{lost}/{dup}", f"{lost} lost, {dup} duplicated"))
    lost, extra = diff.rows_vs_control
    lines.append(_row("case_events rows against control", _count(sum(control.signatures.values())),
                      _count(sum(chaos.signatures.values())), f"{lost} lost, {extra} extra"))
    again = ", ".join(f"{t} {n:,}" for t, n in chaos.reinserted.items() if n) or "none"
    lines.append(f"      rows inserted twice by analytics (merged by FINAL): {again}")
    lines.append(_row("dead letters", _count(sum(control.dead.values())), _count(sum(chaos.dead.values())),
                      f"{sum(diff.dead.values())} new"))
    lines += [f"      new: {_some(f'{n} × {sig}' for sig, n in diff.dead.most_common())}"] if diff.dead else []
    lines.append(f"  differences in all: {diff.total}")
    return lines


def kills(done: list, restarts: list) -> list[str]:
    """``done``: the kills (``chaos_kills.Kill``); ``restarts``: the supervisor's ``Restart`` records."""
    per = defaultdict(list)
    for k in done:
        per[k.service].append(k)
    back = defaultdict(list)
    for r in restarts:
        if r.back_after is not None:
            back[r.name.rsplit("-", 1)[0] if r.name[-1].isdigit() else r.name].append(r.back_after)
    lines = [f"  {'service':<14}{'kills':>6}{'busy':>6}  {'ready again after the kill (s): median, max':<44}  victims"]
    for service in sorted(per):
        times = back.get(service, [])
        spread = f"{median(times):5.1f}, {max(times):5.1f}" if times else "    -"
        victims = Counter(k.victim for k in per[service])
        lines.append(f"  {service:<14}{len(per[service]):>6}{sum(1 for k in per[service] if k.busy):>6}  {spread:<44}  "
                     + ", ".join(f"{v} x{n}" for v, n in sorted(victims.items())))
    return lines
